"""Dates ("March 2004", "Nov. 14, 2024", "1974", "FY2006") and periods ("2019-2023", "1982-91", "the late
1990s", "FY2001–FY2010").

Structured forms are found first (ranges before the dates inside them); bare years come last, after money
and counts had their say, and skip page ranges, phone numbers and citation years such as "(Cooke 1998)".
"""

from __future__ import annotations

import calendar
import re
from datetime import date
from functools import lru_cache

from qa_service.facts.base import Claims, Found, noun_phrase_after
from qa_service.text.numbers import YEAR_DIGITS

_MONTH_NAMES = (
    r"Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?"
)
MONTH = rf"(?:{_MONTH_NAMES})\.?"  # a month's name, whole or abbreviated ("Sept.", "June")
_MONTH = rf"(?P<{{0}}>{_MONTH_NAMES})\.?"
_YEAR = YEAR_DIGITS
_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_abbr) if name}
_BEFORE = r"(?<![\w+\-–./$#'’])"
_AFTER = r"(?![\w]|[\-–]\d|\.\d|,\d{3}|/\d)"


def _month(name: str) -> int:
    return _MONTHS[name.lower()[:3]]


@lru_cache(maxsize=1024)
def _iso_day(text: str) -> str | None:
    """ISO date of a written day ("Nov. 14, 2024"), or None when there is no such day (Feb 30)."""
    import dateparser  # slow-ish import, only needed when a full date occurs

    parsed = dateparser.parse(text, languages=["en"], settings={"STRICT_PARSING": True})
    return parsed.date().isoformat() if parsed else None


def _valid(y: int, mo: int, d: int | None = None) -> bool:
    try:
        date(y, mo, d or 1)
    except ValueError:
        return False
    return True


def _period(start: int, end: int, a: str, b: str) -> Found:
    return Found("period", start, end, date_start=a, date_end=b)


def _year_end(y1: int, tail: str) -> int | None:
    y2 = int(tail) if len(tail) == 4 else y1 - y1 % 100 + int(tail)
    return y2 if y1 < y2 <= y1 + 100 else None


_DECADE_PART = {None: (0, 9), "early": (0, 3), "mid": (4, 6), "late": (7, 9)}
_LINK = r"\s*(?:[-–—~]|\bto\b|\buntil\b|\btill\b|\bthrough\b|\band\b)\s*"

_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("iso", re.compile(rf"{_BEFORE}(?P<y>{_YEAR})-(?P<mo>\d\d)-(?P<d>\d\d)(?![\d\-])")),
    ("iso", re.compile(rf"{_BEFORE}(?P<y>{_YEAR})\.(?P<mo>\d{{1,2}})\.(?P<d>\d{{1,2}})(?![\d.]\d)")),
    ("korean", re.compile(rf"(?P<y>{_YEAR})년\s*(?:(?P<mo>\d{{1,2}})월(?:\s*(?P<d>\d{{1,2}})일)?|도)?")),
    (
        "day_range",
        re.compile(rf"\b{_MONTH.format('m')}\s+(?P<d1>\d{{1,2}})\s*[-–~]\s*(?P<d2>\d{{1,2}}),?\s+(?P<y>{_YEAR})\b"),
    ),
    ("day", re.compile(rf"\b{_MONTH.format('m')}\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y>{_YEAR})\b")),
    ("day", re.compile(rf"\b(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+{_MONTH.format('m')},?\s+(?P<y>{_YEAR})\b")),
    (
        "month_range",
        re.compile(
            rf"(?:\b(?P<lead>between|from)\s+)?\b{_MONTH.format('m1')},?\s+(?P<y1>{_YEAR})"
            rf"(?P<link>{_LINK}){_MONTH.format('m2')},?\s+(?P<y2>{_YEAR})\b"
        ),
    ),
    (
        "apostrophe_range",
        re.compile(r"['’](?P<y1>\d\d)\.(?P<m1>\d{1,2})\s*[~\-–]\s*['’](?P<y2>\d\d)\.(?P<m2>\d{1,2})"),
    ),
    # fiscal years: "FY2001–FY2010", "FY 2014-16", "FY2006"
    ("fiscal_range", re.compile(rf"\bFY\s?(?P<y1>{_YEAR})\s*[-–—~]\s*(?:FY\s?)?(?P<y2>{_YEAR}|\d\d)(?![\w\-–])")),
    ("fiscal", re.compile(rf"\bFY\s?(?P<y>{_YEAR})(?![\w\-–]|/\d)")),
    (
        "year_range",
        re.compile(
            rf"(?:\b(?P<lead>between|from)\s+)?{_BEFORE}(?P<y1>{_YEAR})(?P<link>{_LINK})"
            rf"(?P<y2>{_YEAR}|\d\d)(?![\w\-–]|\.\d|,\d{{3}})"
        ),
    ),
    (
        "decade",
        re.compile(r"(?i:\b(?P<part>early|mid|late)[\s-]+)?(?<![\w+./$#'’])(?P<y>1[89]\d0|20\d0)(?:'s|’s|s)\b"),
    ),
    (
        "qualified",
        re.compile(
            rf"\b(?i:(?P<half>first|second)\s+half\s+of|(?P<part>early|mid|late|end\s+of|beginning\s+of))"
            rf"\s+(?:the\s+)?(?P<y>{_YEAR}){_AFTER}"
        ),
    ),
    ("month", re.compile(rf"\b{_MONTH.format('m')},?\s+(?P<y>{_YEAR}){_AFTER}")),
]


