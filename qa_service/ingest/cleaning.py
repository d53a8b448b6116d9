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


def _running_furniture(pages: list[list[str]]) -> set[str]:
    """Lines repeated at the top or bottom of most pages: running headers and footers."""
    if len(pages) < 3:
        return set()
    counts: Counter[str] = Counter()
    for lines in pages:
        counts.update({re.sub(r"\d+", "#", _tidy_line(lines[k])) for k in _edges(lines)})
    return {key for key, n in counts.items() if n >= max(3, 0.6 * len(pages))}


def _lines(pages: list[str]) -> list[_Line]:
    split = [_align_to_tabs(normalise(p).split("\n")) for p in pages]
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
    para_len = 0  # characters since the last line break of the output
    for line in _lines(pages):
        if prev is None:
            sep = ""
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
        prev = line.text
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
