"""Internal records of the pipeline.

Frozen dataclasses, plain Python, serialisable with ``to_dict``/``from_dict``.
Every ``start``/``end`` pair is a character offset into the *cleaned* text of
its document (``Document.text``), so ``doc.text[start:end]`` is the cited text.
Pydantic models for the API live in :mod:`qa_service.schemas`.
"""

from __future__ import annotations

import bisect
import functools
import itertools
from dataclasses import asdict, dataclass, field, fields
from enum import StrEnum
from typing import Any, TypeVar

T = TypeVar("T")


class FactKind(StrEnum):
    """The kinds of fact the extractors find: the one list for the extractors, the API, the web page and the CLI."""

    MONEY = "money"
    COUNT = "count"
    PERCENT = "percent"
    AREA = "area"
    POPULATION = "population"
    DATE = "date"
    PERIOD = "period"
    ENTITY = "entity"
    TABLE_CELL = "table_cell"


FACT_KINDS: tuple[str, ...] = tuple(k.value for k in FactKind)


def _from_dict(cls: type[T], data: dict[str, Any]) -> T:
    names = {f.name for f in fields(cls)}  # type: ignore[arg-type]
    kwargs = {}
    for key, value in data.items():
        if key not in names:
            continue
        kwargs[key] = tuple(value) if isinstance(value, list) else value
    return cls(**kwargs)


@dataclass(frozen=True)
class DocumentMeta:
    """What the corpus manifest (or the file itself) says about a document."""

    doc_id: str
    title: str
    source: str  # file name inside the corpus folder
    author: str | None = None
    year: int | None = None
    kind: str | None = None
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DocumentMeta:
        return _from_dict(cls, data)


@dataclass(frozen=True)
class Page:
    """A page of a source document (PDFs) as a span of the cleaned text."""

    number: int  # 1-based
    start: int
    end: int


@dataclass(frozen=True)
class Section:
    """A heading and the span of text it governs (until the next heading)."""

    title: str
    start: int  # offset of the heading line
    end: int
    level: int = 1


@dataclass(frozen=True)
class TableCell:
    """One addressable cell: (row label, column label) -> value, with offsets of the value."""

    row: str
    column: str
    value: str
    start: int
    end: int

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TableCell:
        return _from_dict(cls, data)


@dataclass(frozen=True)
class Table:
    """A tab-separated or column-aligned block recognised in a document."""

    table_id: str
    doc_id: str
    caption: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    cells: tuple[TableCell, ...]
    start: int  # offset of the caption line (or first row when there is no caption)
    end: int

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["rows"] = [list(r) for r in self.rows]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Table:
        return cls(
            table_id=data["table_id"],
            doc_id=data["doc_id"],
            caption=data["caption"],
            header=tuple(data["header"]),
            rows=tuple(tuple(r) for r in data["rows"]),
            cells=tuple(TableCell.from_dict(c) for c in data["cells"]),
            start=data["start"],
            end=data["end"],
        )


@dataclass(frozen=True)
class Region:
    """A span of a document that is not content: shown and citable, never evidence for an answer.

    ``kind`` is a chunk kind (:data:`NOT_CONTENT_KINDS`); ``label`` says what was recognised
    ("references", "contents", "title page", "running header").
    """

    kind: str
    start: int
    end: int
    label: str = ""


# Chunk kinds: "text" and "table" are content; these are kept and citable but never evidence.
NOT_CONTENT_KINDS = ("references", "front_matter")


@dataclass(frozen=True)
class Document:
    """A cleaned document: its text and the structure found in it."""

    meta: DocumentMeta
    text: str
    pages: tuple[Page, ...] = ()
    sections: tuple[Section, ...] = ()
    tables: tuple[Table, ...] = ()
    regions: tuple[Region, ...] = ()  # not-content spans (reference lists, contents, title pages, headers)

    @property
    def doc_id(self) -> str:
        return self.meta.doc_id

    def page_at(self, offset: int) -> int | None:
        """The number of the page holding ``offset`` (the end of the text belongs to the last page), else None.

        A bisection over the page starts: chunking asks this for every chunk, so a scan made ingest quadratic.
        """
        pages, starts = self._page_starts
        i = bisect.bisect_right(starts, offset) - 1
        if i >= 0 and (pages[i].start <= offset < pages[i].end or offset == pages[i].end == len(self.text)):
            return pages[i].number
        return None

    def section_at(self, offset: int) -> str | None:
        """The title of the last section starting at or before ``offset`` (None before the first heading).

        Sections are in text order; the bisection runs over the running maximum of their starts, so it gives
        the same answer as scanning them until the first one that starts after ``offset``.
        """
        i = bisect.bisect_right(self._section_reach, offset)
        return self.sections[i - 1].title if i else None

    # Computed once per document (cached_property writes the instance dict, which a frozen dataclass allows).
    @functools.cached_property
    def _page_starts(self) -> tuple[tuple[Page, ...], list[int]]:
        pages = tuple(sorted(self.pages, key=lambda p: (p.start, p.end)))
        return pages, [p.start for p in pages]

    @functools.cached_property
    def _section_reach(self) -> list[int]:
        return list(itertools.accumulate((s.start for s in self.sections), max))

    @functools.cached_property
    def heading_starts(self) -> frozenset[int]:
        """Offsets where a section heading starts."""
        return frozenset(s.start for s in self.sections)

    @functools.cached_property
    def tables_by_id(self) -> dict[str, Table]:
        return {t.table_id: t for t in self.tables}


@dataclass(frozen=True)
class Chunk:
    """A retrievable passage: ``doc.text[start:end] == text`` always holds."""

    chunk_id: str
    doc_id: str
    start: int
    end: int
    text: str
    section: str | None = None
    page_start: int | None = None
    page_end: int | None = None
    kind: str = "text"  # "text", "table", or a not-content kind: "references", "front_matter"
    table_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Chunk:
        return _from_dict(cls, data)


@dataclass(frozen=True)
class Fact:
    """A typed, normalised fact found in the text, with exact offsets.

    kind is one of :data:`FACT_KINDS` (money, count, percent, area, population, date, period, entity,
    table_cell).
    """

    fact_id: str
    kind: str
    text: str  # == doc.text[start:end]
    start: int
    end: int
    doc_id: str
    chunk_id: str | None = None
    value: float | None = None  # normalised number (3.2 million dollars -> 3200000.0)
    unit: str | None = None  # USD, KRW, %, km2, people, or the counted noun ("projects")
    per: str | None = None  # "year" for "... annually", "month", ...
    date_start: str | None = None  # ISO: YYYY, YYYY-MM or YYYY-MM-DD
    date_end: str | None = None
    entity: str | None = None  # canonical name (entities) or the counted thing (counts)
    entity_type: str | None = None  # program, plan, agency, ministry, committee, ...
    aliases: tuple[str, ...] = ()
    table_id: str | None = None
    row: str | None = None
    column: str | None = None
    context: str | None = None  # a few words around the fact, for display

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["aliases"] = list(self.aliases)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Fact:
        return _from_dict(cls, data)


@dataclass(frozen=True)
class Evidence:
    """The sentence inside a chunk that best supports a hit."""

    start: int
    end: int
    text: str
    score: float = 0.0


@dataclass(frozen=True)
class Hit:
    """A ranked chunk with the components of its score."""

    chunk: Chunk
    score: float
    rank: int = 0
    dense_score: float | None = None
    dense_rank: int | None = None
    lexical_score: float | None = None
    lexical_rank: int | None = None
    evidence: Evidence | None = None
    extra: dict[str, float] = field(default_factory=dict)