def _from_match(kind: str, m: re.Match[str], text: str) -> Found | None:
    g = m.groupdict()
    start, end = m.start(), m.end()
    if g.get("lead"):
        start = m.start("m1") if "m1" in g and g.get("m1") else m.start("y1")
    if kind in ("iso", "korean"):
        y, mo, d = int(g["y"]), g.get("mo"), g.get("d")
        if mo and not _valid(y, int(mo), int(d) if d else None):
            return None
        iso = f"{y}" + (f"-{int(mo):02d}" if mo else "") + (f"-{int(d):02d}" if d else "")
        return Found("date", start, end, date_start=iso, date_end=iso)
    if kind == "day_range":
        y, mo = int(g["y"]), _month(g["m"])
        d1, d2 = int(g["d1"]), int(g["d2"])
        if not (_valid(y, mo, d1) and _valid(y, mo, d2)) or d2 <= d1:
            return None
        return _period(start, end, f"{y}-{mo:02d}-{d1:02d}", f"{y}-{mo:02d}-{d2:02d}")
    if kind == "day":
        iso = _iso_day(m.group())
        return Found("date", start, end, date_start=iso, date_end=iso) if iso else None
    if kind == "month_range":
        if g["link"].strip() == "and" and not g.get("lead"):
            return None  # "in March 2004 and May 2005" are two dates, not a period
        a, b = (int(g["y1"]), _month(g["m1"])), (int(g["y2"]), _month(g["m2"]))
        if b <= a:
            return None
        return _period(start, end, f"{a[0]}-{a[1]:02d}", f"{b[0]}-{b[1]:02d}")
    if kind == "apostrophe_range":
        y1, y2 = (2000 + int(g[k]) if int(g[k]) < 70 else 1900 + int(g[k]) for k in ("y1", "y2"))
        m1, m2 = int(g["m1"]), int(g["m2"])
        if not (1 <= m1 <= 12 and 1 <= m2 <= 12) or (y2, m2) <= (y1, m1):
            return None
        return _period(start, end, f"{y1}-{m1:02d}", f"{y2}-{m2:02d}")
    if kind == "year_range":
        link = g["link"].strip()
        if (link == "and" and not g.get("lead")) or (len(g["y2"]) == 2 and link not in "-–—~"):
            return None
        if re.search(r"(?:\bpp?\.|\bpages?|\bp)\s*$", text[max(0, m.start() - 6) : m.start()], re.IGNORECASE):
            return None
        y1 = int(g["y1"])
        y2 = _year_end(y1, g["y2"])
        return _period(start, end, str(y1), str(y2)) if y2 else None
    if kind == "fiscal_range":
        y1 = int(g["y1"])
        y2 = _year_end(y1, g["y2"])
        return _period(start, end, str(y1), str(y2)) if y2 else None
    if kind == "fiscal":
        return Found("date", start, end, date_start=g["y"], date_end=g["y"])
    if kind == "decade":
        lo, hi = _DECADE_PART[(g.get("part") or "").lower() or None]
        y = int(g["y"])
        return _period(start, end, str(y + lo), str(y + hi))
    if kind == "qualified":
        y = int(g["y"])
        if g.get("half"):
            months = ("01", "06") if g["half"].lower() == "first" else ("07", "12")
            return Found("date", start, end, date_start=f"{y}-{months[0]}", date_end=f"{y}-{months[1]}")
        return Found("date", start, end, date_start=str(y), date_end=str(y))
    if kind == "month":
        iso = f"{int(g['y'])}-{_month(g['m']):02d}"
        return Found("date", start, end, date_start=iso, date_end=iso)
    return None


