"""Structure found in cleaned text: section headings and tables.

Headings: numbered ones ("3. The Approaches ...", "2) Rural Development",
"(2) RIS Pilot Program") anywhere, and, in documents without numbered
headings (slides), short title lines that stand apart (a wide gap above, a
"Topic: Aspect" form, or a table right below).

Tables: two or more consecutive tab-separated lines (column-aligned blocks were
turned into tabs by cleaning). The caption is the short line just above.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from qa_service.records import Section, Table, TableCell

_NUMBERED = re.compile(r"^(?:(\d{1,2})\.(?:\d{1,2}\.?)*|(\d{1,2})\)|\((\d{1,2})\))\s+(\S.*)$")
_SMALL_WORDS = frozenset("a an and as at by for from in into of on or the to vs with via".split())
_MAX_TITLE_WORDS = 12
# A number that is not a year: "126,000", "4.5", "37%" (years head columns, quantities fill them).
_QUANTITY = re.compile(r"^(?!(?:1[89]|20)\d\d$)[$€£₩]?\d[\d,]*(?:\.\d+)?%?$")


def iter_lines(text: str) -> Iterator[tuple[int, int, str]]:
    """Yield (start, end, line) for each line of ``text``, offsets exact."""
    pos = 0
    for line in text.split("\n"):
        yield pos, pos + len(line), line
        pos += len(line) + 1


def _looks_like_title(line: str) -> bool:
    words = line.split()
    if not words or len(words) > _MAX_TITLE_WORDS or len(line) > 100 or "\t" in line:
        return False
    if re.search(r"[.!?,;]$", line) or (line.startswith(("-", "*", "(")) and not _NUMBERED.match(line)):
        return False
    letters = [w for w in words if w[:1].isalpha()]
    if not letters or not letters[0][:1].isupper():
        return False
    capitalised = sum(1 for w in letters if w[:1].isupper() or w.lower() in _SMALL_WORDS)
    return capitalised / len(letters) >= 0.75


def find_sections(text: str) -> tuple[Section, ...]:
    """Headings of ``text`` in order; each runs until the next one."""
    lines = list(iter_lines(text))
    numbered: list[tuple[int, str, int]] = []
    for start, _end, line in lines:
        match = _NUMBERED.match(line)
        if match and _looks_like_title(match.group(4)) and not line.endswith("."):
            level = 1 if match.group(1) else 2 if match.group(2) else 3
            numbered.append((start, line.strip(), level))
    heads = numbered
    if len(numbered) < 2:
        heads = []
        for i, (start, _end, line) in enumerate(lines):
            if not _looks_like_title(line) or (":" in line[:-1] and not re.match(r"^[^:]{2,40}: \S", line)):
                continue
            wide_gap = (i >= 2 and not any(ln for _s, _e, ln in lines[i - 2 : i])) or (
                i + 3 < len(lines) and not any(ln for _s, _e, ln in lines[i + 1 : i + 3])
            )
            titled = bool(re.match(r"^[A-Z][^:\d]{1,40}: [A-Za-z]", line))
            nxt = next((ln for _s, _e, ln in lines[i + 1 : i + 4] if ln.strip()), "")
            before_table = "\t" in nxt
            first_line = i == 0 or not any(ln for _s, _e, ln in lines[:i])
            if wide_gap or titled or before_table or first_line:
                heads.append((start, line.strip(), 1))
    sections = []
    for n, (start, title, level) in enumerate(heads):
        end = heads[n + 1][0] if n + 1 < len(heads) else len(text)
        sections.append(Section(title=title, start=start, end=end, level=level))
    return tuple(sections)


def _cells(line: str, line_start: int) -> list[tuple[str, int, int]]:
    out = []
    pos = line_start
    for cell in line.split("\t"):
        out.append((cell, pos, pos + len(cell)))
        pos += len(cell) + 1
    return out


def _two_row_header(rows: list[list[tuple[str, int, int]]]) -> bool:
    """A first row with a cell spanning the empty ones after it, over a second row of column heads."""
    if len(rows) < 3 or len(rows[0]) < 3:
        return False
    top, second = [c for c, _s, _e in rows[0]], [c for c, _s, _e in rows[1]]
    spans = any(top[k] and not top[k + 1] for k in range(1, len(top) - 1))
    heads = [c for c in second[1:] if c]
    return (
        spans and not second[0] and len(heads) >= 2 and not any(_QUANTITY.match(c) for c in heads)
        and all(len(c.split()) <= 4 for c in heads)
    )  # fmt: skip


_UNIT_CELL = re.compile(r"\([^()]{1,30}\)")


def _unit_row(rows: list[list[tuple[str, int, int]]]) -> bool:
    """A second row that only gives the columns' units under their heads: "(number)", "(USD million)", "(%)"."""
    if len(rows) < 3:
        return False
    second = [c.strip() for c, _s, _e in rows[1]]
    units = [c for c in second[1:] if c]
    first = not second[0] or _UNITS_HEAD.fullmatch(second[0])  # empty, or "(unit)" / "단위"
    return bool(first) and bool(units) and all(_UNIT_CELL.fullmatch(c) for c in units)


def _merge_header(top: list[str], second: list[str]) -> list[str]:
    labels, span = [], ""
    for k, (a, b) in enumerate(zip(top, second, strict=True)):
        span = a or (span if k else "")  # a merged cell heads the empty ones to its right
        labels.append(" ".join(x for x in (span, b) if x) if span != b else b)
    return labels


