"""The currency an amount is written in, and the one a question asks for ("... in euros?")."""

from __future__ import annotations

import re

from qa_service.facts.money import CURRENCY_SYMBOLS, CURRENCY_WORDS, ISO_CODES, alternation, currency_of_word

# The money extractor's currency names, codes and signs; "won" and "pound" are left out (other senses in
# questions: "how many teams won", "a pound of"). Names are read in any case, codes only in capitals ("TRY 5",
# not "try"), and letter signs only before a figure ("RM 62.9", not "RM" alone).
_NAMES = {w: c for w, c in CURRENCY_WORDS.items() if w.upper() not in ISO_CODES and w not in ("won", "pound")}


_DOLLARS = [s for s in CURRENCY_SYMBOLS if s.endswith("$")]
_LETTER_SIGNS = [s for s in CURRENCY_SYMBOLS if s.isalpha() and s not in ISO_CODES]
_FOUND = re.compile(
    rf"(?P<name>\b(?i:{alternation(_NAMES)})s?\b)|(?P<code>\b(?:{alternation(ISO_CODES)})\b)"
    rf"|(?P<sign>(?<![A-Za-z])(?:{alternation(_DOLLARS)})|[{''.join(s for s in CURRENCY_SYMBOLS if len(s) == 1)}]"
    rf"|\b(?:{alternation(_LETTER_SIGNS)})(?=\.?\s?\d))"
)


def _currencies(text: str, signs: bool = True) -> set[str]:
    found = set()
    for m in _FOUND.finditer(text):
        if m.group("name"):
            found.add(currency_of_word(m.group("name")))
        elif m.group("code"):
            found.add(ISO_CODES[m.group("code")])
        elif signs:
            found.add(CURRENCY_SYMBOLS[m.group("sign")])
    return found


def stated_currency(text: str) -> str | None:
    """The one currency an amount is written in ("US$ 30M", "five million dollars", "EUR 2 bn", "C$ 950
    million", "RM 62.9 billion"), if any."""
    found = _currencies(text)
    return found.pop() if len(found) == 1 else None


def asked_currency(question: str) -> str | None:
    """The currency a question asks its amount in ("... in euros?", "in Canadian dollars?"), when it names
    exactly one."""
    found = _currencies(question, signs=False)
    return found.pop() if len(found) == 1 else None
