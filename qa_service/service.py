"""QAService: the one object the API, the web page, the CLI and the eval talk to.

It loads the index and the model once and answers ``search``, ``ask``,
``facts`` and ``documents``. It keeps no per-request state, so one instance
serves concurrent requests.

From Python (a notebook)::

    from qa_service import QAService
    svc = QAService.from_folder("corpus/")   # builds the index, or reuses the one built from these files
    svc.ask("How many firms are in the complexes?").answer

This module is the facade: the web layer and the CLI import from here (and from schemas, config, errors),
never from the pipeline behind it (tests/test_architecture.py).
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

from qa_service.answering.conflicts import source_name
from qa_service.answering.tables import PreparedTable
from qa_service.config import Settings, get_settings
from qa_service.errors import IndexMissingError, InvalidQueryError, UnknownDocumentError
from qa_service.index.embedding import Embedder, make_embedder
from qa_service.index.store import Index, build_index, index_is_current, load_index, read_manifest
from qa_service.records import Fact, Hit
from qa_service.retrieval.doc_refs import document_reference
from qa_service.retrieval.milvus import make_retriever
from qa_service.retrieval.query_batching import QueryBatcher
from qa_service.retrieval.retriever import Filters as RetrievalFilters
from qa_service.schemas import (
    FACT_KINDS,
    MAX_QUESTION_CHARS,
    SEARCH_MODES,
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
    confidence_level,
)

__all__ = ["QAService", "default_index_dir", "ensure_index", "make_embedder", "read_manifest", "source_name"]


def ensure_index(
    settings: Settings, embedder: Embedder | None = None, force: bool = False, progress=None
) -> tuple[bool, str]:
    """Build the index when it is missing or stale (or ``force``); return (built, reason).

    Without ``embedder`` the one the settings name is loaded."""
    embedder = embedder or make_embedder(settings.embedder, settings.embed_threads)
    if settings.store == "milvus":
        from qa_service.index.milvus_store import build_milvus_index

        _manifest, built = build_milvus_index(settings, embedder, progress=progress is not None, force=force)
        return built, "built on Milvus" if built else "index is up to date"
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


def default_index_dir(corpus_dir: str | Path) -> Path:
    """Where ``QAService.from_folder`` keeps the index of a corpus folder when no ``index_dir`` is given:
    ``$QA_CACHE_DIR`` (default ``$XDG_CACHE_HOME/qa-service``, else ``~/.cache/qa-service``), then the folder's
    name and a hash of its absolute path, so two corpora never share an index."""
    corpus = Path(corpus_dir).expanduser().resolve()
    xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    cache = Path(os.environ.get("QA_CACHE_DIR") or Path(xdg) / "qa-service").expanduser()
    return cache / f"{corpus.name}-{hashlib.sha256(str(corpus).encode()).hexdigest()[:12]}"


def _backend_of(manifest: dict) -> str:
    """The ``QA_EMBEDDER`` value that built an index, read from its manifest's model name."""
    name = str(manifest.get("model", {}).get("name", ""))
    return "hash" if name.startswith("hash") else "minilm-onnx" if "onnx" in name else "minilm"


