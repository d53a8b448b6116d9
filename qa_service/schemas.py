"""Request and response models: the one contract of the API, the web page, the CLI's --json and the eval."""

from __future__ import annotations

import re
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from qa_service.records import FACT_KINDS as FACT_KINDS  # re-exported: the adapters take it from here
from qa_service.records import FactKind

MAX_QUESTION_CHARS = 1000
# Bounds of a filter list, so a body can never make the server hold millions of ids (the body limit caps
# the bytes; these cap the work). The service also refuses more ids than the corpus has documents.
MAX_DOC_IDS = 200
MAX_DOC_ID_CHARS = 200


class SearchMode(StrEnum):
    """How passages are retrieved: the API's ``mode``, the CLI's ``--mode`` and the eval's configurations."""

    BM25 = "bm25"  # lexical only
    DENSE = "dense"  # embeddings only
    HYBRID = "hybrid"  # both, fused by reciprocal rank fusion
    FULL = "full"  # hybrid, then re-ranked by the best evidence sentence of each passage


SEARCH_MODES: tuple[str, ...] = tuple(m.value for m in SearchMode)
AnswerType = Literal[
    "money", "count", "percent", "area", "population", "date", "entity", "table", "explanation", "none"
]
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def clean_question(text: str) -> str:
    """Drop control characters and collapse whitespace; raise ValueError for an empty question."""
    text = _CONTROL.sub(" ", text)
    text = re.sub(r"\s+", " ", text).strip()
    if not text:
        raise ValueError("the question is empty: type a question, e.g. 'When was the DST designated?'")
    return text


class Filters(BaseModel):
    """Optional restrictions of the documents searched."""

    model_config = ConfigDict(extra="forbid")

    doc_ids: list[Annotated[str, Field(max_length=MAX_DOC_ID_CHARS)]] | None = Field(
        None,
        max_length=MAX_DOC_IDS,
        description=f"Only these document ids (see GET /api/documents); at most {MAX_DOC_IDS}, and no more than "
        "the corpus has documents.",
    )
    year_from: int | None = Field(None, ge=1000, le=3000, description="Only documents published in or after.")
    year_to: int | None = Field(None, ge=1000, le=3000, description="Only documents published in or before.")

    @model_validator(mode="after")
    def _years(self) -> Filters:
        if self.year_from is not None and self.year_to is not None and self.year_from > self.year_to:
            raise ValueError(f"year_from ({self.year_from}) is after year_to ({self.year_to}); swap them")
        return self


class AskRequest(Filters):
    question: str = Field(
        ..., description="A question in English (Korean works on Korean text).", max_length=MAX_QUESTION_CHARS
    )
    top_k: int = Field(5, ge=1, le=50, description="How many cited passages to return (1-50).")

    @field_validator("question")
    @classmethod
    def _question(cls, value: str) -> str:
        return clean_question(value)

    @field_validator("top_k", mode="before")
    @classmethod
    def _not_a_boolean(cls, value: object) -> object:
        # pydantic reads true as 1; a number of passages is a number (a form's "5" still is one).
        if isinstance(value, bool):
            raise ValueError("top_k must be a number from 1 to 50, not true or false")
        return value


class Document(BaseModel):
    """A document to add to a corpus from Python (``QAService.add_documents``): its text or a file's path, and any
    metadata as a free-form dict (``title``, ``author``, ``year``, ``kind`` are used, the rest kept)."""

    model_config = ConfigDict(extra="forbid")

    text: str | None = Field(None, description="The document's text (or give ``path``).")
    path: Path | None = Field(None, description="A .txt, .md or .pdf file to read (or give ``text``).")
    doc_id: str | None = Field(None, description="Its id; default: the file name without extension.")
    metadata: dict[str, Any] = Field(default_factory=dict, description="title, author, year, kind, and anything else.")

    @model_validator(mode="after")
    def _text_or_path(self) -> Document:
        if (self.text is None) == (self.path is None):
            raise ValueError("give exactly one of text= or path=")
        if self.text is not None and not self.doc_id:
            raise ValueError("a document given as text needs a doc_id")
        return self


class Span(BaseModel):
    start: int
    end: int
    text: str


class Citation(BaseModel):
    """Where a fact or passage comes from; ``start``/``end`` index the document's cleaned text."""

    doc_id: str
    title: str
    year: int | None = None
    section: str | None = None
    page: int | None = None
    chunk_id: str | None = None
    start: int
    end: int


