"""QAService: the one object the API, the web page, the CLI and the eval talk to.

It loads the index and the model once and answers ``search``, ``ask``,
``facts`` and ``documents``. It keeps no per-request state, so one instance
serves concurrent requests.
"""

from __future__ import annotations

import time
from pathlib import Path

from qa_service.answering.tables import PreparedTable
from qa_service.config import Settings, get_settings
from qa_service.errors import InvalidQueryError, UnknownDocumentError
from qa_service.index.embedding import Embedder, make_embedder
from qa_service.index.store import Index, build_index, index_is_current, load_index
from qa_service.records import Fact, Hit
from qa_service.retrieval.doc_refs import document_reference
from qa_service.retrieval.query_batching import QueryBatcher
from qa_service.retrieval.retriever import Filters as RetrievalFilters
from qa_service.retrieval.retriever import Retriever
from qa_service.schemas import (
    MAX_QUESTION_CHARS,
    AskResponse,
    Citation,
    DocumentDetail,
    DocumentSummary,
    FactOut,
    FactsPage,
    Filters,
    Health,
    Passage,
    SearchResponse,
    SectionOut,
    Span,
    TableOut,
    clean_question,
)


def ensure_index(settings: Settings, embedder: Embedder, force: bool = False, progress=None) -> tuple[bool, str]:
    """Build the index when it is missing or stale (or ``force``); return (built, reason)."""
    current, reason = index_is_current(
        settings.index_dir, settings.corpus_dir, embedder, settings.chunk_words, settings.chunk_overlap
    )
    if current and not force:
        return False, reason
    build_index(
        settings.corpus_dir,
        settings.index_dir,
        embedder,
        chunk_words=settings.chunk_words,
        chunk_overlap=settings.chunk_overlap,
        progress=progress,
    )
    return True, "forced" if current else reason