class QAService:
    """Question answering over one index.

    Build one with :meth:`from_folder` (a corpus folder), :meth:`load` (an index folder) or :meth:`open`
    (the configured settings); then :meth:`ask`, :meth:`search`, :meth:`facts`, :meth:`documents`. Every answer
    is a pydantic model of :mod:`qa_service.schemas`, the same the HTTP API returns.
    """

    def __init__(self, index: Index, embedder: Embedder, settings: Settings | None = None) -> None:
        self.settings = settings or get_settings()
        self.index = index
        self.embedder = embedder
        # Concurrent requests share one embedding call (a lone request is embedded at once).
        self.query_embedder = QueryBatcher(embedder)
        # The embedded store's Retriever, or the Milvus one: the answering layer sees the same interface.
        self.retriever = make_retriever(index, self.query_embedder, self.settings.candidates, self.settings.rrf_k)
        self._chunk_pos = {c.chunk_id: i for i, c in enumerate(index.chunks)}
        self._prepared_tables: dict[str, PreparedTable] = {}
        self.table_chunks: dict[str, list[int]] = {}  # table id -> positions of the chunks that hold it
        for i, c in enumerate(index.chunks):
            if c.table_id:
                self.table_chunks.setdefault(c.table_id, []).append(i)
        self._facts_by_id = {f.fact_id: f for f in index.facts}
        self._unit_spans = None
        self._learned = None
        self._lazy_lock = threading.RLock()
        from qa_service.answering.rules import FactLookup

        self.fact_lookup = FactLookup(index.facts)

    @property
    def unit_spans(self):
        """spaCy spans of every evidence unit: read from the index folder, or parsed once and kept."""
        if self._unit_spans is None:
            with self._lazy_lock:
                if self._unit_spans is None:
                    from qa_service.index.spans import annotate_units

                    spans = getattr(self.index, "spans", None)
                    if spans is None:  # an index saved without them (an older build, an incremental upload)
                        spans = annotate_units(self.index.documents, self.index.chunks, self.index.units)
                    self._unit_spans = spans
        return self._unit_spans

    def warm_up(self) -> None:
        """Load what the configured answerer needs (spaCy, the ranker, the spans) before the first question."""
        if self.settings.answerer == "learned":
            from qa_service.text.nlp import nlp

            nlp()
            self.learned_answerer.warm_up(self)

    def abstain_threshold(self, answerer: str | None = None) -> float:
        """The confidence below which ``answerer`` (default: the configured one) says "not found": the learned
        answerer's threshold comes from its ranker file unless QA_ABSTAIN_THRESHOLD is set."""
        if (answerer or self.settings.answerer) == "learned":
            return self.learned_answerer.threshold(self.settings)
        return self.settings.abstain_threshold

    @property
    def learned_answerer(self):
        """The trained answerer (ranker file from the settings, or the one shipped with the package)."""
        if self._learned is None:
            with self._lazy_lock:
                if self._learned is None:
                    from qa_service.answering.learned import LearnedAnswerer
                    from qa_service.answering.ranker import Ranker

                    self._learned = LearnedAnswerer(Ranker.load(self.settings.ranker_file), self.unit_spans)
        return self._learned

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
        if settings.store == "milvus" and index_dir is None:
            from qa_service.index.milvus_store import load_milvus_index

            return cls(load_milvus_index(settings, embedder), embedder, settings)  # type: ignore[arg-type]
        folder = Path(index_dir or settings.index_dir)
        index = load_index(folder, embedder, settings.corpus_dir if check_corpus else None)
        return cls(index, embedder, settings)

    @classmethod
    def from_folder(
        cls,
        corpus_dir: str | Path,
        index_dir: str | Path | None = None,
        *,
        embedder: str | None = None,
        force: bool = False,
        **settings: object,
    ) -> QAService:
        """The service over the documents in ``corpus_dir`` (.txt, .md, .pdf and an optional sources.json).

        The index is built in ``index_dir`` (default: :func:`default_index_dir`) when it is missing or was built
        from other files, another model or other settings, and reused otherwise. ``embedder`` is a ``QA_EMBEDDER``
        value ("minilm-onnx", "minilm", "hash"); other keyword arguments are settings (``chunk_words=80``).
        """
        corpus = Path(corpus_dir).expanduser()
        if not corpus.is_dir():
            raise IndexMissingError(f"no corpus folder at {corpus}")
        folder = Path(index_dir).expanduser() if index_dir is not None else default_index_dir(corpus)
        extra = {"embedder": embedder} if embedder else {}
        config = Settings(corpus_dir=corpus, index_dir=folder, **extra, **settings)  # type: ignore[arg-type]
        model = make_embedder(config.embedder, config.embed_threads)
        ensure_index(config, model, force=force)
        return cls.open(config, model)

    @classmethod
    def load(cls, index_dir: str | Path, *, embedder: str | None = None, **settings: object) -> QAService:
        """The service over an index folder built before (``qa-service ingest`` or :meth:`from_folder`).

        The corpus is not needed; the embedding backend is the one recorded in the index's manifest unless
        ``embedder`` names another (which then refuses to load a mismatched index)."""
        folder = Path(index_dir).expanduser()
        manifest = read_manifest(folder)
        if manifest is None:
            raise IndexMissingError(f"no index in {folder}; build one with QAService.from_folder or qa-service ingest")
        extra = {"embedder": embedder or _backend_of(manifest)}
        config = Settings(index_dir=folder, **extra, **settings)  # type: ignore[arg-type]
        return cls.open(config, index_dir=folder, check_corpus=False)

    def __repr__(self) -> str:
        counts = self.index.manifest.get("counts", {})
        return (
            f"<QAService {counts.get('documents', len(self.index.documents))} documents, "
            f"{len(self.index.chunks)} chunks, {len(self.index.facts)} facts, index {self.settings.index_dir}>"
        )

    # -- changing the corpus ---------------------------------------------------------------------------
    def with_files(
        self, files: Sequence[tuple[bytes, str | None, dict | None]]
    ) -> tuple[QAService, list[tuple[str, bool]]]:
        """A new service that also serves ``files`` (bytes, file name, metadata), stored in the corpus folder.

        Only the new documents' chunks are embedded; the index is published atomically before this returns.
        This service is left as it was (requests in flight on it finish on the old index). Returns the new
        service and, per file, its document id and whether the same bytes were indexed already. Raises
        UploadRejectedError (wrong type) or IngestError (unreadable file); then nothing has changed.
        """
        from qa_service.index.incremental import add_files

        index, result = add_files(self.index, self.embedder, self.settings, files)
        return (self if index is self.index else QAService(index, self.embedder, self.settings)), result

    def without_document(self, doc_id: str) -> QAService:
        """A new service without ``doc_id`` (its file leaves the corpus folder); this one is left as it was."""
        from qa_service.index.incremental import remove_file

        return QAService(remove_file(self.index, self.embedder, self.settings, doc_id), self.embedder, self.settings)

    def add_documents(self, docs: Iterable[str | Path | dict]) -> list[str]:
        """Add documents and serve them from now on; returns their ids.

        Each is a text (``str``), a file (``Path`` of a .txt, .md or .pdf), or a dict with ``text`` or ``path``
        and any metadata (``title``, ``author``, ``year``, ``kind``, ``note``, ``id`` and free-form keys). The
        files go into the corpus folder and are indexed incrementally, as uploads are. Meant for one thread
        (a notebook, a script); a server swaps in the service :meth:`with_files` returns instead.
        """
        files: list[tuple[bytes, str | None, dict | None]] = []
        for doc in docs:
            item = doc if isinstance(doc, dict) else {"path": doc} if isinstance(doc, Path) else {"text": doc}
            metadata = {k: v for k, v in item.items() if k not in ("text", "path")}
            if item.get("path") is not None:
                path = Path(item["path"])
                files.append((path.read_bytes(), str(metadata.get("id") or path.name), metadata or None))
            else:
                name = str(metadata.get("id") or metadata.get("title") or "document")
                files.append((str(item.get("text", "")).encode("utf-8"), f"{name}.txt", metadata or None))
        new, result = self.with_files(files)
        if new is not self:
            self.__dict__.update(new.__dict__)
        return [doc_id for doc_id, _duplicate in result]

    def remove_document(self, doc_id: str) -> None:
        """Remove ``doc_id`` from the corpus folder and the index (one thread; see :meth:`add_documents`)."""
        self.__dict__.update(self.without_document(doc_id).__dict__)

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
        """Ranked, cited passages for ``query``; ``mode`` is one of :data:`~qa_service.schemas.SEARCH_MODES`."""
        if not 1 <= k <= 50:
            raise InvalidQueryError(f"k must be between 1 and 50, not {k}")
        _check_mode(mode)
        query = self._query(query)
        t0 = time.perf_counter()
        scoped, where = self._scope(query, self._filters(filters))
        hits, timings = self.retriever.search(scoped, k=k, filters=where, mode=mode)
        timings["total"] = round((time.perf_counter() - t0) * 1000, 3)
        return SearchResponse(query=query, k=k, hits=[self.passage(h) for h in hits], timings_ms=timings)

    def ask(
        self,
        question: str,
        top_k: int = 5,
        filters: Filters | None = None,
        mode: str = "full",
        answerer: str | None = None,
    ) -> AskResponse:
        """A short answer with its facts, cited passages and any disagreement between sources."""
        from qa_service.answering.rules import answer

        if not 1 <= top_k <= 50:
            raise InvalidQueryError(f"top_k must be between 1 and 50, not {top_k}")
        _check_mode(mode)
        question = self._query(question)
        t0 = time.perf_counter()
        scoped, where = self._scope(question, self._filters(filters))
        use = answerer or self.settings.answerer
        if use == "learned":
            response = self.learned_answerer.answer(
                self, scoped, top_k=top_k, filters=where, mode=mode, started=t0, scoped=scoped != question
            )
        else:
            response = answer(self, scoped, top_k=top_k, filters=where, mode=mode, started=t0)
            response = response.model_copy(update={"answerer": "rules"})
        update: dict = {} if scoped == question else {"question": question}
        if "confidence_level" not in response.model_fields_set:  # the answerer left it: derive it here, once
            s = self.settings
            level = confidence_level(response.found, response.confidence, s.abstain_threshold, s.confident_threshold)
            update["confidence_level"] = level
        return response.model_copy(update=update) if update else response

    def facts(
        self,
        kind: str | None = None,
        entity: str | None = None,
        doc_id: str | None = None,
        year: int | None = None,
        offset: int = 0,
        limit: int = 50,
    ) -> FactsPage:
        """Extracted facts, filtered by kind (one of :data:`~qa_service.schemas.FACT_KINDS`), entity (any of its
        names), document and year."""
        if kind is not None and kind not in FACT_KINDS:
            raise InvalidQueryError(f"unknown fact kind {kind!r}; use one of {', '.join(FACT_KINDS)}")
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


def _check_mode(mode: str) -> None:
    if mode not in SEARCH_MODES:
        raise InvalidQueryError(f"unknown search mode {mode!r}; use one of {', '.join(SEARCH_MODES)}")