class Passage(BaseModel):
    rank: int
    chunk_id: str
    doc_id: str
    title: str
    year: int | None = None
    section: str | None = None
    page: int | None = None
    page_end: int | None = None
    kind: str = "text"
    start: int
    end: int
    text: str
    evidence: Span | None = Field(None, description="The sentence (or table row) of the passage that best supports it.")
    score: float = Field(
        ...,
        description="Ranking score: the reciprocal-rank-fusion score (sum of 1 / (QA_RRF_K + rank)) over the dense, "
        "lexical and (mode 'full') evidence rankings; comparable only within one response.",
    )
    dense_score: float | None = Field(
        None, description="Cosine similarity of the question and passage embeddings (null: not a dense candidate)."
    )
    dense_rank: int | None = Field(None, description="Rank among the dense candidates (1 = best).")
    lexical_score: float | None = Field(
        None, description="BM25 score of the passage for the question's terms (null: not a lexical candidate)."
    )
    lexical_rank: int | None = Field(None, description="Rank among the BM25 candidates (1 = best).")


class FactOut(BaseModel):
    fact_id: str
    kind: FactKind
    text: str
    value: float | None = Field(None, description="The normalised number (3.2 million dollars -> 3200000.0).")
    unit: str | None = None
    per: str | None = None
    date_start: str | None = None
    date_end: str | None = None
    entity: str | None = None
    entity_type: str | None = None
    aliases: list[str] = []
    table_id: str | None = None
    row: str | None = None
    column: str | None = None
    context: str | None = None
    citation: Citation


class ConflictSide(BaseModel):
    value: str
    fact: FactOut
    sentence: Span | None = Field(None, description="The sentence of the source that states the value.")
    source: str | None = Field(None, description="The source in words, from its year and kind ('the 2009 paper').")


class Conflict(BaseModel):
    """Two or more sources that state the same quantity about the same subject with different values."""

    about: str
    sides: list[ConflictSide]
    sentence: str | None = Field(
        None, description="The disagreement in words: 'The 2007 slides say 39 projects; the 2009 paper says 43 ...'."
    )


ConfidenceLevel = Literal["confident", "tentative", "not_found"]


def confidence_level(found: bool, confidence: float, abstain: float, confident: float) -> ConfidenceLevel:
    """How an answer is shown: 'not_found' when there is none (or it is below ``abstain``), 'confident' at or
    above ``confident``, 'tentative' in between (the settings QA_ABSTAIN_THRESHOLD, QA_CONFIDENT_THRESHOLD)."""
    if not found or confidence < abstain:
        return "not_found"
    return "confident" if confidence >= confident else "tentative"


class AskResponse(BaseModel):
    question: str
    found: bool
    answer: str | None = None
    answer_type: AnswerType = "none"
    confidence: float = Field(
        ...,
        ge=0.0,
        le=1.0,
        description="Calibrated probability that the answer is right (learned answerer; measured on held-out folds).",
    )
    confidence_level: ConfidenceLevel = Field(
        "not_found",
        description="'confident' (at or above QA_CONFIDENT_THRESHOLD), 'tentative' (between the abstain and the "
        "confident thresholds: shown as 'the closest passage says'), or 'not_found' (below QA_ABSTAIN_THRESHOLD).",
    )
    answerer: str = Field("learned", description="Which answerer produced this: 'learned' or 'rules'.")
    message: str | None = None
    facts: list[FactOut] = []
    passages: list[Passage] = []
    conflicts: list[Conflict] = []
    timings_ms: dict[str, float] = {}


class SearchResponse(BaseModel):
    query: str
    k: int
    hits: list[Passage]
    timings_ms: dict[str, float] = {}


class FactsPage(BaseModel):
    total: int
    offset: int
    limit: int
    items: list[FactOut]


class DocumentSummary(BaseModel):
    doc_id: str
    title: str
    author: str | None = None
    year: int | None = None
    kind: str | None = None
    source: str
    chars: int
    pages: int
    chunks: int
    tables: int


class TableOut(BaseModel):
    table_id: str
    caption: str
    header: list[str]
    rows: list[list[str]]
    start: int
    end: int


class SectionOut(BaseModel):
    title: str
    start: int
    end: int
    level: int


class DocumentDetail(DocumentSummary):
    note: str | None = None
    text: str
    sections: list[SectionOut]
    tables: list[TableOut]


class Health(BaseModel):
    status: Literal["ok"]
    manifest: dict


class UploadResponse(BaseModel):
    """What ``POST /api/documents`` did with a file: the document it is now, and whether it was there already."""

    doc_id: str
    duplicate: bool = Field(description="True when the same bytes were indexed already (nothing was added).")
    document: DocumentSummary
