"""Spans of a document that are not content: reference lists, tables of contents, title pages, running headers.

They are found by general cues in the cleaned text, never by document:

- a reference list: a "References" / "Bibliography" heading followed by citation-shaped lines (a name,
  then a year in parentheses or between commas, then a title); it ends at the last such line, so an
  abstract or appendix after it stays content;
- a table of contents: three or more lines with dotted leaders and a page number, with a "Contents"
  heading just above when there is one;
- a title page: a first PDF page of few words, or an opening block of short lines that ends in a wide gap;
- a running header: the same short line (digits aside) standing alone three times or more.

Chunks in these spans get the region's kind (``references``, ``front_matter``): they are viewable and
citable, but :func:`qa_service.index.chunking.is_evidence` says they never support an answer.
"""

from __future__ import annotations

import re
from collections import Counter

from qa_service.ingest.structure import iter_lines
from qa_service.records import Page, Region

_REF_HEADING = re.compile(
    r"^(?:[\dIVX]{1,4}[.)]?\s+)?(?:references?|bibliography|works cited|literature cited|literature|"
    r"sources|cited works|참고\s*문헌|참고자료)\s*:?$",
    re.I,
)
_YEAR = r"(?:1[6-9]|20)\d\d[a-z]?"
_CITATION = re.compile(
    r"^(?:[-*•]\s+|\[\d{1,3}\]\s*|\d{1,3}[.)]\s+)?"  # a list marker or a number
    r"[\"“]?[A-Z\u00c0-\u024f\uac00-\ud7a3][\w'’.\-]*"  # the first author's (or body's) name
    rf".{{0,220}}?(?:\(\s*{_YEAR}\s*\)|[,.;:]\s*{_YEAR}(?=[,.;:)]|\s|$))"  # its year
)
_CONTENTS_HEADING = re.compile(r"^(?:table of contents|contents|목\s*차|차\s*례)\s*:?$", re.I)
_LEADER = re.compile(
    r"^\S.{0,150}?(?:\s*(?:\.\s?){3,}|\s*…+|\s*(?:·\s?){3,}|\s*_{3,})\s*(?:[ivxlc]{1,6}|\d{1,4})$", re.I
)
_WORD = re.compile(r"[^\W\d_]{2,}")
MAX_TITLE_PAGE_WORDS = 80


def _nonblank(text: str) -> list[tuple[int, int, str]]:
    return [(s, e, line.strip()) for s, e, line in iter_lines(text) if line.strip()]


def is_citation(line: str) -> bool:
    """Whether ``line`` is shaped like an entry of a reference list (a name, a year, a title)."""
    return len(line) >= 20 and bool(_CITATION.search(line))


def find_references(text: str) -> list[Region]:
    """Reference lists: a heading and the run of citation-shaped lines under it."""
    lines = _nonblank(text)
    out: list[Region] = []
    for i, (start, _end, line) in enumerate(lines):
        if not _REF_HEADING.match(line):
            continue
        last, misses, found = None, 0, 0
        for _s, e, entry in lines[i + 1 :]:
            if is_citation(entry):
                last, misses, found = e, 0, found + 1
            elif _REF_HEADING.match(entry) or misses >= 2:
                break
            else:
                misses += 1  # a wrapped entry's continuation line
        if found >= 2 and last is not None:
            out.append(Region("references", start, last, "references"))
    return out


def find_contents(text: str) -> list[Region]:
    """Tables of contents: three or more dotted-leader lines ending in page numbers (and their heading)."""
    lines = _nonblank(text)
    out: list[Region] = []
    i = 0
    while i < len(lines):
        j, found, misses = i, 0, 0
        while j < len(lines) and misses <= 1:
            if _LEADER.match(lines[j][2]):
                found, misses = found + 1, 0
            elif found and len(lines[j][2].split()) <= 8:
                misses += 1  # a part title without a page number
            else:
                break
            j += 1
        j -= misses
        if found >= 3:
            start = lines[i][0]
            if i > 0 and _CONTENTS_HEADING.match(lines[i - 1][2]):
                start = lines[i - 1][0]
            out.append(Region("front_matter", start, lines[j - 1][1], "contents"))
            i = j
        else:
            i += 1
    return out


def find_title_page(text: str, pages: tuple[Page, ...] = ()) -> list[Region]:
    """A first page of few words (PDFs), or an opening block of short lines set off by a wide gap."""
    if len(pages) >= 2:
        first = pages[0]
        body = text[first.start : first.end]
        if body.strip() and len(body.split()) <= MAX_TITLE_PAGE_WORDS and first.end < len(text):
            lines = _nonblank(body)
            if all(len(ln.split()) <= 15 and not ln.endswith((".", "?", "!", ",")) for _s, _e, ln in lines):
                return [Region("front_matter", first.start, first.start + len(body.rstrip()), "title page")]
        return []
    gap = text.find("\n\n\n")
    if gap <= 0:
        return []
    block = _nonblank(text[:gap])
    words = sum(len(ln.split()) for _s, _e, ln in block)
    rest = text[gap:].strip()
    short = all(len(ln.split()) <= 15 and not ln.endswith((".", "?", "!")) for _s, _e, ln in block)
    if len(block) >= 3 and words <= MAX_TITLE_PAGE_WORDS and len(rest.split()) > words and short:
        return [Region("front_matter", block[0][0], block[-1][1], "title page")]
    return []


def find_running_headers(text: str) -> list[Region]:
    """The same short line (digits aside) standing on its own three times or more."""
    lines = [(s, e, ln) for s, e, ln in _nonblank(text) if "\t" not in ln and len(ln) <= 80 and ln[-1] not in ".!?"]
    key = {s: re.sub(r"\d+", "#", ln) for s, _e, ln in lines}
    counts = Counter(key.values())
    repeated = {k for k, n in counts.items() if n >= 3 and len(_WORD.findall(k)) >= 2 and len(k.split()) <= 10}
    return [Region("front_matter", s, e, "running header") for s, e, _ln in lines if key[s] in repeated]


def find_regions(text: str, pages: tuple[Page, ...] = ()) -> tuple[Region, ...]:
    """Every not-content span of ``text``, in order, none overlapping another."""
    found = find_references(text) + find_contents(text) + find_title_page(text, pages) + find_running_headers(text)
    out: list[Region] = []
    for region in sorted(found, key=lambda r: (r.start, -r.end)):
        if out and region.start < out[-1].end:
            continue  # inside (or across) one already taken
        out.append(region)
    return tuple(out)


def region_at(regions: tuple[Region, ...], start: int, end: int) -> Region | None:
    """The region that holds the span [start, end), if any."""
    for region in regions:
        if region.start <= start and end <= region.end:
            return region
    return None
