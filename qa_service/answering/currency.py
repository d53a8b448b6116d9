"""The currency an amount is written in, and the one a question asks for ("... in euros?")."""

from __future__ import annotations

import re

from qa_service.facts.money import CURRENCY_SYMBOLS, CURRENCY_WORDS

# The money extractor's currency words and symbols; "won" and "pound" are left out (other senses in questions:
# "how many teams won", "a pound of"), and the symbols are the one-character ones ("$" inside "US$").
_CURRENCY = {w: c for w, c in CURRENCY_WORDS.items() if w not in ("won", "pound")}
_CURRENCY_WORD = re.compile(r"\b(" + "|".join(sorted(_CURRENCY, key=len, reverse=True)) + r")s?\b", re.I)
_SYMBOL = {sym: c for sym, c in CURRENCY_SYMBOLS.items() if len(sym) == 1}


def stated_currency(text: str) -> str | None:
    """The one currency an amount is written in ("US$ 30M", "five million dollars", "EUR 2 bn"), if any."""
    found = {_SYMBOL[ch] for ch in text if ch in _SYMBOL} | _currency_words(text)
    return found.pop() if len(found) == 1 else None


def asked_currency(question: str) -> str | None:
    """The currency a question asks its amount in ("... in euros?"), when it names exactly one."""
    found = _currency_words(question)
    return found.pop() if len(found) == 1 else None


def _currency_words(text: str) -> set[str]:
    return {_CURRENCY[m.group(1).lower()] for m in _CURRENCY_WORD.finditer(text)}
