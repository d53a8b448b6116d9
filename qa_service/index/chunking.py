"""Chunking: Documents -> Chunks (pure).

Sentence-aware: a chunk is a run of whole sentences of one section, about
``target_words`` long, sharing ``overlap`` sentences with the chunk before.
A table is one chunk of its own with its caption and is never split.
``doc.text[chunk.start:chunk.end] == chunk.text`` always holds.
"""

from __future__ import annotations

from dataclasses import dataclass

from qa_service.records import Chunk, Document
from qa_service.text.sentences import sentence_spans


@dataclass(frozen=True)
class _Unit:
    start: int
    end: int
    words: int
    section: str | None
    table_id: str | None = None
    heading: bool = False


def _units(doc: Document) -> list[_Unit]:
    units: list[_Unit] = []
    pos = 0
    for table in sorted(doc.tables, key=lambda t: t.start):
        units += _sentence_units(doc, pos, table.start)
        units.append(_Unit(table.start, table.end, 0, doc.section_at(table.start), table.table_id))
        pos = table.end
    return units + _sentence_units(doc, pos, len(doc.text))


def _sentence_units(doc: Document, start: int, end: int) -> list[_Unit]:
    heads = {sec.start for sec in doc.sections}
    return [
        _Unit(s, e, len(doc.text[s:e].split()), doc.section_at(s), heading=s in heads)
        for s, e in sentence_spans(doc.text, start, end)
    ]


def chunk_document(doc: Document, target_words: int = 120, overlap: int = 1) -> list[Chunk]:
    """Split ``doc`` into chunks; see the module docstring."""
    if target_words < 1 or overlap < 0:
        raise ValueError(f"target_words must be >= 1 and overlap >= 0, got {target_words}, {overlap}")
    chunks: list[Chunk] = []

    def emit(units: list[_Unit], kind: str = "text") -> None:
        start, end = units[0].start, units[-1].end
        chunks.append(
            Chunk(
                chunk_id=f"{doc.doc_id}#c{len(chunks):03d}",
                doc_id=doc.doc_id,
                start=start,
                end=end,
                text=doc.text[start:end],
                section=units[-1].section if kind == "table" else units[0].section,
                page_start=doc.page_at(start),
                page_end=doc.page_at(max(start, end - 1)),
                kind=kind,
                table_id=next((u.table_id for u in units if u.table_id), None),
            )
        )

    current: list[_Unit] = []
    fresh = 0  # units in ``current`` that no earlier chunk holds
    for unit in _units(doc):
        # A title with nothing under it yet (a slide whose body was a picture) is carried into the next chunk.
        title_only = bool(current) and all(u.heading for u in current[-fresh:] if fresh) and fresh > 0
        if unit.table_id:
            if fresh and not title_only:
                emit(current)
            emit((current[-fresh:] if title_only else []) + [unit], kind="table")
            current, fresh = [], 0
            continue
        if current and unit.section != current[-1].section and not title_only:
            if fresh:
                emit(current)
            current, fresh = [], 0
        current.append(unit)
        fresh += 1
        if sum(u.words for u in current) >= target_words:
            emit(current)
            current = current[-overlap:] if overlap and len(current) > overlap else []
            fresh = 0
    if fresh:
        emit(current)
    return chunks
