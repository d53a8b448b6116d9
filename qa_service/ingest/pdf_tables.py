"""Tables in PDF pages, with pdfplumber: ruled tables from their lines, borderless ones from text alignment.

pypdf writes a table's cells one per line, so the table is lost. For a page that holds a table this
module lays the page out again from pdfplumber's words and tables, top to bottom: prose lines as they
stand, a blank line where the gap between lines is wide, and each table row as tab-separated cells
(which cleaning and :func:`qa_service.ingest.structure.find_tables` then read as a table).

- Ruled tables: ``page.find_tables()`` (the lines strategy); a merged cell is one value followed by
  empty cells, which the table reader turns into a two-row header.
- Borderless tables: two or more lines in a row that split into short cells at gaps wider than the
  font size, their cells put in the columns that the widest of those lines defines.

A page without a table keeps pypdf's text (``None`` is returned for it). Laying a page out costs pdfminer's
character layout (about 60-150 ms a page on the 2-core bench machine, most of a PDF's reading time), so
:func:`may_hold_table` first reads pypdf's text of the page, and only a page that could hold a table is laid
out: pypdf writes a table's cells one per line, so a table shows as a run of short lines (or a line of
numbers, or a tab). Prose pages, which wrap into long lines, are skipped.
"""

from __future__ import annotations

import itertools
import re
import statistics
from dataclasses import dataclass
from typing import Any

_LINE_TOLERANCE = 3.0  # points between the tops of words on one line
# A run of this many lines of at most _SHORT_LINE words each may be a table's cells. On the PDFs checked
# (the table tests' PDFs, two Debian manuals of 36 and 17 pages, a synthetic 100-page report: 115 of 158 pages
# skipped) the only pages skipped that layout_page read "tables" from were a contents page and an index, whose
# dot leaders it laid out as cells; 4 lines or 5 words also missed one of the manuals' option tables.
_SHORT_LINE, _SHORT_RUN = 6, 3
_NUMBER = re.compile(r"^[(\-+]?\d[\d.,]*%?\)?$")


def may_hold_table(text: str) -> bool:
    """Whether pypdf's ``text`` of a page could hold a table (False: a page of prose, not worth a layout).

    True for a tab, a line of three or more numbers that are at least half its words (a row pypdf kept on
    one line), or ``_SHORT_RUN`` lines in a row of at most ``_SHORT_LINE`` words (cells one per line)."""
    if "\t" in text:
        return True
    run = 0
    for line in text.splitlines():
        words = line.split()
        if not words:
            continue
        numbers = sum(1 for w in words if _NUMBER.match(w))
        if numbers >= 3 and 2 * numbers >= len(words):
            return True
        run = run + 1 if len(words) <= _SHORT_LINE else 0
        if run >= _SHORT_RUN:
            return True
    return False


@dataclass
class _Row:
    top: float
    bottom: float
    text: str
    cells: list[tuple[float, float, str]] | None = None  # (x0, x1, text) when the line splits into cells


def _inside(obj: dict[str, Any], boxes: list[tuple[float, float, float, float]]) -> bool:
    cx, cy = (obj["x0"] + obj["x1"]) / 2, (obj["top"] + obj["bottom"]) / 2
    return any(x0 <= cx <= x1 and top <= cy <= bottom for x0, top, x1, bottom in boxes)


def _lines(words: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    lines: list[list[dict[str, Any]]] = []
    for word in sorted(words, key=lambda w: (w["top"], w["x0"])):
        if lines and abs(word["top"] - lines[-1][0]["top"]) <= _LINE_TOLERANCE:
            lines[-1].append(word)
        else:
            lines.append([word])
    return [sorted(line, key=lambda w: w["x0"]) for line in lines]


def _cells(line: list[dict[str, Any]]) -> list[tuple[float, float, str]]:
    """The line cut at gaps wider than its font size."""
    cells: list[list[dict[str, Any]]] = [[line[0]]]
    for prev, word in itertools.pairwise(line):
        size = float(word.get("size") or (word["bottom"] - word["top"]) or 10.0)
        if word["x0"] - prev["x1"] > size:
            cells.append([word])
        else:
            cells[-1].append(word)
    return [(c[0]["x0"], c[-1]["x1"], " ".join(w["text"] for w in c)) for c in cells]


def _is_table_row(cells: list[tuple[float, float, str]]) -> bool:
    return (
        len(cells) >= 2
        and len(cells[0][2].split()) <= 10
        and all(len(text.split()) <= 5 for _x0, _x1, text in cells[1:])
    )


def _columns(rows: list[_Row]) -> None:
    """Put each row's cells in the columns of the row with the most cells (missing ones stay empty)."""
    anchors = max((r.cells or [] for r in rows), key=len)
    for row in rows:
        slots = [""] * len(anchors)
        for x0, x1, text in row.cells or []:
            overlaps = [min(x1, a1) - max(x0, a0) for a0, a1, _t in anchors]
            best = max(range(len(anchors)), key=lambda k: overlaps[k])
            if overlaps[best] <= 0:
                centre = (x0 + x1) / 2
                best = min(range(len(anchors)), key=lambda k: abs(centre - (anchors[k][0] + anchors[k][1]) / 2))
            slots[best] = f"{slots[best]} {text}".strip()
        row.text = "\t".join(slots)


def _ruled_rows(table: Any) -> list[_Row]:
    rows = []
    for cells, row in zip(table.extract(), table.rows, strict=False):
        texts = [" ".join((c or "").split()) for c in cells]
        if any(texts):
            rows.append(_Row(top=row.bbox[1], bottom=row.bbox[3], text="\t".join(texts)))
    return rows


def layout_page(page: Any) -> str | None:
    """The text of a pdfplumber ``page`` with its tables as tab-separated rows, or None if it has no table."""
    ruled = [t for t in page.find_tables() if len(t.rows) >= 2 and max(len(r.cells) for r in t.rows) >= 2]
    boxes = [t.bbox for t in ruled]
    rest = page.filter(lambda o: o.get("object_type") != "char" or not _inside(o, boxes)) if boxes else page
    words = rest.extract_words(extra_attrs=["size"])
    rows: list[_Row] = []
    for line in _lines(words):
        cells = _cells(line)
        top, bottom = min(w["top"] for w in line), max(w["bottom"] for w in line)
        rows.append(_Row(top, bottom, " ".join(w["text"] for w in line), cells if _is_table_row(cells) else None))
    borderless = False
    i = 0
    while i < len(rows):
        j = i
        while j < len(rows) and rows[j].cells:
            j += 1
        if j - i >= 2:
            _columns(rows[i:j])
            borderless = True
        else:
            for row in rows[i:j]:
                row.cells = None
        i = max(j, i + 1)
    if not ruled and not borderless:
        return None
    for table in ruled:
        rows.extend(_ruled_rows(table))
    rows.sort(key=lambda r: r.top)
    heights = [r.bottom - r.top for r in rows if r.bottom > r.top]
    height = statistics.median(heights) if heights else 10.0
    out: list[str] = []
    for prev, row in zip([None, *rows], rows, strict=False):
        if prev is not None and row.top - prev.bottom > 0.8 * height:
            out.append("")  # a paragraph gap
        out.append(row.text)
    return "\n".join(out)