# A table's units line: "(Unit: firms, persons, KRW billion, USD million)", "(단위: 억 원)", or the same inside its
# caption ("< 표 1 > 연도별 사업비 투입 현황 (단위: 억 원)").
_UNITS = re.compile(r"(?:\bunits?|단위)\s*[:：]\s*([^()\[\]<>]+)", re.I)
_UNITS_HEAD = re.compile(r"[(\[]?\s*(?:units?|단위)\s*[)\]]?", re.I)
_HAS_UNIT = re.compile(r"\([^()\d]{1,24}\)\s*$")  # a label that states its own unit: "Revenue (KRW trillion)"
_YEAR_LABEL = re.compile(r"^(?:1[89]|20)\d\d\b")


def _units(line: str) -> list[str]:
    """The units a units line names, in order."""
    m = _UNITS.search(line)
    if not m:
        return []
    return [u.strip() for u in re.split(r"[,;/]", m.group(1)) if u.strip()][:12]


def _spread(units: list[str], n: int) -> list[str]:
    """``n`` units for ``n`` columns: one unit covers all; fewer units than columns are read from the right, the
    first covering the leading columns ("firms, persons, KRW billion" over "Tenant firms | Operating firms |
    Employment | Production")."""
    if len(units) >= n:
        return units[:n]
    return [units[0]] * (n - len(units) + 1) + units[1:]


def _with_units(labels: list[str], units: list[str]) -> list[str]:
    return [
        lab if _HAS_UNIT.search(lab) else f"{lab} ({u})"
        for lab, u in zip(labels, _spread(units, len(labels)), strict=True)
    ]


def _row_units(units: list[str], columns: list[str], rows: list[str]) -> dict[str, str]:
    """Row labels with their units when the columns are years and the units several (a table of indicators by
    year: the units follow its rows); empty otherwise."""
    if len(units) < 2 or not columns or not all(_YEAR_LABEL.match(c) for c in columns):
        return {}
    names = list(dict.fromkeys(r for r in rows if r))
    return dict(zip(names, _with_units(names, units), strict=True))


def find_tables(text: str, doc_id: str) -> tuple[Table, ...]:
    """Tab-separated blocks of at least two rows, with caption, header and addressable cells."""
    lines = list(iter_lines(text))
    tables: list[Table] = []
    i = 0
    while i < len(lines):
        if "\t" not in lines[i][2]:
            i += 1
            continue
        j = i
        while j < len(lines) and "\t" in lines[j][2]:
            j += 1
        block = lines[i:j]
        if len(block) >= 2:
            tables.append(_table(text, lines, i, block, doc_id, len(tables)))
        i = j
    return tuple(tables)


def _table(text: str, lines: list, first: int, block: list, doc_id: str, number: int) -> Table:
    rows = [_cells(line, start) for start, _end, line in block]
    width = max(len(r) for r in rows)
    rows = [r + [("", r[-1][2], r[-1][2])] * (width - len(r)) for r in rows]
    # Columns empty in every row (a leading tab on each line) carry no data.
    keep = [c for c in range(width) if any(r[c][0].strip() for r in rows)]
    rows = [[r[c] for c in keep] for r in rows]
    header = [cell for cell, _s, _e in rows[0]]
    body = rows[1:]
    if any(_QUANTITY.match(cell) for cell in header[1:]):
        # A first row of quantities is data (a key-value table), not a header.
        header, body = [""] * len(header), rows
    elif _two_row_header(rows):
        # Merged header cells: "Output" over "2001 | 2005" heads two columns, "Output 2001" and "Output 2005".
        header, body = _merge_header(header, [cell for cell, _s, _e in rows[1]]), rows[2:]
    elif _unit_row(rows):
        # Units under the heads: "Follow-on private investment" over "(USD million)" heads one column.
        header, body = (
            [" ".join(x for x in (h, u.strip()) if x) for h, (u, _s, _e) in zip(header, rows[1], strict=True)],
            rows[2:],
        )
    labels = [h or ("value" if len(header) == 2 else f"column {k + 1}") for k, h in enumerate(header)]
    above = []  # the non-empty lines just above the table, nearest first
    for back in range(first - 1, max(-1, first - 4), -1):
        if "\t" in lines[back][2]:
            break
        if lines[back][2].strip():
            above.append(lines[back])
    units: list[str] = []
    for _s, _e, line in above:
        if units := _units(line):
            break
    row_units = _row_units(units, labels[1:], [row[0][0] for row in body])
    if units and not row_units:
        labels = [labels[0], *_with_units(labels[1:], units)]
    cells: list[TableCell] = []
    row_label = ""
    for row in body:
        row_label = row[0][0] or row_label  # an empty first cell continues the row above (merged cell)
        for k, (value, start, end) in enumerate(row[1:], start=1):
            if value:
                label = row_units.get(row_label, row_label)
                cells.append(TableCell(row=label, column=labels[k], value=value, start=start, end=end))
    caption, start = "", block[0][0]
    for cap_start, _cap_end, cap_line in above:
        words = _UNITS.sub("", cap_line)  # the line without its units
        if not words.strip(" ()[]<>"):
            continue  # "(Unit: firms, KRW billion)": the caption is the line above it
        if len(words.split()) <= 15:
            caption, start = cap_line.strip(), cap_start
        break
    return Table(
        table_id=f"{doc_id}#t{number:02d}",
        doc_id=doc_id,
        caption=caption,
        header=tuple(header),
        rows=tuple(tuple(cell for cell, _s, _e in r) for r in rows),
        cells=tuple(cells),
        start=start,
        end=block[-1][1],
    )
