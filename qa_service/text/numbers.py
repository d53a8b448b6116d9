"""Number helpers shared by fact extraction, answering and evaluation.

Pure functions, no state. Numbers come as digits ("2,084", "14171", "1.5", "1/4"), digits with a scale
("2.5 million", "US$ 30M") or words ("twelve", "one and half million", "half a million", "a thousand").
Integer words ("two hundred and five thousand"), halves ("one and half million"), "a dozen" and letter scales
are all read here.
"""

from __future__ import annotations

import re
from typing import NamedTuple

YEAR_DIGITS = r"(?:1[89]\d\d|20\d\d)"
"""Regex source of the four digits of a year (1800-2099): the one year pattern; compose it, anchored as needed."""

# A four-digit year on its own (not part of 2,330 or 12.2004): "In 2005, seven ..." and "(BNC 2007)." count.
YEAR = re.compile(rf"(?<![\d.,]){YEAR_DIGITS}(?!\d|[.,]\d)")

SCALE_WORDS: dict[str, float] = {
    "thousand": 1e3,
    "million": 1e6,
    "billion": 1e9,
    "trillion": 1e12,
    "lakh": 1e5,  # Indian numbering: "₹50 lakh", "₹1,200 crore"
    "crore": 1e7,
    "k": 1e3,
    "m": 1e6,
    "mn": 1e6,
    "b": 1e9,
    "bn": 1e9,
}
"""Multipliers by lower-case scale word or abbreviation (``M``, ``B``, ``bn``, ``K``)."""

_UNITS = "one|two|three|four|five|six|seven|eight|nine"
_TEENS = "ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen"
_TENS = "twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety"
_SMALL = rf"(?:(?:{_TENS})(?:[\s-]+(?:{_UNITS}))?|(?:{_TEENS})|(?:{_UNITS}))"
_HUNDREDS = rf"(?:(?:{_SMALL}|an?)\s+hundred(?:\s+(?:and\s+)?{_SMALL})?|{_SMALL})"
_SCALE_WORD = "|".join(w for w in SCALE_WORDS if len(w) > 2)  # the written words, not "m", "bn"
_HALF = r"(?:\s+and\s+(?:a\s+)?half)"
_GROUP = rf"(?:{_HUNDREDS}|an?){_HALF}?\s+(?:{_SCALE_WORD})"
WORD_NUMBER = (
    rf"(?:half\s+(?:a\s+)?(?:{_SCALE_WORD}|dozen)"
    rf"|{_GROUP}(?:,?\s+(?:and\s+)?{_GROUP})*(?:,?\s+(?:and\s+)?{_HUNDREDS})?"
    rf"|(?:{_SMALL}|an?)\s+dozen"
    rf"|{_HUNDREDS}{_HALF}?)"
)
"""Regex source for a number written in words (use with ``re.IGNORECASE``)."""

DIGIT_NUMBER = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
"""Regex source for a number written in digits, with optional thousands commas and decimals."""

_NUMBER_RE = re.compile(
    rf"(?<![\w.,/])(?P<frac>\d{{1,2}}/\d{{1,3}})(?![\w/]|\.\d)"
    rf"|(?<![\w])(?P<digits>{DIGIT_NUMBER})"
    rf"(?:(?P<letter>(?-i:[KMB]|bn|mn))(?![\w])|\s*(?P<scale>{_SCALE_WORD}|(?-i:bn|mn)\b(?!-))s?\b"
    rf"|(?!\d|[.,]\d|(?:st|nd|rd|th)\b))"
    rf"|\b(?P<words>{WORD_NUMBER})\b",
    re.IGNORECASE,
)
# Every number holds a digit or one of these words: a text with none holds no number (a quick test first).
_MAY_HOLD_NUMBER = re.compile(rf"\d|\b(?:{_UNITS}|{_TEENS}|{_TENS}|hundred|{_SCALE_WORD}|half|dozen)", re.IGNORECASE)
_WORD_VALUES = {w: float(i) for i, w in enumerate(f"zero|{_UNITS}|{_TEENS}".split("|"))} | {
    w: float(10 * i) for i, w in enumerate(_TENS.split("|"), start=2)
}
# "US$", "NT$", "C$", "$", "₩", "€", "£", "¥", "₹", "₪" (the money extractor reads which currency each is)
_CURRENCY_PREFIX = re.compile(r"^(?:[A-Z]{0,3}\\?\$|[\u20a9\u20ac\u00a3\u00a5\u20b9\u20aa])\s*")
_EXTRA_WORDS = {"a": 1.0, "an": 1.0, "dozen": 12.0, "half": 0.5}


class NumberSpan(NamedTuple):
    """A number found in a text: its span, its value (scale applied) and the scale alone."""

    start: int
    end: int
    text: str
    value: float
    scale: float = 1.0  # 1e6 for "2.5 million"; lets "three to five million" share the scale
    is_word: bool = False


