"""Typed facts with exact offsets: money, counts, percentages, areas, populations, dates, periods,
entities and table cells.

Pure functions. Each family lives in its own module; this one runs them in an order that lets the more
specific reading of a number win (a range before its years, "2.5 million dollars" before a count of
"2.5 million", a year before a count), then adds ids, chunks and contexts. For every fact
``text[f.start:f.end] == f.text`` (with ``base`` added for :func:`extract_text_facts`).
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Sequence

from qa_service.facts.base import Claims, Found, context_around
from qa_service.facts.counts import find_counts
from qa_service.facts.dates import find_structured_dates, find_years
from qa_service.facts.entities import find_entities
from qa_service.facts.measures import find_area, find_percent, find_population
from qa_service.facts.money import find_money
from qa_service.facts.tables import cell_facts, table_chunk_ids
from qa_service.records import FACT_KINDS, NOT_CONTENT_KINDS, Chunk, Document, Fact
from qa_service.text.aliases import AliasTable, mine_aliases
from qa_service.text.numbers import find_numbers

__all__ = ["FACT_KINDS", "extract_facts", "extract_text_facts", "find_all"]


def find_all(text: str, aliases: AliasTable | None = None, entities: bool = True) -> list[Found]:
    """Every fact found in ``text`` as :class:`Found` records (offsets into ``text``), in text order."""
    claims = Claims()
    numbers = find_numbers(text)
    found = find_structured_dates(text, claims)
    found += find_money(text, numbers, claims)
    found += find_percent(text, numbers, claims)
    found += find_area(text, numbers, claims)
    found += find_population(text, numbers, claims)
    found += find_years(text, claims)
    found += find_counts(text, numbers, claims)
    if entities:
        found += find_entities(text, aliases if aliases is not None else mine_aliases([text]))
    return sorted(found, key=lambda f: (f.start, f.end, f.kind))


def _fact(found: Found, text: str, base: int, doc_id: str, chunk_id: str | None = None) -> Fact:
    start, end = base + found.start, base + found.end
    return Fact(
        fact_id=f"{doc_id}:{found.kind}:{start}-{end}",
        kind=found.kind,
        text=text[found.start : found.end],
        start=start,
        end=end,
        doc_id=doc_id,
        chunk_id=chunk_id,
        value=found.value,
        unit=found.unit,
        per=found.per,
        date_start=found.date_start,
        date_end=found.date_end,
        entity=found.entity,
        entity_type=found.entity_type,
        aliases=found.aliases,
        context=context_around(text, found.start, found.end),
    )


def extract_text_facts(text: str, base: int = 0, doc_id: str = "", aliases: AliasTable | None = None) -> list[Fact]:
    """Facts in ``text`` whose offsets are ``base + position`` (``text`` is a slice starting at ``base``).

    Without ``aliases`` the alias table is mined from ``text`` itself. ``chunk_id`` is left empty.
    """
    return [_fact(f, text, base, doc_id) for f in find_all(text, aliases)]


class _ChunkFinder:
    """The first text chunk holding a span (chunks overlap), else a table chunk, else the one it starts in.

    Chunks are sorted by start; a running maximum of their ends makes "the first chunk up to here that
    reaches past ``end``" one bisection, so finding the chunks of all facts is O(facts x log chunks).
    """

    def __init__(self, chunks: Sequence[Chunk]) -> None:
        ordered = sorted(chunks, key=lambda c: (c.kind != "text", c.start))
        self._text = [c for c in ordered if c.kind == "text"]
        self._starts = [c.start for c in self._text]
        self._text_reach = list(itertools.accumulate((c.end for c in self._text), max))
        self._other = [c for c in ordered if c.kind != "text"]
        self._other_starts = [c.start for c in self._other]
        self._other_reach = list(itertools.accumulate((c.end for c in self._other), max))

    def find(self, start: int, end: int) -> str | None:
        before = bisect.bisect_right(self._starts, start)  # text chunks starting at or before ``start``
        first = bisect.bisect_left(self._text_reach, end, 0, before)  # the first of them ending at or after ``end``
        if first < before:
            return self._text[first].chunk_id
        others = bisect.bisect_right(self._other_starts, start)
        first = bisect.bisect_left(self._other_reach, end, 0, others)
        if first < others:
            return self._other[first].chunk_id
        # A fact across a chunk boundary belongs to the chunk it starts in.
        first = bisect.bisect_right(self._text_reach, start, 0, before)
        return self._text[first].chunk_id if first < before else None


class _NotContent:
    """The spans of a document that are not content (reference lists, front matter: ``doc.regions``)."""

    def __init__(self, doc: Document) -> None:
        spans = sorted((r.start, r.end) for r in doc.regions if r.kind in NOT_CONTENT_KINDS)
        self._starts = [s for s, _ in spans]
        self._reach = list(itertools.accumulate((e for _, e in spans), max))

    def overlaps(self, start: int, end: int) -> bool:
        """Whether [start, end) overlaps a not-content span."""
        i = bisect.bisect_left(self._starts, end)  # the spans starting before ``end``
        return i > 0 and self._reach[i - 1] > start


def extract_facts(doc: Document, chunks: Sequence[Chunk], aliases: AliasTable | None = None) -> list[Fact]:
    """All facts of ``doc``: text facts tied to the first text chunk holding them, plus one fact per table
    cell tied to the table's chunk. Without ``aliases`` the table is mined from the document alone.

    Nothing in a reference list or front matter is a fact: the years, volumes and page numbers of citations
    are no figures of the document, and facts are what answers are read from. Those spans stay in the
    document and in their (not-evidence) chunks, viewable and citable.
    """
    aliases = aliases if aliases is not None else mine_aliases([doc.text])
    finder = _ChunkFinder([c for c in chunks if c.doc_id == doc.doc_id])
    skip = _NotContent(doc)
    facts = [
        _fact(f, doc.text, 0, doc.doc_id, finder.find(f.start, f.end))
        for f in find_all(doc.text, aliases)
        if not skip.overlaps(f.start, f.end)
    ]
    by_table = table_chunk_ids(chunks)
    for table in doc.tables:
        if skip.overlaps(table.start, table.end):
            continue
        chunk_id = by_table.get(table.table_id) or finder.find(table.start, table.end)
        facts += cell_facts(doc, table, chunk_id, lambda t: find_all(t, entities=False))
    return sorted(facts, key=lambda f: (f.start, f.end, f.kind))
