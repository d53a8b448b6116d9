"""One fact per table cell: its value, its row and column labels and the table's caption."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from qa_service.facts.base import Found
from qa_service.records import Chunk, Document, Fact, Table, TableCell
from qa_service.text.numbers import parse_number


def _unit(cell: TableCell, text_facts: list[Found]) -> tuple[float | None, str | None]:
    """The value and unit when the cell is one number, or one measure covering the cell ("24.7 Km2")."""
    value = parse_number(cell.value)
    whole = [f for f in text_facts if f.kind not in ("entity", "date", "period") and f.value is not None]
    if len(whole) == 1 and whole[0].end - whole[0].start >= len(cell.value.strip()) - 2:
        return whole[0].value, whole[0].unit
    if value is not None and cell.value.strip().endswith("%"):
        return value, "%"
    return value, None


def table_chunk_ids(chunks: Sequence[Chunk]) -> dict[str, str]:
    """table_id -> id of the chunk that holds the whole table."""
    return {c.table_id: c.chunk_id for c in chunks if c.kind == "table" and c.table_id}


def cell_facts(doc: Document, table: Table, chunk_id: str | None, find: Callable[[str], list[Found]]) -> list[Fact]:
    """Facts for every cell of ``table``; ``find`` reads the measures inside a cell's text."""
    out = []
    for cell in table.cells:
        text = doc.text[cell.start : cell.end]
        if not text.strip():
            continue
        value, unit = _unit(cell, find(text))
        out.append(
            Fact(
                fact_id=f"{doc.doc_id}:table_cell:{cell.start}-{cell.end}",
                kind="table_cell",
                text=text,
                start=cell.start,
                end=cell.end,
                doc_id=doc.doc_id,
                chunk_id=chunk_id,
                value=value,
                unit=unit,
                entity=table.caption or None,
                table_id=table.table_id,
                row=cell.row,
                column=cell.column,
                context=f"{table.caption}: {cell.row}, {cell.column}",
            )
        )
    return out
