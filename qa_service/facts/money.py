"""Money: "3.2 million dollars", "1.2 trillion won", "US$ 12M", "$5 million", "... per year".

A range ("from three to five million dollars") gives two facts, one per bound, each carrying the scale,
currency and rate written once at the end; the sentence in ``context`` shows that they belong together.
A bare scaled amount ("300 million for each subsequent year") takes the currency of the amount just before
it, within the same passage.
"""

from __future__ import annotations

import re
from dataclasses import replace

from qa_service.facts.base import Claims, Found
from qa_service.text.aliases import STOPWORDS
from qa_service.text.numbers import SCALE_WORDS, NumberSpan

CURRENCY_SYMBOLS = {
    "US$": "USD",
    "U.S.$": "USD",
    "$": "USD",
    "USD": "USD",
    "KRW": "KRW",
    "₩": "KRW",
    "EUR": "EUR",
    "€": "EUR",
    "GBP": "GBP",
    "£": "GBP",
    "JPY": "JPY",
    "¥": "JPY",
    "CNY": "CNY",
    "RMB": "CNY",
}
CURRENCY_WORDS = {
    "dollar": "USD",
    "usd": "USD",
    "won": "KRW",
    "krw": "KRW",
    "euro": "EUR",
    "eur": "EUR",
    "yen": "JPY",
    "jpy": "JPY",
    "pound": "GBP",
    "gbp": "GBP",
    "yuan": "CNY",
    "renminbi": "CNY",
    "rmb": "CNY",
    "cny": "CNY",
}
_PREFIX = re.compile(r"(?:(?<![A-Za-z])(?:US|U\.S\.)\s?\\?\$|\\?\$|₩|€|£|¥|\b(?:USD|KRW|EUR|GBP|JPY|CNY|RMB))\s?$")
_SUFFIX = re.compile(
    r"\s{1,4}(?:(?:US|U\.S\.)\s+)?"
    r"(?P<cur>dollars?|won|euros?|yen|pounds?|yuan|renminbi|USD|KRW|EUR|GBP|JPY|CNY|RMB)\b"
)
_PER = re.compile(
    r"\s*(?:per\s+(?P<a>year|annum|month|week|day)|a\s+(?P<b>year|month|week|day)"
    r"|(?P<c>annually|yearly|monthly)|(?:each|every)\s+(?P<d>year|month)"
    r"|for\s+each\s+(?:\w+\s+)?(?P<e>year|month)|/\s*(?P<f>yr|year|month))\b",
    re.IGNORECASE,
)
_LOWER_SCALE = re.compile(r"(?:bn|mn|[kmb])(?![A-Za-z0-9])")
_RANGE_LINK = re.compile(r"\s*(?:to|-|–|~)\s*$|\s+and\s+$")
_INHERIT_WINDOW = 300


def _currency_before(text: str, n: NumberSpan) -> tuple[int, str] | None:
    m = _PREFIX.search(text[max(0, n.start - 8) : n.start])
    if not m:
        return None
    symbol = re.sub(r"[\s\\]", "", m.group())
    return n.start - len(m.group()), CURRENCY_SYMBOLS.get(symbol, "USD")


def _per(text: str, end: int) -> str | None:
    m = _PER.match(text, end)
    if not m:
        return None
    word = next(v for v in m.groupdict().values() if v).lower()
    return {"annum": "year", "annually": "year", "yearly": "year", "yr": "year", "monthly": "month"}.get(word, word)


def _amount(text: str, n: NumberSpan) -> Found | None:
    """The money fact around number ``n`` when a currency is written next to it."""
    before = _currency_before(text, n)
    if before:
        start, unit = before
        # After a currency sign a lower-case letter is a scale too ("$2.5m", "€40bn").
        letter = _LOWER_SCALE.match(text, n.end) if n.scale == 1.0 else None
        value, end = (n.value * SCALE_WORDS[letter.group()], letter.end()) if letter else (n.value, n.end)
        return Found("money", start, end, value=value, unit=unit, per=_per(text, end))
    m = _SUFFIX.match(text, n.end)
    if m:
        unit = CURRENCY_WORDS[m.group("cur").lower().rstrip("s")]
        if m.group("cur") == "won" and n.value < 1000:
            return None  # "team 3 won the prize": won amounts are large
        return Found("money", n.start, m.end(), value=n.value, unit=unit, per=_per(text, m.end()))
    return None


def _bare_scaled(text: str, n: NumberSpan) -> bool:
    """A scaled amount with no noun after it: "300 million for each year", "one to three million,"."""
    if n.scale < 1e6:
        return False
    nxt = re.match(r"\s*([A-Za-z]+)", text[n.end : n.end + 30])
    return nxt is None or nxt.group(1).lower() in STOPWORDS or _PER.match(text, n.end) is not None


def find_money(text: str, numbers: list[NumberSpan], claims: Claims) -> list[Found]:
    """Money facts; claims their spans."""
    found: dict[int, Found] = {}
    for i, n in enumerate(numbers):
        if claims.overlaps(n.start, n.end):
            continue
        amount = _amount(text, n)
        if amount:
            found[i] = amount
    # Scaled amounts without a currency take the one of the amount just before (same passage).
    last: Found | None = None
    for i, n in enumerate(numbers):
        if i in found:
            last = found[i]
        elif last and n.start - last.end <= _INHERIT_WINDOW and _bare_scaled(text, n):
            found[i] = last = Found("money", n.start, n.end, value=n.value, unit=last.unit, per=_per(text, n.end))
    # The low end of a range shares the high end's scale, currency and rate.
    for i in range(len(numbers) - 1, 0, -1):
        hi, lo = numbers[i], numbers[i - 1]
        if i not in found or lo.scale != 1.0 or claims.overlaps(lo.start, lo.end):
            continue
        link = text[lo.end : hi.start]
        if not _RANGE_LINK.fullmatch(link):
            continue
        if "and" in link and not re.search(r"\bbetween\s+$", text[max(0, lo.start - 9) : lo.start]):
            continue
        own = found.get(i - 1)  # "$3-5 million": the low end has its sign but not its scale
        if own is None or hi.scale > 1.0:
            start = own.start if own else lo.start
            found[i - 1] = replace(found[i], start=start, end=lo.end, value=lo.value * hi.scale)
    out = []
    for i in sorted(found):
        if claims.claim(found[i]):
            out.append(found[i])
    return out
