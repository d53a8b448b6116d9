"""What the fact families share: the found-span record, the claimed-span register, noun phrases, context."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from qa_service.text.aliases import STOPWORDS, word_set
from qa_service.text.sentences import sentence_spans


@dataclass(frozen=True)
class Found:
    """A fact before it gets an id, a chunk and a context; offsets are into the text searched."""

    kind: str
    start: int
    end: int
    value: float | None = None
    unit: str | None = None
    per: str | None = None
    date_start: str | None = None
    date_end: str | None = None
    entity: str | None = None
    entity_type: str | None = None
    aliases: tuple[str, ...] = ()


class Claims:
    """Spans already taken by a fact, so that one number is one fact ("2.5 million dollars" is no count).

    The families claim in their own text order one after the other, so a claim lands anywhere among the
    earlier ones; inserting into one sorted list moved half of it each time (quadratic on a 20 MB document).
    The spans are kept instead in a few sorted runs, each longer than the next newer one: a claim after the
    newest run's last span is appended to it, any other starts a run, and a run as long as the one before it
    is merged into it (as in a binary counter). A claim costs O(log n) amortised, a lookup one bisection per
    run, and there are O(log n) runs.
    """

    def __init__(self) -> None:
        self._runs: list[tuple[list[int], list[int]]] = []  # (starts, ends), each run sorted by start

    def __len__(self) -> int:
        return sum(len(starts) for starts, _ in self._runs)

    def overlaps(self, start: int, end: int) -> bool:
        """Whether [start, end) overlaps a claimed span."""
        for starts, ends in self._runs:
            # Claimed spans never overlap, so their ends are sorted too: only the last one starting before
            # ``end`` can reach past ``start``.
            i = bisect.bisect_left(starts, end)
            if i > 0 and ends[i - 1] > start:
                return True
        return False

    def claim(self, found: Found) -> bool:
        """Register ``found`` unless it overlaps a claimed span; say whether it was taken."""
        if self.overlaps(found.start, found.end):
            return False
        runs = self._runs
        if runs and runs[-1][0][-1] < found.start:
            runs[-1][0].append(found.start)  # the common case: after the newest run's last claim
            runs[-1][1].append(found.end)
        else:
            runs.append(([found.start], [found.end]))
        while len(runs) > 1 and len(runs[-2][0]) <= len(runs[-1][0]):
            newer, older = runs.pop(), runs.pop()
            spans = sorted(zip(older[0] + newer[0], older[1] + newer[1], strict=True))
            runs.append(([s for s, _ in spans], [e for _, e in spans]))
        return True


_SINGULAR_S = word_set(
    """news series species means gas lens physics economics mathematics politics analysis basis crisis thesis
    status campus census bonus focus corpus always perhaps whereas across less unless towards afterwards
    besides sometimes nevertheless plus bus class process business access success progress address"""
)
_IRREGULAR_PLURALS = word_set("people staff personnel children men women media data police cattle")
_WORD = re.compile(r"[ ]{1,3}([A-Za-z][A-Za-z0-9'’\-]*)")


def is_plural_noun(word: str) -> bool:
    """A rough test for a plural noun: "projects", "SMEs", "mini-clusters", "people" (not "status")."""
    w = word.lower().strip("-'’")
    if w in _IRREGULAR_PLURALS:
        return True
    if w in STOPWORDS or w in _SINGULAR_S or len(w) < 3 or not w.endswith("s"):
        return False
    return not w.endswith(("ss", "us", "is", "'s", "’s"))


@dataclass(frozen=True)
class NounPhrase:
    """Words right after a number: the modifiers and the plural head ("official project teams")."""

    end: int
    words: tuple[str, ...]
    has_head: bool
    suspended: bool  # "25 large-," waits for the noun of a later list item


def noun_phrase_after(text: str, pos: int, max_words: int = 4, allow_singular: bool = False) -> NounPhrase:
    """The noun phrase starting after ``pos`` on the same line (spaces only), ending at its first plural."""
    words: list[str] = []
    end = pos
    while len(words) < max_words:
        m = _WORD.match(text, end)
        if not m:
            break
        word = m.group(1)
        if word.lower() in STOPWORDS:
            break
        words.append(word)
        end = m.end()
        if word.endswith("-"):
            return NounPhrase(end, tuple(words), False, True)
        if is_plural_noun(word):
            return NounPhrase(end, tuple(words), True, False)
        if allow_singular and len(words) == 1 and not _WORD.match(text, end):
            return NounPhrase(end, tuple(words), True, False)
    return NounPhrase(end, tuple(words), False, bool(words) and words[-1].endswith("-"))


def context_around(text: str, start: int, end: int, limit: int = 300) -> str:
    """The sentence (or table row, or slide line) holding text[start:end], whitespace collapsed.

    Longer sentences are cut to about ``limit`` characters centred on the fact.
    """
    lo, hi = max(0, start - 600), min(len(text), end + 600)
    spans = sentence_spans(text, lo, hi)  # the one sentence splitter of the codebase
    left = max((s for s, _ in spans if s <= start), default=lo)
    right = min((e for _, e in spans if e >= end), default=hi)
    if right - left > limit:
        half = (limit - (end - start)) // 2
        new_left, new_right = max(left, start - max(half, 40)), min(right, end + max(half, 40))
        if new_left > left:
            new_left = text.find(" ", new_left, start) + 1 or new_left
        if new_right < right:
            cut = text.rfind(" ", end, new_right)
            new_right = cut if cut > 0 else new_right
        snippet = " ".join(text[new_left:new_right].split())
        return ("…" if new_left > left else "") + snippet + ("…" if new_right < right else "")
    return " ".join(text[left:right].split())
