"""Cleaning of text extracted from PDFs and slides.

General rules, not tuned to one file: sentences split across line breaks,
blank lines or page breaks are rejoined; hyphenated line ends are mended;
stray glyphs, bare page numbers and running headers/footers are dropped;
column-aligned blocks become tab-separated rows; Korean text is kept intact.

The cleaned text is the one every offset in the index refers to, and the one
the API shows, so a citation can always be checked against it.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from itertools import pairwise

from qa_service.records import Page

_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_SPACES = dict.fromkeys(map(ord, "\u00a0\u2007\u2009\u202f\u3000\u2002\u2003"), " ")
_LIGATURES = {"\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl"}
_BULLETS = "•●▪◦‣∙·■□◆◇►▶➢✓✔"
_MARKDOWN_ESCAPE = re.compile(r"\\([$*_#\[\]`~])")
_ALIGNED_GAP = re.compile(r"(?<=\S)( {3,}| {2,}(?=\S.*\S {2,}\S))(?=\S)")
_PAGE_NUMBER = re.compile(r"^(?:[-–—]\s*)?(?:page\s+)?\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?(?:\s*[-–—])?$", re.I)
_LIST_MARKER = re.compile(r"^(?:[-*+]\s|\d{1,2}[.)]\s|\(\d{1,2}\)\s|[a-z][.)]\s)")
_TERMINAL = re.compile(r"[.!?:;][\"'”’)\]]*$")
_CONNECTORS = frozenset(
    "a an the and or nor but of to in on at by for from with without into onto over under between among "
    "as than that which who whom whose its their his her our your this these those such is are was were be "
    "been being has have had will would can could should may might must not also very more most less".split()
)


@dataclass(frozen=True)
class _Line:
    text: str
    page: int  # 1-based
    gap: int  # blank lines before it (a page break counts as one)


def normalise(raw: str) -> str:
    """Unicode and whitespace normalisation that keeps every script intact."""
    text = unicodedata.normalize("NFC", raw)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n\n")
    text = text.translate(_INVISIBLE).translate(_SPACES)
    for lig, plain in _LIGATURES.items():
        text = text.replace(lig, plain)
    return _MARKDOWN_ESCAPE.sub(r"\1", text)


def _tidy_line(line: str) -> str:
    if "\t" in line:
        cells = [re.sub(r"\s{2,}", " ", c.strip()) for c in line.split("\t")]
        while cells and not cells[-1]:
            cells.pop()
        # A leading empty cell is kept: it is a column of its own in a table.
        return "\t".join(cells) if any(cells) else ""
    line = line.strip()
    if line[:1] in _BULLETS:
        line = "- " + line[1:].lstrip()
    return re.sub(r"\s{2,}", " ", line)


def _is_furniture(line: str, page_number_spot: bool = True) -> bool:
    """A stray glyph, a line of symbols, or a bare page number where page numbers sit.

    ``page_number_spot``: the line is at a page edge or stands alone between blank
    lines; elsewhere a bare number ("2004" under "Key years:") is content.
    """
    stripped = line.strip()
    if len(stripped) <= 1:
        return True
    if not any(ch.isalnum() for ch in stripped):
        return True
    return page_number_spot and bool(_PAGE_NUMBER.match(stripped))


def _edges(lines: list[str]) -> set[int]:
    """Indexes of the two content lines at the top and the two at the bottom of a page."""
    content = [k for k, ln in enumerate(lines) if ln.strip()]
    return set(content[:2] + content[-2:])


def _page_number_spots(lines: list[str]) -> set[int]:
    """Indexes of lines where a page number may sit: at a page edge, or alone in a paragraph."""
    spots = _edges(lines)
    for k, line in enumerate(lines):
        alone = (k == 0 or not lines[k - 1].strip()) and (k + 1 == len(lines) or not lines[k + 1].strip())
        if alone and line.strip():
            spots.add(k)
    return spots


def _align_to_tabs(lines: list[str]) -> list[str]:
    """Turn runs of aligned columns (two or more such lines in a row) into tab-separated rows."""
    out = list(lines)
    run: list[int] = []
    for i, line in enumerate(lines + [""]):
        if line.strip() and "\t" not in line and _ALIGNED_GAP.search(line.strip()):
            run.append(i)
            continue
        if len(run) >= 2:
            for j in run:
                out[j] = re.sub(r" {2,}", "\t", lines[j].strip())
        run = []
    return out


_NUM = r"[-+]?[$€£₩]?\d[\d,]*(?:\.\d+)?%?"
_N_PAREN_M = re.compile(rf"{_NUM}\s*\(\s*{_NUM}\s*\)")
_VALUE = re.compile(rf"^{_NUM}(?:\s+[A-Za-z%]+){{0,3}}(?:\s*\(\s*{_NUM}\s*\))?$")


def _n_m_columns_to_tabs(lines: list[str]) -> list[str]:
    """Rows of "N (M)" values after a label ("Seoul 1,200 (12.1) 2,084 (15.0)"), two or more in a row, become
    tab-separated, and so does the line of column heads just above them."""
    shapes: list[int] = []  # number of "N (M)" values of each line when it is such a row, else 0
    for line in lines:
        stripped = line.strip()
        values = list(_N_PAREN_M.finditer(stripped))
        tail = stripped[values[0].start() :] if values else ""
        ok = values and "\t" not in line and re.fullmatch(rf"(?:{_N_PAREN_M.pattern}\s*)+", tail)
        label = stripped[: values[0].start()].strip() if values else ""
        shapes.append(len(values) if ok and label and not _VALUE.match(label) else 0)
    out = list(lines)
    i = 0
    while i < len(lines):
        j = i
        while j < len(lines) and shapes[j] and shapes[j] == shapes[i]:
            j += 1
        if j - i >= 2:
            for k in range(i, j):
                stripped = lines[k].strip()
                values = [m.group(0) for m in _N_PAREN_M.finditer(stripped)]
                label = stripped[: stripped.index(values[0])].strip()
                out[k] = "\t".join([label, *values])
            heads = lines[i - 1].split() if i > 0 else []
            n = shapes[i]
            if len(heads) >= n and "\t" not in lines[i - 1] and all(len(h) <= 16 for h in heads[-n:]):
                out[i - 1] = "\t".join([" ".join(heads[:-n]), *heads[-n:]])
        i = max(j, i + 1)
    return out


def _is_label(line: str) -> bool:
    words = line.split()
    return 0 < len(words) <= 10 and len(line) <= 80 and not _VALUE.match(line) and not re.search(r"[.!?;,]$", line)


def _label_value_to_tabs(lines: list[str]) -> list[str]:
    """One cell per line between blank lines (label, value, label, value ...): three pairs or more become
    tab-separated rows of one block."""
    solo = [
        k
        for k, line in enumerate(lines)
        if line.strip() and "\t" not in line
        and (k == 0 or not lines[k - 1].strip()) and (k + 1 == len(lines) or not lines[k + 1].strip())
    ]  # fmt: skip
    nonblank = [k for k, line in enumerate(lines) if line.strip()]
    order = {k: n for n, k in enumerate(nonblank)}
    drop: set[int] = set()
    out = list(lines)
    p = 0
    while p < len(solo):
        pairs: list[tuple[int, int]] = []
        q = p
        while q + 1 < len(solo):
            a, b = solo[q], solo[q + 1]
            adjacent = order[b] == order[a] + 1 and (not pairs or order[a] == order[pairs[-1][1]] + 1)
            if not (adjacent and _is_label(lines[a].strip()) and _VALUE.match(lines[b].strip())):
                break
            pairs.append((a, b))
            q += 2
        if len(pairs) >= 3:
            for a, b in pairs:
                out[a] = f"{lines[a].strip()}\t{lines[b].strip()}"
                drop.update(range(a + 1, b + 1))  # the blank lines and the value's own line
            for (_a, b), (a2, _b2) in pairwise(pairs):
                drop.update(range(b + 1, a2))  # the blank lines between rows
            p = q
        else:
            p += 1
    return [line for k, line in enumerate(out) if k not in drop]


def _running_furniture(pages: list[list[str]]) -> set[str]:
    """Lines repeated at the top or bottom of most pages: running headers and footers."""
    if len(pages) < 3:
        return set()
    counts: Counter[str] = Counter()
    for lines in pages:
        # A table's rows (a header repeated on each page) are content, not furniture.
        counts.update({re.sub(r"\d+", "#", _tidy_line(lines[k])) for k in _edges(lines) if "\t" not in lines[k]})
    return {key for key, n in counts.items() if n >= max(3, 0.6 * len(pages))}


def _lines(pages: list[str]) -> list[_Line]:
    split = [_label_value_to_tabs(_align_to_tabs(_n_m_columns_to_tabs(normalise(p).split("\n")))) for p in pages]
    furniture = _running_furniture(split)
    out: list[_Line] = []
    gap = 0
    for number, lines in enumerate(split, start=1):
        if number > 1:
            gap = max(gap, 1)
        edges, spots = _edges(lines), _page_number_spots(lines)
        for k, raw in enumerate(lines):
            line = _tidy_line(raw)
            # Headers and footers are only looked for where they were counted: a page's edges.
            running = k in edges and re.sub(r"\d+", "#", line) in furniture
            if not line or _is_furniture(line, k in spots) or running:
                gap += 1 if not raw.strip() else 0
                continue
            out.append(_Line(line, number, gap))
            gap = 0
    return out


def _continues(prev: str, nxt: str, paragraph: int = 0) -> bool:
    """Whether ``nxt`` carries on the sentence that ``prev`` left open.

    ``paragraph`` is the length of the paragraph ``prev`` ends: a long prose
    paragraph that stops without punctuation was cut by a line or page break.
    """
    if "\t" in prev or "\t" in nxt or _TERMINAL.search(prev) or _LIST_MARKER.match(nxt):
        return False
    first = nxt[0]
    if first.islower() or (first in "&(" and not re.match(r"\(\d", nxt)):
        return True
    last_word = re.sub(r"\W+$", "", prev.rsplit(" ", 1)[-1]).lower()
    if prev.endswith((",", "-", "–")) or last_word in _CONNECTORS:
        return True
    return paragraph >= 150 and len(nxt.split()) >= 6


def clean_pages(pages: list[str]) -> tuple[str, tuple[Page, ...]]:
    """Clean the raw pages of one document.

    Returns the cleaned text and, for each input page, its span in that text.
    Paragraph gaps are kept (one blank line, or two where the source had a
    wider gap, which often marks a slide or section title).
    """
    parts: list[str] = []
    offset = 0
    page_starts: dict[int, int] = {}
    prev: str | None = None
    prev_page = 0
    block_head = ""  # first row of the table block the output ends in
    para_len = 0  # characters since the last line break of the output
    for line in _lines(pages):
        # A table cut by a page break goes on as one block; a header row repeated on the new page is dropped.
        continued = (
            prev is not None and "\t" in prev and "\t" in line.text and line.page == prev_page + 1
            and abs(prev.count("\t") - line.text.count("\t")) <= 1
        )  # fmt: skip
        if continued and line.text == block_head:
            prev_page = line.page
            continue
        if prev is None:
            sep = ""
        elif continued:
            sep = "\n"
        elif _continues(prev, line.text, para_len):
            dehyphen = re.search(r"[a-z]-$", prev) and line.text[0].islower()
            if dehyphen:
                parts[-1] = parts[-1][:-1]
                offset -= 1
            sep = "" if dehyphen else " "
        else:
            sep = "\n" if line.gap == 0 else "\n\n" if line.gap == 1 else "\n\n\n"
        offset += len(sep)
        page_starts.setdefault(line.page, offset)
        parts.append(sep + line.text)
        offset += len(line.text)
        para_len = len(line.text) if "\n" in sep or not sep else para_len + len(sep) + len(line.text)
        if "\t" in line.text and not (sep == "\n" and prev is not None and "\t" in prev):
            block_head = line.text
        elif "\t" not in line.text:
            block_head = ""
        prev, prev_page = line.text, line.page
    text = "".join(parts)
    spans: list[Page] = []
    for number in range(1, len(pages) + 1):
        start = page_starts.get(number)
        later = [page_starts[n] for n in range(number + 1, len(pages) + 1) if n in page_starts]
        end = later[0] if later else len(text)
        if start is None:
            start = end
        spans.append(Page(number=number, start=start, end=end))
    return text, tuple(spans)
