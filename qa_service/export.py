"""Facts as CSV or JSON lines: one serialisation shared by the web export and any CLI ``--format``."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from qa_service.schemas import FactOut, FactsPage

FORMATS = ("csv", "jsonl")
MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson; charset=utf-8"}
COLUMNS = (
    "fact_id", "kind", "text", "value", "unit", "per", "date_start", "date_end", "entity", "entity_type", "aliases",
    "table_id", "row", "column", "context", "doc_id", "title", "year", "section", "page", "start", "end",
)  # fmt: skip


def flat(fact: FactOut) -> dict[str, Any]:
    """One fact as a flat record: its fields, then its citation's (aliases joined by '; ')."""
    data = fact.model_dump(exclude={"citation"})
    data["aliases"] = "; ".join(fact.aliases)
    c = fact.citation
    data.update(doc_id=c.doc_id, title=c.title, year=c.year, section=c.section, page=c.page, start=c.start, end=c.end)
    return {k: data.get(k) for k in COLUMNS}


def csv_lines(facts: Iterable[FactOut]) -> Iterator[str]:
    """A header line, then one CSV line per fact (RFC 4180 quoting)."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\r\n")

    def take() -> str:
        out = buf.getvalue()
        buf.seek(0)
        buf.truncate()
        return out

    writer.writeheader()
    yield take()
    for fact in facts:
        writer.writerow({k: "" if v is None else v for k, v in flat(fact).items()})
        yield take()


def jsonl_lines(facts: Iterable[FactOut]) -> Iterator[str]:
    """One JSON object per line: the fact with its nested citation, as the API returns it."""
    for fact in facts:
        yield json.dumps(fact.model_dump(mode="json"), ensure_ascii=False) + "\n"


def serialise(facts: Iterable[FactOut], fmt: str) -> Iterator[str]:
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    return csv_lines(facts) if fmt == "csv" else jsonl_lines(facts)


def all_facts(fetch: Callable[[int, int], FactsPage], page_size: int = 500) -> Iterator[FactOut]:
    """Every fact ``fetch(offset, limit)`` pages through (e.g. a bound ``QAService.facts``), a page at a time."""
    offset = 0
    while True:
        page = fetch(offset, page_size)
        yield from page.items
        offset += len(page.items)
        if not page.items or offset >= page.total:
            return
