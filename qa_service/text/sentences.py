"""Sentence spans with exact offsets.

A line break always ends a sentence (cleaning has already rejoined the lines
that belonged together); inside a line, ``.``/``!``/``?`` end one unless the
word before is a known abbreviation, an initial or a decimal.
"""

from __future__ import annotations

import re

_ABBREVIATIONS = frozenset(
    "e.g i.e etc vs cf al fig figs no nos dr mr mrs ms prof st inc co ltd corp dept univ approx est "
    "jan feb mar apr jun jul aug sep sept oct nov dec u.s u.k pp vol ed eds p op ibid resp ca".split()
)
_BOUNDARY = re.compile(r"[.!?]+[\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9가-힣])")
_LINE = re.compile(r"[^\n]+")
_WORD_BEFORE = re.compile(r"([\w.]+)$")


def _is_abbreviation(text: str, dot: int) -> bool:
    # A bounded look-back: searching all of text[:dot] made long documents quadratic.
    word = _WORD_BEFORE.search(text, max(0, dot - 40), dot)
    if not word:
        return False
    token = word.group(1).lower().rstrip(".")
    if token in _ABBREVIATIONS:
        return True
    # A single letter ("H." in "H.-J. Braczyk") is an initial, not a sentence end.
    return len(token) == 1 and token.isalpha()


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """(start, end) of each sentence of ``text[start:end]``, offsets into ``text``, stripped."""
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    for line in _LINE.finditer(text, start, end):
        pos = line.start()
        for match in _BOUNDARY.finditer(text, line.start(), line.end()):
            if text[match.start()] == "." and _is_abbreviation(text, match.start()):
                continue
            stop = match.end() - len(match.group()) + len(match.group().rstrip())
            spans.append((pos, stop))
            pos = match.end()
        spans.append((pos, line.end()))
    out = []
    for s, e in spans:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            out.append((s, e))
    return out
