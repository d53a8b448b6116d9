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

# Currencies by the signs written before an amount ("C$ 950 million", "RM 62.9 billion", "₹ 40 crore") ...
CURRENCY_SYMBOLS = {
    "US$": "USD", "U.S.$": "USD", "$": "USD", "C$": "CAD", "CA$": "CAD", "Can$": "CAD", "A$": "AUD", "AU$": "AUD",
    "NZ$": "NZD", "NT$": "TWD", "S$": "SGD", "HK$": "HKD", "R$": "BRL", "MX$": "MXN",
    "₩": "KRW", "€": "EUR", "£": "GBP", "¥": "JPY", "₹": "INR", "₪": "ILS", "₱": "PHP", "₫": "VND", "฿": "THB",
    "₺": "TRY", "₽": "RUB", "RM": "MYR", "Rp": "IDR", "Rs": "INR", "RMB": "CNY",
}  # fmt: skip
# ... the ISO 4217 codes written before or after it ("SEK 10 million", "950 million CAD"; NIS for the shekel) ...
ISO_CODES = {
    code: code
    for code in (
        "USD KRW EUR GBP JPY CNY CAD AUD NZD TWD SGD HKD BRL MXN MYR INR ILS CHF SEK NOK DKK IDR THB VND PHP ZAR "
        "TRY RUB PLN CZK HUF"
    ).split()
} | {"NIS": "ILS"}
CURRENCY_SYMBOLS |= ISO_CODES
# ... and the names written after it, singular and lower-case ("five million dollars", "40 billion ringgit",
# "12 million Canadian dollars"); plurals are read by ``currency_of_word``.
CURRENCY_WORDS = {
    "dollar": "USD", "us dollar": "USD", "u.s. dollar": "USD", "canadian dollar": "CAD", "australian dollar": "AUD",
    "new zealand dollar": "NZD", "taiwan dollar": "TWD", "new taiwan dollar": "TWD", "singapore dollar": "SGD",
    "hong kong dollar": "HKD", "won": "KRW", "euro": "EUR", "yen": "JPY", "pound": "GBP", "pound sterling": "GBP",
    "yuan": "CNY", "renminbi": "CNY", "ringgit": "MYR", "rupee": "INR", "rupiah": "IDR", "shekel": "ILS",
    "new shekel": "ILS", "krona": "SEK", "kronor": "SEK", "swedish krona": "SEK", "krone": "NOK", "kroner": "NOK",
    "baht": "THB", "swiss franc": "CHF", "rmb": "CNY",
}  # fmt: skip
CURRENCY_WORDS |= {code.lower(): unit for code, unit in ISO_CODES.items()}


def currency_of_word(word: str) -> str | None:
    """The currency a written name stands for: "Canadian dollars" -> CAD, "euros" -> EUR, "SEK" -> SEK."""
    w = " ".join(word.lower().split())
    return CURRENCY_WORDS.get(w) or (CURRENCY_WORDS.get(w[:-1]) if w.endswith("s") else None)


def alternation(words) -> str:
    """A regex alternation of ``words``, longest first (so "NT$" wins over "$"), spaces matching any run."""
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(words, key=len, reverse=True))


_DOLLAR_LIKE = sorted((s[:-1] for s in CURRENCY_SYMBOLS if s.endswith("$") and len(s) > 1), key=len, reverse=True)
_OTHER_SIGNS = "".join(s for s in CURRENCY_SYMBOLS if len(s) == 1 and s != "$")
_LETTER_SIGNS = [s for s in CURRENCY_SYMBOLS if s.isalpha()]
_PREFIX = re.compile(
    r"(?:(?<![A-Za-z])(?:" + "|".join(re.escape(p) for p in _DOLLAR_LIKE) + r")\s?\\?\$|\\?\$"
    rf"|[{_OTHER_SIGNS}]|\b(?:{alternation(_LETTER_SIGNS)})\.?)\s?$"
)
_SUFFIX = re.compile(
    rf"\s{{1,4}}(?P<cur>(?i:{alternation(w for w in CURRENCY_WORDS if w.upper() not in ISO_CODES)})s?"
    rf"|{alternation(ISO_CODES)})\b"
)
_PER = re.compile(
    r"\s*(?:per\s+(?P<a>year|annum|month|week|day)|a\s+(?P<b>year|month|week|day)"
    r"|(?P<c>annually|yearly|monthly)|(?:each|every)\s+(?P<d>year|month)"
    r"|for\s+each\s+(?:\w+\s+)?(?P<e>year|month)|/\s*(?P<f>yr|year|month))\b",
    re.IGNORECASE,
)
_LOWER_SCALE = re.compile(r" ?(?:bn|mn|[kmb])(?![A-Za-z0-9²³])")  # "$2.5m", "EUR 2.4 m" (not "EUR 5 m²")
_RANGE_LINK = re.compile(r"\s*(?:to|-|–|~)\s*$|\s+and\s+$")
_INHERIT_WINDOW = 300


def _currency_before(text: str, n: NumberSpan) -> tuple[int, str] | None:
    m = _PREFIX.search(text[max(0, n.start - 8) : n.start])
    if not m:
        return None
    symbol = re.sub(r"[\s\\]", "", m.group()).rstrip(".")
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
        # After a currency sign a lower-case letter is a scale too ("$2.5m", "€40bn", "EUR 2.4 m" in a memo).
        letter = _LOWER_SCALE.match(text, n.end) if n.scale == 1.0 else None
        value, end = (n.value * SCALE_WORDS[letter.group().lstrip()], letter.end()) if letter else (n.value, n.end)
        return Found("money", start, end, value=value, unit=unit, per=_per(text, end))
    m = _SUFFIX.match(text, n.end)
    if m:
        unit = currency_of_word(m.group("cur")) or "USD"
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
