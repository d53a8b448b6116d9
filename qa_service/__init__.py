"""qa-service: document-grounded question answering over a corpus of policy documents.

The Python API, for a notebook or another program::

    from qa_service import QAService, Document
    svc = QAService.from_folder("corpus/")        # or QAService.load("index/")
    svc.ask("How many companies do Korea's 30 industrial complexes host?")
    svc.search("RIS Pilot Program budget", k=5, mode="bm25")
    svc.facts(kind="money", entity="MCIE")

The names are imported on first use, so ``import qa_service`` (and ``qa-service --help``) stays fast.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# public name -> the module that defines it
_EXPORTS = {
    "QAService": "qa_service.service",
    "Document": "qa_service.schemas",
    "Filters": "qa_service.schemas",
    "AskResponse": "qa_service.schemas",
    "SearchResponse": "qa_service.schemas",
    "FactsPage": "qa_service.schemas",
    "FactKind": "qa_service.schemas",
    "SearchMode": "qa_service.schemas",
    "Settings": "qa_service.config",
    "QAError": "qa_service.errors",
}
__all__ = [  # noqa: RUF022 - the order of the docstring
    "QAService",
    "Document",
    "Filters",
    "AskResponse",
    "SearchResponse",
    "FactsPage",
    "FactKind",
    "SearchMode",
    "Settings",
    "QAError",
    "__version__",
]

if TYPE_CHECKING:
    from qa_service.config import Settings
    from qa_service.errors import QAError
    from qa_service.schemas import AskResponse, Document, FactKind, FactsPage, Filters, SearchMode, SearchResponse
    from qa_service.service import QAService


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'qa_service' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value  # the next access skips this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
