"""Chunking: Documents -> Chunks (pure).

Sentence-aware: a chunk is a run of whole sentences of one section, about
``target_words`` long, sharing ``overlap`` sentences with the chunk before.
A table is one chunk of its own with its caption and is never split.
A span that is not content (``doc.regions``: a reference list, a table of contents, a title page, a
running header) is chunked on its own under the region's kind; :func:`is_evidence` tells those apart.
``doc.text[chunk.start:chunk.end] == chunk.text`` always holds.

A chunk's id is its document's id and a hash of its text (``doc#3f9a0c1b2d4e``), not its position: rebuilding
the index keeps the ids of every chunk whose text is unchanged, even when text before it was edited.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from itertools import pairwise

from qa_service.ingest.regions import region_at
from qa_service.records import NOT_CONTENT_KINDS, Chunk, Document
from qa_service.text.sentences import sentence_spans


def is_evidence(chunk: Chunk) -> bool:
    """Whether ``chunk`` may support an answer: reference lists and front matter never do (they stay citable)."""
    return chunk.kind not in NOT_CONTENT_KINDS


@dataclass(frozen=True)
class _Unit:
    start: int
    end: int
    words: int
    section: str | None
    table_id: str | None = None
    heading: bool = False
    kind: str = "text"


def _units(doc: Document) -> list[_Unit]:
    units: list[_Unit] = []
    pos = 0
    for table in sorted(doc.tables, key=lambda t: t.start):
        units += _region_units(doc, pos, table.start)
        region = region_at(doc.regions, table.start, table.end)
        kind = region.kind if region else "table"
        units.append(_Unit(table.start, table.end, 0, doc.section_at(table.start), table.table_id, kind=kind))
        pos = table.end
    return units + _region_units(doc, pos, len(doc.text))


def _region_units(doc: Document, start: int, end: int) -> list[_Unit]:
    """Sentence units of [start, end), cut at region edges so that no sentence straddles one."""
    cuts = sorted({start, end, *(x for r in doc.regions for x in (r.start, r.end) if start < x < end)})
    units: list[_Unit] = []
    for a, b in pairwise(cuts):
        region = region_at(doc.regions, a, b)
        units += _sentence_units(doc, a, b, region.kind if region else "text")
    return units


def _sentence_units(doc: Document, start: int, end: int, kind: str = "text") -> list[_Unit]:
    heads = doc.heading_starts
    return [
        _Unit(s, e, len(doc.text[s:e].split()), doc.section_at(s), heading=s in heads, kind=kind)
        for s, e in sentence_spans(doc.text, start, end)
    ]


def chunk_id(doc_id: str, text: str, taken: set[str] | frozenset[str] = frozenset()) -> str:
    """``doc_id#<12 hex digits of the text's BLAKE2b>``; a repeated text of one document gets ``~2``, ``~3``..."""
    base = f"{doc_id}#{hashlib.blake2b(text.encode('utf-8'), digest_size=6).hexdigest()}"
    n, cid = 1, base
    while cid in taken:
        n += 1
        cid = f"{base}~{n}"
    return cid


def chunk_document(doc: Document, target_words: int = 120, overlap: int = 1) -> list[Chunk]:
    """Split ``doc`` into chunks; see the module docstring."""
    if target_words < 1 or overlap < 0:
        raise ValueError(f"target_words must be >= 1 and overlap >= 0, got {target_words}, {overlap}")
    chunks: list[Chunk] = []
    taken: set[str] = set()

    def emit(units: list[_Unit], kind: str | None = None) -> None:
        kind = kind or units[-1].kind
        start, end = units[0].start, units[-1].end
        cid = chunk_id(doc.doc_id, doc.text[start:end], taken)
        taken.add(cid)
        chunks.append(
            Chunk(
                chunk_id=cid,
                doc_id=doc.doc_id,
                start=start,
                end=end,
                text=doc.text[start:end],
                section=units[-1].section if units[-1].table_id else units[0].section,
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
            emit((current[-fresh:] if title_only else []) + [unit], kind=unit.kind)
            current, fresh = [], 0
            continue
        kind_changed = bool(current) and unit.kind != current[-1].kind
        if current and (kind_changed or (unit.section != current[-1].section and not title_only)):
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
