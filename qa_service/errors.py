"""The project's exceptions: one small class per failure, mapped to HTTP/CLI messages by the shells."""

from __future__ import annotations


class QAError(Exception):
    """Base class of every error the core raises on purpose."""


class IngestError(QAError):
    """A single file could not be read; the others are still ingested."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class EmptyCorpusError(QAError):
    """Nothing in the corpus could be indexed."""


class IndexMissingError(QAError):
    """No index has been built at the configured location."""


class IndexMismatchError(QAError):
    """The index on disk was built with another model, corpus or format."""


class IndexDamagedError(IndexMismatchError):
    """A file of the index on disk is missing, truncated or altered (the message names it); rebuild it."""


class StoreUnavailableError(QAError):
    """The configured store (a Milvus server) cannot be reached; the message names its URI."""


class InvalidQueryError(QAError):
    """A question or filter that cannot be answered as given (the message says what to fix)."""


class UnknownDocumentError(QAError):
    """A document id that is not in the index."""

    def __init__(self, doc_id: str, known: list[str] | None = None) -> None:
        hint = f"; known ids: {', '.join(known)}" if known else ""
        super().__init__(f"unknown document id {doc_id!r}{hint}")
        self.doc_id = doc_id


class UploadRejectedError(QAError):
    """An uploaded file that is not accepted: ``status`` is the HTTP status the API answers with."""

    def __init__(self, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.status = status


class NLPModelMissing(QAError):
    """The spaCy model package the learned answerer parses with is not installed."""