def find_structured_dates(text: str, claims: Claims) -> list[Found]:
    """Full dates, month-years, ranges, decades; claims what it finds."""
    out: list[Found] = []
    for kind, pattern in _PATTERNS:
        pos = 0
        while m := pattern.search(text, pos):
            found = _from_match(kind, m, text)
            if found and claims.claim(found):
                out.append(found)
                pos = m.end()
            else:  # a rejected match ("1998 and 2004") may hide a good one starting inside it
                pos = m.start() + 1
    return out


_BARE_YEAR = re.compile(rf"{_BEFORE}(?P<y>{_YEAR}){_AFTER}")
_TEMPORAL = re.compile(r"\b(?:in|since|by|from|until|till|during|before|after|of|year|years|circa|c\.)\s*$", re.I)
_PAGE = re.compile(r"(?:\bpp?\.|\bpages?|\bvol\.?|\bno\.|\btel\.?|\bfax)\s*$", re.IGNORECASE)
_CITE_AFTER = re.compile(r"^[a-z]?\s*(?:[;)]|:\s*\d|,\s*pp?\.)")
_CITE_BEFORE = re.compile(r"[A-Z][\w'’\-]*(?:\s+et\s+al\.?)?,?\s*\(?\s*$")


def is_citation_year(text: str, start: int, end: int) -> bool:
    """Whether the year at [start, end) is a reference: "(Cooke 1998)", "Kwon and Hur (2000: 177)"."""
    after = text[end : end + 12]
    if not _CITE_AFTER.match(after):
        return False
    opening = text.rfind("(", max(0, start - 80), start)
    if opening < 0 or ")" in text[opening:start]:
        return False
    inside = text[opening + 1 : start]
    last_item = re.split(r";", inside)[-1]
    if not last_item.strip():  # "Name (2000: 177)": the name stands before the parenthesis
        return bool(_CITE_BEFORE.search(text[max(0, opening - 40) : opening + 1]))
    return bool(_CITE_BEFORE.search(last_item)) and not re.search(r"\d", last_item)


def find_years(text: str, claims: Claims) -> list[Found]:
    """Bare years ("in 1974", "1945: Liberated"), run after the numeric families."""
    out: list[Found] = []
    for m in _BARE_YEAR.finditer(text):
        start, end = m.start(), m.end()
        if claims.overlaps(start, end) or text[end : end + 1] in ("%",) or is_citation_year(text, start, end):
            continue
        before = text[max(0, start - 12) : start]
        if _PAGE.search(before):
            continue
        # "2000 students" counts students unless a time word comes first ("in 2000 students ...").
        if noun_phrase_after(text, end).has_head and not _TEMPORAL.search(before):
            continue
        found = Found("date", start, end, date_start=m.group("y"), date_end=m.group("y"))
        if claims.claim(found):
            out.append(found)
    return out
