"""Request and response models: the one contract of the API, the web page, the CLI's --json and the eval."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

MAX_QUESTION_CHARS = 1000
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

    doc_ids: list[str] | None = Field(None, description="Only these document ids (see GET /api/documents).")
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
    evidence: Span | None = None
    score: float
    dense_score: float | None = None
    dense_rank: int | None = None
    lexical_score: float | None = None
    lexical_rank: int | None = None


class FactOut(BaseModel):
    fact_id: str
    kind: str
    text: str
    value: float | None = None
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


class Conflict(BaseModel):
    """Two or more sources that give different values for the same thing."""

    about: str
    sides: list[ConflictSide]


ConfidenceLevel = Literal["confident", "tentative", "not_found"]


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
