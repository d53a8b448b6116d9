"""Counts with the thing they count: "48 projects", "twelve Technoparks", "Universities (29)".

``unit`` is the counted noun in lower-case plural with describing adjectives dropped ("2,330 regional
industrial clusters" -> "clusters", "three project teams" -> "project teams"); ``entity`` keeps the whole
phrase as written. In a list sharing one noun ("25 large-, 25 medium-, and 61 small-scale project teams",
"two to four programs") every number gets that noun.
"""

from __future__ import annotations

import re

from qa_service.facts.base import Claims, Found, NounPhrase, is_plural_noun, noun_phrase_after
from qa_service.text.aliases import word_set
from qa_service.text.numbers import NumberSpan

_DESCRIBING = word_set(
    """major minor additional other more new different various several main official original separate large
    small big medium total key few top first last same such many certain selected local remaining existing
    overall initial extra annual full whole own potential possible specific related relevant average
    approximately about nearly almost"""
)
_ADJECTIVE_ENDINGS = ("al", "ic", "ive", "ous", "ful", "able", "ible", "ary", "ed", "ing")
# The empty alternative drops a suspended "large-" too.
_HYPHEN_ADJECTIVE = re.compile(r"-(?:scale|sized?|level|based|term|year|oriented|intensive|)$", re.IGNORECASE)
_NOT_A_COUNT_BEFORE = re.compile(
    r"(?:\bpp?\.|\bpages?|\bvol\.?|\bno\.|\btel\.?|\bfax|\bsection|\btable|\bfig\.?|[+$#€£¥₩])\s*$",
    re.IGNORECASE,
)
_PAREN_COUNT = re.compile(r"(?<![\w\-])(?P<noun>[A-Za-z][\w\-]*)\s?\(\s?(?P<num>\d{1,7}(?:,\d{3})*)\s?\)")
_LIST_GLUE = re.compile(r"(?:[ ]*,[ ]*|[ ]+)(?:(?:and|or|to)[ ]+)?")  # same line: table cells are no list


def _plural(word: str) -> str:
    if is_plural_noun(word):
        return word
    if re.search(r"[^aeiou]y$", word):
        return word[:-1] + "ies"
    if word.endswith(("s", "x", "ch", "sh")):
        return word + "es"
    return word + "s"


def counted_unit(words: tuple[str, ...] | list[str]) -> str:
    """The counted noun of a phrase: lower-case plural, describing words dropped."""
    kept = [w.lower() for w in words[:-1] if not _describing(w)]
    return " ".join([*kept, _plural(words[-1].lower())])


def _describing(word: str) -> bool:
    w = word.lower()
    if w in _DESCRIBING or _HYPHEN_ADJECTIVE.search(w):
        return True
    return not word.isupper() and w.endswith(_ADJECTIVE_ENDINGS) and len(w) > 4


def _skip(text: str, n: NumberSpan) -> bool:
    """Numbers that are no counts: "one" (mostly a pronoun), phone numbers, pages, money signs."""
    if n.is_word and n.text.lower() == "one":
        return True
    before, after = text[max(0, n.start - 12) : n.start], text[n.end : n.end + 2]
    if re.search(r"\d[\-–]$", before) or re.match(r"[\-–/]\d", after) or after[:1] == "-":
        return True
    return bool(_NOT_A_COUNT_BEFORE.search(before))


def find_counts(text: str, numbers: list[NumberSpan], claims: Claims) -> list[Found]:
    """Counts; claims their spans."""
    out: list[Found] = []
    pending: list[tuple[NumberSpan, NounPhrase]] = []
    for n in numbers:
        if claims.overlaps(n.start, n.end) or _skip(text, n):
            continue
        phrase = noun_phrase_after(text, n.end, allow_singular=n.value == 1)
        if pending and not _LIST_GLUE.fullmatch(text[pending[-1][1].end : n.start]):
            pending = []
        if not phrase.has_head:
            # "25 large-," / "three large-scale," / "two to": list items waiting for a later noun
            if phrase.suspended or all(_describing(w) for w in phrase.words):
                pending.append((n, phrase))
            continue
        found = Found(
            "count",
            n.start,
            phrase.end,
            value=n.value,
            unit=counted_unit([w.rstrip("-'’") for w in phrase.words]),
            entity=" ".join(phrase.words).rstrip("'’"),
        )
        for p_n, p_phrase in pending:  # the list items waiting for this noun
            end = p_phrase.end if p_phrase.words else p_n.end
            shared = Found("count", p_n.start, end, value=p_n.value, unit=found.unit, entity=found.entity)
            if claims.claim(shared):
                out.append(shared)
        pending = []
        if claims.claim(found):
            out.append(found)
    for m in _PAREN_COUNT.finditer(text):
        value = float(m.group("num").replace(",", ""))
        if is_plural_noun(m.group("noun")) and not (1800 <= value <= 2100 and "," not in m.group("num")):
            found = Found(
                "count",
                m.start(),
                m.end(),
                value=value,
                unit=counted_unit([m.group("noun")]),
                entity=m.group("noun"),
            )
            if claims.claim(found):
                out.append(found)
    return sorted(out, key=lambda f: f.start)
