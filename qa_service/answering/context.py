"""What answering needs from the service, as a protocol: answering types against it and never imports the service.

:class:`qa_service.service.QAService` satisfies :class:`AnswerContext`; a test can hand answering any other object
that has these attributes (tests/test_architecture.py checks that the service does).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from qa_service.answering.tables import PreparedTable
    from qa_service.config import Settings
    from qa_service.index.store import Index
    from qa_service.records import Fact, Hit
    from qa_service.retrieval.retriever import Retriever
    from qa_service.schemas import FactOut, Passage


class FactsWithin(Protocol):
    """Facts of a document found inside a span (the service's ``FactLookup``)."""

    def within(self, doc_id: str, start: int, end: int) -> list[Fact]: ...


class AnswerContext(Protocol):
    """The index, the retriever and the helpers an answerer reads; it keeps no per-question state."""

    index: Index
    retriever: Retriever
    settings: Settings
    fact_lookup: FactsWithin
    table_chunks: dict[str, list[int]]

    def prepared_table(self, table_id: str) -> PreparedTable:
        """A table of the index analysed for answering."""
        ...

    def fact_out(self, fact: Fact) -> FactOut:
        """A fact as the API shows it, with its citation."""
        ...

    def passage(self, hit: Hit) -> Passage:
        """A hit as the API shows it."""
        ...

    def index_fact(self, fact_id: str) -> Fact | None:
        """A fact of the index by id."""
        ...

    def retriever_index(self, chunk_id: str) -> int:
        """The position of a chunk in the index (the id the retriever works with)."""
        ...


ANSWER_CONTEXT_MEMBERS = (
    "index",
    "retriever",
    "settings",
    "fact_lookup",
    "table_chunks",
    "prepared_table",
    "fact_out",
    "passage",
    "index_fact",
    "retriever_index",
)
