"""The retriever over a Milvus index: the same pipeline as retriever.py, the searches done by Milvus.

Only the two candidate searches change: dense is a Milvus vector search (inner product) and lexical a
search of the BM25 sparse field with the question's analysed terms; filters (document ids, year range)
become Milvus filter expressions. ``hybrid`` mode is one ``hybrid_search`` call fused by Milvus' RRF
ranker (the same formula and k as fusion.rrf); chunks with equal fused scores are then ordered as
fusion.rrf orders them (see ``hybrid``), so both stores rank alike. ``full`` mode (what ``ask`` uses) needs the dense and lexical lists apart for its evidence
re-ranking, so it sends both searches and fuses them here, exactly as the embedded store does. Evidence
scoring, hits and everything answering reuses come from the shared Retriever, so answers, citations
and facts do not depend on the store.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence

import numpy as np

from qa_service.index.embedding import Embedder
from qa_service.index.milvus_store import BM25_K1, MilvusIndex, bm25_text
from qa_service.records import Evidence, Hit
from qa_service.retrieval.retriever import MODES, Filters, Retriever, SearchResult


def filter_expression(filters: Filters | None) -> str | None:
    """A Milvus boolean expression for ``filters`` (None when nothing is filtered)."""
    if filters is None or not filters.active:
        return None
    parts = []
    if filters.doc_ids:
        parts.append(f"doc_id in {json.dumps(list(filters.doc_ids))}")
    if filters.year_from is not None or filters.year_to is not None:
        parts.append("year >= 0")  # unknown years (-1) never pass a year filter, as in the embedded store
        if filters.year_from is not None:
            parts.append(f"year >= {int(filters.year_from)}")
        if filters.year_to is not None:
            parts.append(f"year <= {int(filters.year_to)}")
    return " and ".join(parts)


class MilvusRetriever(Retriever):
    """Retriever whose dense and BM25 candidates come from Milvus collections."""

    def __init__(self, index: MilvusIndex, embedder: Embedder, candidates: int = 30, rrf_k: int = 60) -> None:
        super().__init__(index, embedder, candidates, rrf_k)  # type: ignore[arg-type]
        self.client = index.client
        self.chunks_collection = index.collections["chunks"]

    def allowed(self, filters: Filters | None) -> str | None:  # type: ignore[override]
        return filter_expression(filters)

    def dense(self, qvec: np.ndarray, mask: str | None, n: int) -> list[tuple[int, float]]:  # type: ignore[override]
        res = self.client.search(
            self.chunks_collection,
            data=[np.asarray(qvec, dtype=np.float32).tolist()],
            anns_field="dense",
            filter=mask or "",
            limit=min(n, len(self.index.chunks)) or 1,
            output_fields=["pos"],
            search_params={"metric_type": "IP"},
        )
        return _ordered((int(h["entity"]["pos"]), float(h["distance"])) for h in res[0])

    def lexical(self, terms: Sequence[str], mask: str | None, n: int) -> list[tuple[int, float]]:  # type: ignore[override]
        known = [t for t in terms if self.index.lexical.known(t)]
        if not known:
            return []
        res = self.client.search(
            self.chunks_collection,
            data=[bm25_text(known)],
            anns_field="sparse",
            filter=mask or "",
            limit=n,
            output_fields=["pos"],
            search_params={"metric_type": "BM25"},
        )
        # Milvus scores with the (k1 + 1) factor that bm25s' Lucene variant leaves out: same order, rescaled.
        # (Milvus Lite reports the score negated, as a distance; a cluster reports it as it is.)
        hits = ((int(h["entity"]["pos"]), abs(float(h["distance"])) / (BM25_K1 + 1)) for h in res[0])
        return _ordered((c, s) for c, s in hits if s > 0)

    def hybrid(self, qvec: np.ndarray, terms: Sequence[str], mask: str | None, n: int) -> list[tuple[int, float]]:
        """Dense and BM25 fused by Milvus' RRF ranker in one ``hybrid_search`` call, ties broken as fusion.rrf does.

        Milvus' RRFRanker scores ``sum(1 / (k + rank))`` with ranks from 1, as fusion.rrf, but orders equal
        scores its own way; equal scores are common (a chunk first in the dense list only and another first
        in the BM25 list only both score 1/(k+1)). fusion.rrf keeps the first list's order among equals (the
        dense list, then BM25-only chunks), so ties here go to the higher dense cosine, computed from the
        ``dense`` field the search returns (a chunk outside the dense candidates has a lower cosine than every
        one inside), then to the lower position. On eval/questions.jsonl Milvus' own order gave hybrid
        Recall@1 0.564 against FAISS' 0.530; with this tie-break both give the same ranking.
        """
        from pymilvus import AnnSearchRequest, RRFRanker

        known = [t for t in terms if self.index.lexical.known(t)]
        reqs = [
            AnnSearchRequest(
                [np.asarray(qvec, dtype=np.float32).tolist()], "dense", {"metric_type": "IP"}, n, expr=mask or None
            )
        ]
        if known:
            reqs.append(AnnSearchRequest([bm25_text(known)], "sparse", {"metric_type": "BM25"}, n, expr=mask or None))
        res = self.client.hybrid_search(
            self.chunks_collection, reqs, RRFRanker(self.rrf_k), limit=n, output_fields=["pos", "dense"]
        )
        q = np.asarray(qvec, dtype=np.float32)
        hits = [
            (int(h["entity"]["pos"]), float(h["distance"]), float(np.asarray(h["entity"]["dense"], np.float32) @ q))
            for h in res[0]
        ]
        hits.sort(key=lambda h: (-h[1], -h[2], h[0]))
        return [(c, score) for c, score, _cos in hits]

    def retrieve(self, query: str, k: int = 5, filters: Filters | None = None, mode: str = "full") -> SearchResult:
        if mode != "hybrid":
            return super().retrieve(query, k, filters, mode)
        if mode not in MODES:
            raise ValueError(f"unknown retrieval mode {mode!r}; use one of {', '.join(MODES)}")
        t0 = time.perf_counter()
        terms = self.query_terms(query)
        qvec = self.query_vector(query)
        t1 = time.perf_counter()
        fused = self.hybrid(qvec, terms + self.korean_spellings(query), self.allowed(filters), max(self.candidates, k))
        t2 = time.perf_counter()
        order = [c for c, _ in fused]
        scored = self.score_units(order[:k], qvec, terms)
        best = self.best_units(scored)
        hits = []
        for rank, (ci, score) in enumerate(fused[:k], start=1):
            chunk = self.index.chunks[ci]
            evidence = None
            if ci in best:
                u = best[ci].unit
                s, e = int(self.index.units.start[u]), int(self.index.units.end[u])
                text = self.index.documents[chunk.doc_id].text[s:e]
                evidence = Evidence(start=s, end=e, text=text, score=round(best[ci].score, 4))
            extra = (
                {"evidence_cosine": round(best[ci].cosine, 4), "evidence_coverage": round(best[ci].coverage, 4)}
                if ci in best
                else {}
            )
            hits.append(Hit(chunk=chunk, score=round(score, 6), rank=rank, evidence=evidence, extra=extra))
        timings = {
            "embed": round((t1 - t0) * 1000, 3),
            "hybrid": round((t2 - t1) * 1000, 3),
            "evidence": round((time.perf_counter() - t2) * 1000, 3),
        }
        return SearchResult(hits, timings, qvec, terms, scored, tuple(order))


def _ordered(hits) -> list[tuple[int, float]]:
    """Best first; equal scores by chunk position, as the embedded retriever orders them."""
    return sorted(hits, key=lambda h: (-h[1], h[0]))


def make_retriever(index, embedder: Embedder, candidates: int = 30, rrf_k: int = 60) -> Retriever:
    """The retriever for ``index``: the embedded one, or the Milvus one for a MilvusIndex."""
    if isinstance(index, MilvusIndex):
        return MilvusRetriever(index, embedder, candidates, rrf_k)
    return Retriever(index, embedder, candidates, rrf_k)