class QAService:
    """Question answering over one index."""

    def __init__(self, index: Index, embedder: Embedder, settings: Settings | None = None) -> None:
        self.settings = settings or get_settings()
        self.index = index
        self.embedder = embedder
        # Concurrent requests share one embedding call (a lone request is embedded at once).
        self.query_embedder = QueryBatcher(embedder)
        self.retriever = Retriever(index, self.query_embedder, self.settings.candidates, self.settings.rrf_k)
        self._chunk_pos = {c.chunk_id: i for i, c in enumerate(index.chunks)}
        self._prepared_tables: dict[str, PreparedTable] = {}
        self.table_chunks: dict[str, list[int]] = {}  # table id -> positions of the chunks that hold it
        for i, c in enumerate(index.chunks):
            if c.table_id:
                self.table_chunks.setdefault(c.table_id, []).append(i)
        self._facts_by_id = {f.fact_id: f for f in index.facts}
        from qa_service.answering.rules import FactLookup

        self.fact_lookup = FactLookup(index.facts)

    def prepared_table(self, table_id: str) -> PreparedTable:
        """A table of the index analysed for answering (once, then kept)."""
        prepared = self._prepared_tables.get(table_id)
        if prepared is None:
            table = self.index.tables[table_id]
            prepared = self._prepared_tables[table_id] = PreparedTable.of(table, self.index.documents[table.doc_id])
        return prepared

    def retriever_index(self, chunk_id: str) -> int:
        """Position of a chunk in the index (the id the retriever works with)."""
        return self._chunk_pos[chunk_id]

    def index_fact(self, fact_id: str) -> Fact | None:
        return self._facts_by_id.get(fact_id)

    @classmethod
    def open(
        cls,
        settings: Settings | None = None,
        embedder: Embedder | None = None,
        index_dir: Path | None = None,
        check_corpus: bool = True,
    ) -> QAService:
        """Load the index at ``index_dir`` (default: the settings'), refusing a mismatched one."""
        settings = settings or get_settings()
        embedder = embedder or make_embedder(settings.embedder, settings.embed_threads)
        folder = Path(index_dir or settings.index_dir)
        index = load_index(folder, embedder, settings.corpus_dir if check_corpus else None)
        return cls(index, embedder, settings)

    # -- helpers ---------------------------------------------------------------------------------------
    def _filters(self, filters: Filters | None) -> RetrievalFilters | None:
        if filters is None:
            return None
        known = sorted(self.index.documents)
        for doc_id in filters.doc_ids or []:
            if doc_id not in self.index.documents:
                raise UnknownDocumentError(doc_id, known)
        return RetrievalFilters(
            doc_ids=tuple(filters.doc_ids) if filters.doc_ids else None,
            year_from=filters.year_from,
            year_to=filters.year_to,
        )

    def _scope(self, query: str, filters: RetrievalFilters | None) -> tuple[str, RetrievalFilters | None]:
        """A question that names its source ("per the 2007 slides") searches that source, without the phrase."""
        if filters is not None and filters.active:
            return query, filters
        ref = document_reference(query, (d.meta for d in self.index.documents.values()))
        if ref is None:
            return query, filters
        return ref.strip(query) or query, RetrievalFilters(doc_ids=ref.doc_ids)

    @staticmethod
    def _query(text: str) -> str:
        try:
            query = clean_question(text)
        except ValueError as exc:
            raise InvalidQueryError(str(exc)) from None
        if len(query) > MAX_QUESTION_CHARS:
            raise InvalidQueryError(
                f"the question has {len(query)} characters; the limit is {MAX_QUESTION_CHARS}: shorten it"
            )
        return query

    def citation(self, doc_id: str, start: int, end: int, chunk_id: str | None = None) -> Citation:
        doc = self.index.documents[doc_id]
        return Citation(
            doc_id=doc_id,
            title=doc.meta.title,
            year=doc.meta.year,
            section=doc.section_at(start),
            page=doc.page_at(start),
            chunk_id=chunk_id,
            start=start,
            end=end,
        )

    def fact_out(self, fact: Fact) -> FactOut:
        data = fact.to_dict()
        data["citation"] = self.citation(fact.doc_id, fact.start, fact.end, fact.chunk_id)
        return FactOut(**data)

    def passage(self, hit: Hit) -> Passage:
        chunk = hit.chunk
        doc = self.index.documents[chunk.doc_id]
        ev = hit.evidence
        return Passage(
            rank=hit.rank,
            chunk_id=chunk.chunk_id,
            doc_id=chunk.doc_id,
            title=doc.meta.title,
            year=doc.meta.year,
            section=chunk.section,
            page=chunk.page_start,
            page_end=chunk.page_end,
            kind=chunk.kind,
            start=chunk.start,
            end=chunk.end,
            text=chunk.text,
            evidence=Span(start=ev.start, end=ev.end, text=ev.text) if ev else None,
            score=hit.score,
            dense_score=hit.dense_score,
            dense_rank=hit.dense_rank,
            lexical_score=hit.lexical_score,
            lexical_rank=hit.lexical_rank,
        )

    # -- the API of the core ---------------------------------------------------------------------------
    def search(self, query: str, k: int = 10, filters: Filters | None = None, mode: str = "full") -> SearchResponse:
        """Ranked, cited passages for ``query``."""
        if not 1 <= k <= 50:
            raise InvalidQueryError(f"k must be between 1 and 50, not {k}")
        query = self._query(query)
        t0 = time.perf_counter()
        scoped, where = self._scope(query, self._filters(filters))
        hits, timings = self.retriever.search(scoped, k=k, filters=where, mode=mode)
        timings["total"] = round((time.perf_counter() - t0) * 1000, 3)
        return SearchResponse(query=query, k=k, hits=[self.passage(h) for h in hits], timings_ms=timings)

    def ask(self, question: str, top_k: int = 5, filters: Filters | None = None, mode: str = "full") -> AskResponse:
        """A short answer with its facts, cited passages and any disagreement between sources."""
        from qa_service.answering.rules import answer

        if not 1 <= top_k <= 50:
            raise InvalidQueryError(f"top_k must be between 1 and 50, not {top_k}")
        question = self._query(question)
        t0 = time.perf_counter()
        scoped, where = self._scope(question, self._filters(filters))
        response = answer(self, scoped, top_k=top_k, filters=where, mode=mode, started=t0)
        return response if scoped == question else response.model_copy(update={"question": question})

    def facts(
        self,
        kind: str | None = None,
        entity: str | None = None,
        doc_id: str | None = None,
        year: int | None = None,
        offset: int = 0,
        limit: int = 50,
    ) -> FactsPage:
        """Extracted facts, filtered by kind, entity (any of its names), document and year."""
        if doc_id is not None and doc_id not in self.index.documents:
            raise UnknownDocumentError(doc_id, sorted(self.index.documents))
        wanted_entity = None
        if entity:
            needle = entity.strip().lower()
            canonical = self.index.aliases.canonical(entity)
            wanted_entity = (needle, canonical.lower() if canonical else None)
        out = []
        for fact in self.index.facts:
            if kind and fact.kind != kind:
                continue
            if doc_id and fact.doc_id != doc_id:
                continue
            if year is not None and not _fact_in_year(fact, year):
                continue
            if wanted_entity and not _fact_mentions(fact, *wanted_entity):
                continue
            out.append(fact)
        return FactsPage(
            total=len(out), offset=offset, limit=limit, items=[self.fact_out(f) for f in out[offset : offset + limit]]
        )

    def documents(self) -> list[DocumentSummary]:
        return [self._summary(doc_id) for doc_id in sorted(self.index.documents)]

    def _summary(self, doc_id: str) -> DocumentSummary:
        doc = self.index.documents[doc_id]
        return DocumentSummary(
            doc_id=doc_id,
            title=doc.meta.title,
            author=doc.meta.author,
            year=doc.meta.year,
            kind=doc.meta.kind,
            source=doc.meta.source,
            chars=len(doc.text),
            pages=len(doc.pages),
            chunks=sum(1 for c in self.index.chunks if c.doc_id == doc_id),
            tables=len(doc.tables),
        )

    def document(self, doc_id: str) -> DocumentDetail:
        if doc_id not in self.index.documents:
            raise UnknownDocumentError(doc_id, sorted(self.index.documents))
        doc = self.index.documents[doc_id]
        return DocumentDetail(
            **self._summary(doc_id).model_dump(exclude={"tables"}),
            note=doc.meta.note,
            text=doc.text,
            sections=[SectionOut(title=s.title, start=s.start, end=s.end, level=s.level) for s in doc.sections],
            tables=[
                TableOut(
                    table_id=t.table_id,
                    caption=t.caption,
                    header=list(t.header),
                    rows=[list(r) for r in t.rows],
                    start=t.start,
                    end=t.end,
                )
                for t in doc.tables
            ],
        )

    def health(self) -> Health:
        manifest = {k: v for k, v in self.index.manifest.items() if k != "documents"}
        return Health(status="ok", manifest=manifest)


def _fact_in_year(fact: Fact, year: int) -> bool:
    if fact.date_start:
        lo = int(fact.date_start[:4])
        hi = int((fact.date_end or fact.date_start)[:4])
        return lo <= year <= hi
    return str(year) in (fact.context or "")


def _fact_mentions(fact: Fact, needle: str, canonical: str | None) -> bool:
    names = [fact.entity or "", fact.text, *fact.aliases]
    low = [n.lower() for n in names]
    if canonical and canonical in low:
        return True
    return any(needle in n for n in low) or needle in (fact.context or "").lower()