def _parse_words(text: str) -> float | None:
    tokens = re.sub(r"[\s,-]+", " ", text.lower()).split()
    if not tokens:
        return None
    if "half" in tokens:
        i = tokens.index("half")
        head = [t for t in tokens[:i] if t != "and" and t != "a"]
        base = (_parse_words(" ".join(head)) or 0.0) if head else 0.0
        tail = [t for t in tokens[i + 1 :] if t != "a"]
        scale = 1.0
        for t in tail:
            if t in SCALE_WORDS or t == "dozen":
                scale *= SCALE_WORDS.get(t, 12.0)
            else:
                return None
        return (base + 0.5) * scale
    if tokens[-1] == "dozen":
        head_value = _parse_words(" ".join(tokens[:-1])) if len(tokens) > 1 else 1.0
        return 12.0 * head_value if head_value is not None else None
    if tokens[0] in ("a", "an"):
        tokens = ["one", *tokens[1:]]
    if len(tokens) == 1 and tokens[0] in _EXTRA_WORDS:
        return None
    return _integer_words(tokens)


def _integer_words(tokens: list[str]) -> float | None:
    """The value of integer words: "two hundred and five thousand" -> 205000.0; None when one is no number word."""
    total, current, last_scale = 0.0, 0.0, float("inf")
    seen = False
    for t in tokens:
        if t == "and":
            continue
        if t in _WORD_VALUES:
            current += _WORD_VALUES[t]
        elif t == "hundred":
            current = (current or 1.0) * 100
        elif t in SCALE_WORDS and len(t) > 2:
            scale = SCALE_WORDS[t]
            if scale >= last_scale:  # "thousand million" is no number we read
                return None
            total += (current or 1.0) * scale
            current, last_scale = 0.0, scale
        else:
            return None
        seen = True
    return total + current if seen else None


def _split_scale(value: float, text: str) -> float:
    for word, mult in SCALE_WORDS.items():
        if len(word) > 2 and re.search(rf"\b{word}\b", text, re.IGNORECASE):
            return mult
    return 1.0


def find_numbers(text: str) -> list[NumberSpan]:
    """Every number in ``text`` with its offsets, in order; scale words are part of the span."""
    out: list[NumberSpan] = []
    if not _MAY_HOLD_NUMBER.search(text):
        return out
    for m in _NUMBER_RE.finditer(text):
        if m.group("frac"):
            num, den = (int(p) for p in m.group("frac").split("/"))
            if den == 0 or num >= den:
                continue  # "24/7" and dates are not fractions
            out.append(NumberSpan(m.start(), m.end(), m.group(), num / den))
        elif m.group("digits"):
            base = float(m.group("digits").replace(",", ""))
            scale_text = m.group("letter") or m.group("scale") or ""
            scale = SCALE_WORDS.get(scale_text.lower(), 1.0)
            end = m.end("scale") if m.group("scale") else m.end()
            out.append(NumberSpan(m.start(), end, text[m.start() : end], base * scale, scale))
        else:
            value = _parse_words(m.group("words"))
            if value is None:
                continue
            out.append(NumberSpan(m.start(), m.end(), m.group(), value, _split_scale(value, m.group()), True))
    return out


def parse_number(text: str) -> float | None:
    """The value of ``text`` when the whole of it is one number, else ``None``.

    "2,084" -> 2084.0, "1.5" -> 1.5, "1/4" -> 0.25, "twelve" -> 12.0, "one and half" -> 1.5,
    "a thousand" -> 1000.0, "2.5 million" -> 2500000.0, "US$ 30M" -> 30000000.0, "12.4%" -> 12.4,
    "na" -> None. A leading currency sign and a trailing "%" are allowed; the unit is not reported.
    """
    stripped = _CURRENCY_PREFIX.sub("", text.strip().rstrip(".%").strip())
    sign = -1.0 if stripped[:1] in ("-", "\u2212") else 1.0
    stripped = stripped.lstrip("-\u2212").strip()
    if not stripped:
        return None
    found = find_numbers(stripped)
    if len(found) == 1 and found[0].start == 0 and found[0].end == len(stripped):
        return sign * found[0].value
    return None


def numbers_in(text: str) -> list[float]:
    """All numeric values in ``text`` with scales applied: "2.5 million and 2,330" -> [2500000.0, 2330.0]."""
    return [n.value for n in find_numbers(text)]


def format_number(value: float, compact: bool = False) -> str:
    """Thousands commas and no useless decimals: 2330.0 -> "2,330", 2.5 -> "2.5".

    With ``compact``, large round values use a scale word: 3200000.0 -> "3.2 million".
    """
    if compact and abs(value) >= 1e6:
        for word in ("trillion", "billion", "million"):
            mult = SCALE_WORDS[word]
            if abs(value) >= mult:
                return f"{format_number(round(value / mult, 3))} {word}"
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.3f}".rstrip("0").rstrip(".")
