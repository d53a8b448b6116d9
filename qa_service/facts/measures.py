"""Percentages ("12.4%", "ten percent"), areas ("537 Km²", "265,960,000 sq. meter") and populations
("Pop: 1.5 Million", "almost 50 million people", "one and half million residents").

Areas are given in km2 whatever unit the text used; the fact's text keeps the original wording.
"""

from __future__ import annotations

import re

from qa_service.facts.base import Claims, Found
from qa_service.text.numbers import NumberSpan

_PERCENT = re.compile(r"\s?%|\s+(?:percent|per\s+cent|percentage\s+points?)\b", re.IGNORECASE)

_AREA = re.compile(
    r"\s*(?:(?P<km2>km2|km²|km\^2|sq\.?\s*km|square\s+kilomet(?:er|re)s?|sq\.?\s*kilomet(?:er|re)s?)"
    r"|(?P<m2>m2|m²|sq\.?\s*met(?:er|re)s?|square\s+met(?:er|re)s?|sq\.?\s*m)"
    r"|(?P<ha>hectares?|ha)|(?P<acre>acres?)|(?P<mi2>square\s+miles?|sq\.?\s*mi(?:les?)?))(?![\w²])",
    re.IGNORECASE,
)
_TO_KM2 = {"km2": 1.0, "m2": 1e-6, "ha": 0.01, "acre": 0.0040468564224, "mi2": 2.589988110336}

_POP_LABEL = re.compile(
    r"\b(?:pop|population)\.?\s*(?:[:=]|of|is|was|reached|stood\s+at)?\s*"
    r"(?:about|around|approximately|almost|nearly|over|some|roughly|more\s+than)?\s*$",
    re.IGNORECASE,
)
_PEOPLE = re.compile(r"\s+(?:(?P<always>residents|inhabitants|population)|(?P<maybe>people|persons|citizens))\b")
_MIN_PEOPLE = 10_000  # below this, "40 people" is a head count, not a population


def find_percent(text: str, numbers: list[NumberSpan], claims: Claims) -> list[Found]:
    """Percentages; claims their spans."""
    out = []
    for n in numbers:
        m = _PERCENT.match(text, n.end)
        if m:
            found = Found("percent", n.start, m.end(), value=n.value, unit="%")
            if claims.claim(found):
                out.append(found)
    return out


def find_area(text: str, numbers: list[NumberSpan], claims: Claims) -> list[Found]:
    """Areas converted to km2; claims their spans."""
    out = []
    for n in numbers:
        m = _AREA.match(text, n.end)
        if m:
            unit = next(k for k, v in m.groupdict().items() if v)
            found = Found("area", n.start, m.end(), value=n.value * _TO_KM2[unit], unit="km2")
            if claims.claim(found):
                out.append(found)
    return out


def find_population(text: str, numbers: list[NumberSpan], claims: Claims) -> list[Found]:
    """Populations in people; claims their spans."""
    out = []
    for n in numbers:
        label = _POP_LABEL.search(text[max(0, n.start - 40) : n.start])
        noun = _PEOPLE.match(text, n.end)
        found = None
        if label:
            found = Found("population", n.start - len(label.group()), n.end, value=n.value, unit="people")
        elif noun and (noun.group("always") or n.value >= _MIN_PEOPLE):
            found = Found("population", n.start, noun.end(), value=n.value, unit="people")
        if found and claims.claim(found):
            out.append(found)
    return out
