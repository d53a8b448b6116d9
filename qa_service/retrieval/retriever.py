"""Retrieval: dense + lexical -> fusion -> evidence re-ranking -> Hits.

1. The query is expanded with the aliases mined from the corpus (DRIA ->
   Daejeon Regional Innovation Agency), so either form finds the other, and
   a Korean question with the English of its words (``text.glossary``).
2. Dense (FAISS over chunk vectors) and lexical (BM25) candidates are fused
   by reciprocal rank fusion.
3. In the fused candidates, every evidence unit (sentence, or table row with
   its caption and header) is scored against the question: cosine similarity
   plus the IDF-weighted share of the question's terms it holds. Chunks are
   re-ranked by fusing the dense, lexical and evidence rankings, and each hit
   carries its best unit as the evidence sentence.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from qa_service.index.embedding import Embedder
from qa_service.index.evidence_units import with_context
from qa_service.index.lexical import analyze
from qa_service.index.store import Index
from qa_service.records import Evidence, Hit
from qa_service.retrieval.fusion import rrf
from qa_service.schemas import SEARCH_MODES
from qa_service.text.glossary import HANGUL, english_for, searchable, with_english
from qa_service.text.romanize import MAX_PREFIX, romanize

_CAPITALISED = re.compile(r"\b[A-Z][a-z]+(?:-[a-z]+)?\b")  # a name's Latin spelling: "Gunsan", "Ji-yeon"

MODES = SEARCH_MODES  # bm25, dense, hybrid, full
_WORD = re.compile(r"\w+")


def _mostly_hangul(text: str) -> bool:
    words = _WORD.findall(text)
    return bool(words) and sum(1 for w in words if HANGUL.match(w)) > len(words) / 2


@dataclass(frozen=True)
class Filters:
    """Restrict retrieval to some documents and/or a range of publication years."""

    doc_ids: tuple[str, ...] | None = None
    year_from: int | None = None
    year_to: int | None = None

    @property
    def active(self) -> bool:
        return bool(self.doc_ids) or self.year_from is not None or self.year_to is not None


@dataclass(frozen=True)
class ScoredUnit:
    """An evidence unit scored against a question: cosine + 0.5 * IDF-weighted term coverage."""

    unit: int
    chunk: int
    score: float
    cosine: float
    coverage: float


@dataclass(frozen=True)
class SearchResult:
    hits: list[Hit]
    timings: dict[str, float]
    qvec: np.ndarray
    terms: list[str]
    scored: list[ScoredUnit]  # every unit of the re-ranked pool
    candidates: tuple[int, ...] = ()  # every chunk that the dense or lexical retriever proposed


class Retriever:
    """Searches one loaded index; holds no per-request state, so it is safe across threads."""

    def __init__(self, index: Index, embedder: Embedder, candidates: int = 30, rrf_k: int = 60) -> None:
        self.index = index
        self.embedder = embedder
        self.candidates = candidates
        self.rrf_k = rrf_k
        self._unit_terms: dict[int, frozenset[str]] = {}
        self._doc_year = {d.doc_id: d.meta.year for d in index.documents.values()}
        self._chunk_doc = np.array([c.doc_id for c in index.chunks], dtype=object)
        self._romanized: dict[str, list[str]] | None = None  # Latin spelling -> Hangul index terms, when first asked
        self._korean: np.ndarray | None = None  # per chunk: written in Korean (``other_script``), when first asked

    # -- pieces ---------------------------------------------------------------------------------------
    def allowed(self, filters: Filters | None) -> np.ndarray | None:
        """Boolean mask of the chunks that pass ``filters`` (None when nothing is filtered)."""
        if filters is None or not filters.active:
            return None
        ok = np.ones(len(self.index.chunks), dtype=bool)
        if filters.doc_ids:
            ok &= np.isin(self._chunk_doc, list(filters.doc_ids))
        if filters.year_from is not None or filters.year_to is not None:
            lo = filters.year_from if filters.year_from is not None else -(10**9)
            hi = filters.year_to if filters.year_to is not None else 10**9
            years = [self._doc_year.get(d) for d in self._chunk_doc]
            ok &= np.array([y is not None and lo <= y <= hi for y in years], dtype=bool)
        return ok

    def normalise_terms(self, terms: Sequence[str]) -> list[str]:
        """Map query terms unknown to the index onto a close spelling that it knows (if any)."""
        lexical = self.index.lexical
        return [t if lexical.known(t) else (lexical.closest(t) or t) for t in terms]

    def embed_query(self, text: str) -> np.ndarray:
        return self.embedder.encode([text])[0]

    def query_terms(self, query: str) -> list[str]:
        """The query's terms, with the other forms of the names in it and the English of its Korean words."""
        return self.normalise_terms(analyze(self.index.aliases.expand(with_english(query))))

    def korean_spellings(self, query: str) -> list[str]:
        """The Hangul index terms that the capitalised words of an English question spell in Latin letters
        ("Gunsan" -> 군산, "Pohang" -> 포항, by the Revised Romanization): a Korean document is reached by the
        names it writes in Hangul. Empty for a corpus without Korean text."""
        if self._romanized is None:
            table: dict[str, list[str]] = {}
            for term in self.index.lexical.vocabulary():
                if 2 <= len(term) <= MAX_PREFIX and HANGUL.match(term):
                    table.setdefault(romanize(term), []).append(term)
            self._romanized = table
        if not self._romanized:
            return []
        words = {w.lower().replace("-", "") for w in _CAPITALISED.findall(query)}
        return [term for w in sorted(words) for term in self._romanized.get(w, ())]

    def other_script(self, query: str, ranked: Sequence[int]) -> list[int]:
        """The chunks of ``ranked`` written in Korean (most of their words in Hangul), in order, when ``query`` is
        not: the ones the English-only dense model cannot place near it."""
        if HANGUL.search(query):
            return []
        if self._korean is None:
            self._korean = np.array([_mostly_hangul(c.text) for c in self.index.chunks], dtype=bool)
        return [c for c in ranked if self._korean[c]]

    def query_vector(self, query: str) -> np.ndarray:
        """The query's vector (with the other forms of its names). A Korean question's is the mean of its own and
        its English's (``text.glossary``), so it is near Korean text and English text alike: over 35 Korean
        questions, cross-validated, 11 answered right with neither, 13 with the English alone (Korean text was
        lost), 14 with the English in the lexical match only, 16 with the mean (2026-12-07)."""
        qvec = self.embed_query(self.index.aliases.expand(query))
        if not english_for(query):
            return qvec
        both = qvec + self.embed_query(self.index.aliases.expand(with_english(query)))
        return (both / (np.linalg.norm(both) or 1.0)).astype(qvec.dtype)

    def dense(self, qvec: np.ndarray, mask: np.ndarray | None, n: int) -> list[tuple[int, float]]:
        import faiss

        total = self.index.dense.ntotal
        if total == 0:
            return []
        params = None
        if mask is not None:
            ids = np.flatnonzero(mask).astype(np.int64)
            if len(ids) == 0:
                return []
            params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(ids))
        scores, ids = self.index.dense.search(qvec.reshape(1, -1).astype(np.float32), min(n, total), params=params)
        found = [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0]
        return sorted(found, key=lambda h: (-h[1], h[0]))  # equal scores by position: the same on every store

    def lexical(self, terms: Sequence[str], mask: np.ndarray | None, n: int) -> list[tuple[int, float]]:
        scores = self.index.lexical.scores(terms)
        if mask is not None:
            scores = np.where(mask, scores, 0.0)
        top = np.argsort(-scores, kind="stable")[:n]
        return [(int(i), float(scores[i])) for i in top if scores[i] > 0]

    def unit_terms(self, unit: int) -> frozenset[str]:
        terms = self._unit_terms.get(unit)
        if terms is None:
            units = self.index.units
            chunk = self.index.chunks[int(units.chunk_index[unit])]
            doc = self.index.documents[chunk.doc_id]
            text = doc.text[int(units.start[unit]) : int(units.end[unit])]
            if chunk.kind == "table" and "\t" in text:
                table = self.index.tables.get(chunk.table_id or "")
                if table:
                    text = f"{table.caption} {' '.join(table.header)} {text}"
            elif chunk.kind != "table":
                text = with_context(doc.section_at(int(units.start[unit])), text)
            terms = frozenset(analyze(searchable(self.index.aliases.expand(text))))
            self._unit_terms[unit] = terms
        return terms

    def score_units(self, chunk_ids: Sequence[int], qvec: np.ndarray, terms: Sequence[str]) -> list[ScoredUnit]:
        """Every evidence unit of the chunks in ``chunk_ids``, scored against the question."""
        units = self.index.units
        qterms = set(terms)
        weights = {t: self.index.lexical.idf(t) for t in qterms}
        total = sum(weights.values()) or 1.0
        out: list[ScoredUnit] = []
        for ci in chunk_ids:
            span = units.of_chunk(ci)
            if not len(span):
                continue
            cos = units.vectors[span.start : span.stop] @ qvec
            for j, u in enumerate(span):
                coverage = sum(weights[t] for t in qterms & self.unit_terms(u)) / total
                out.append(ScoredUnit(u, ci, float(cos[j]) + 0.5 * coverage, float(cos[j]), coverage))
        return out

    @staticmethod
    def best_units(scored: Sequence[ScoredUnit]) -> dict[int, ScoredUnit]:
        best: dict[int, ScoredUnit] = {}
        for su in scored:
            if su.chunk not in best or su.score > best[su.chunk].score:
                best[su.chunk] = su
        return best

    # -- the pipeline ---------------------------------------------------------------------------------
    def search(
        self, query: str, k: int = 5, filters: Filters | None = None, mode: str = "full"
    ) -> tuple[list[Hit], dict[str, float]]:
        """Ranked hits for ``query`` and the time each stage took (ms)."""
        result = self.retrieve(query, k, filters, mode)
        return result.hits, result.timings

    def retrieve(self, query: str, k: int = 5, filters: Filters | None = None, mode: str = "full") -> SearchResult:
        """Like :meth:`search`, also returning what answering reuses (query vector, terms, scored units)."""
        if mode not in MODES:
            raise ValueError(f"unknown retrieval mode {mode!r}; use one of {', '.join(MODES)}")
        timings: dict[str, float] = {}
        t = time.perf_counter()

        def lap(name: str) -> None:
            nonlocal t
            now = time.perf_counter()
            timings[name] = round((now - t) * 1000, 3)
            t = now

        mask = self.allowed(filters)
        terms = self.query_terms(query)
        n = max(self.candidates, k)
        qvec = None
        dense: list[tuple[int, float]] = []
        lexical: list[tuple[int, float]] = []
        if mode != "bm25":
            qvec = self.query_vector(query)
            lap("embed")
            dense = self.dense(qvec, mask, n)
            lap("dense")
        if mode != "dense":
            lexical = self.lexical(terms + self.korean_spellings(query), mask, n)
            lap("lexical")
        dense_rank = {ci: r for r, (ci, _s) in enumerate(dense, start=1)}
        lex_rank = {ci: r for r, (ci, _s) in enumerate(lexical, start=1)}
        dense_score = dict(dense)
        lex_score = dict(lexical)
        # The English-only model never ranks a Korean chunk near an English question, which RRF would count
        # against it: in full mode such a chunk's BM25 rank votes a second time, in the dense list's stead.
        crossed = self.other_script(query, [c for c, _ in lexical]) if mode == "full" else []
        fused = rrf([[c for c, _ in dense], [c for c, _ in lexical], *([crossed] if crossed else [])], k=self.rrf_k)
        lap("fusion")
        order = list(fused)
        best: dict[int, ScoredUnit] = {}
        if qvec is None:
            qvec = np.zeros(self.index.units.vectors.shape[1], dtype=np.float32)
        scored: list[ScoredUnit] = []
        if mode == "full" and order:
            pool = order[: max(2 * k, 20)]
            scored = self.score_units(pool, qvec, terms)
            best = self.best_units(scored)
            by_evidence = sorted(pool, key=lambda c: -best[c].score if c in best else 0.0)
            lists = [[c for c, _ in dense], [c for c, _ in lexical], by_evidence, *([crossed] if crossed else [])]
            rerank = rrf(lists, k=self.rrf_k)
            order = list(rerank) + [c for c in order if c not in rerank]
            fused = {c: rerank.get(c, 0.0) for c in order}
        else:
            scored = self.score_units(order[:k], qvec, terms)
            best = self.best_units(scored)
        lap("evidence")
        hits = []
        for rank, ci in enumerate(order[:k], start=1):
            chunk = self.index.chunks[ci]
            evidence = None
            if ci in best:
                u = best[ci].unit
                s, e = int(self.index.units.start[u]), int(self.index.units.end[u])
                text = self.index.documents[chunk.doc_id].text[s:e]
                evidence = Evidence(start=s, end=e, text=text, score=round(best[ci].score, 4))
            hits.append(
                Hit(
                    chunk=chunk,
                    score=round(fused[ci], 6),
                    rank=rank,
                    dense_score=round(dense_score[ci], 4) if ci in dense_score else None,
                    dense_rank=dense_rank.get(ci),
                    lexical_score=round(lex_score[ci], 4) if ci in lex_score else None,
                    lexical_rank=lex_rank.get(ci),
                    evidence=evidence,
                    extra={
                        "evidence_cosine": round(best[ci].cosine, 4),
                        "evidence_coverage": round(best[ci].coverage, 4),
                    }
                    if ci in best
                    else {},
                )
            )
        return SearchResult(hits, timings, qvec, terms, scored, tuple(fused))
