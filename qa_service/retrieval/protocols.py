"""What the answering layer needs from a store and a retriever, whichever backend serves them.

``QAService`` and the answerers (answering/rules.py, explanations.py, learned.py) read ``service.index``
and call ``service.retriever``; these protocols spell out exactly which parts, so that the embedded FAISS +
bm25s index (index/store.py, retrieval/retriever.py) and the Milvus store (index/milvus_store.py,
retrieval/milvus.py) are interchangeable and the answering layer never knows which one it talks to.

Positions: a chunk is named by its position in ``DocumentStore.chunks`` and an evidence unit by its position
in ``DocumentStore.units``; both stores keep the same order for the same corpus.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    import numpy as np

    from qa_service.index.evidence_units import Units
    from qa_service.records import Chunk, Document, Fact, Hit, Table
    from qa_service.retrieval.retriever import Filters, ScoredUnit, SearchResult


@runtime_checkable
class TermStatistics(Protocol):
    """The lexical statistics answering weighs question terms with (bm25s' or the Milvus store's)."""

    def known(self, term: str) -> bool: ...

    def closest(self, term: str) -> str | None: ...

    def idf(self, term: str) -> float: ...


@runtime_checkable
class DocumentStore(Protocol):
    """A loaded index: the catalog (documents, chunks, facts, aliases) and the evidence units with their vectors."""

    manifest: dict[str, Any]
    documents: dict[str, Document]
    chunks: list[Chunk]
    facts: list[Fact]
    aliases: Any  # qa_service.text.aliases.AliasTable
    units: Units  # evidence units by chunk (CSR offsets), their offsets and vectors
    lexical: TermStatistics

    @property
    def tables(self) -> dict[str, Table]: ...


@runtime_checkable
class Retriever(Protocol):
    """Search over one store: ``retrieve`` is what answering calls; the rest it reuses for evidence."""

    index: DocumentStore

    def retrieve(self, query: str, k: int = 5, filters: Filters | None = None, mode: str = "full") -> SearchResult:
        """Hits (ranked, cited chunks), every scored unit of the pool, the query vector, terms and candidates."""
        ...

    def search(
        self, query: str, k: int = 5, filters: Filters | None = None, mode: str = "full"
    ) -> tuple[list[Hit], dict[str, float]]: ...

    def normalise_terms(self, terms: Sequence[str]) -> list[str]: ...

    def unit_terms(self, unit: int) -> frozenset[str]: ...

    def score_units(self, chunk_ids: Sequence[int], qvec: np.ndarray, terms: Sequence[str]) -> list[ScoredUnit]: ...
