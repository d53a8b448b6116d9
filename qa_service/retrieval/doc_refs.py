"""Questions that name their source: "according to Shin's 2009 paper", "per the 2007 slides".

Readers cite documents by year and kind. Such a phrase is no part of what is asked (the year 2009
is not a fact to look for); it says where to look. ``document_reference`` finds the phrase and the
documents it fits, by publication year and, when the phrase names a kind (slides, paper, report),
by the kind or title of the document. A phrase that fits no document is left alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import NamedTuple

from qa_service.records import DocumentMeta
from qa_service.text.numbers import YEAR_DIGITS

_KINDS = {
    "slides": ("slide", "presentation", "conference"),
    "slide": ("slide", "presentation", "conference"),
    "presentation": ("slide", "presentation"),
    "paper": ("article", "paper", "journal"),
    "article": ("article", "paper", "journal"),
    "study": ("article", "paper", "study", "report"),
    "report": ("report", "evaluation"),
    "evaluation": ("evaluation", "report"),
    "summary": ("summary", "report"),
    "document": (),
    "source": (),
}
_LEAD = r"(?:,\s*)?(?P<lead>\b(?:according to|as (?:stated|reported|described) in|per|in|from|by)\s+)?(?:the\s+)?"
_OWNER = r"(?:[A-Z][\w-]+(?:'s|’s)\s+)?"
_YEAR = rf"({YEAR_DIGITS})"
_KIND = r"(" + "|".join(sorted(_KINDS, key=len, reverse=True)) + r")\b"
_BY_YEAR = re.compile(_LEAD + _OWNER + _YEAR + r"\s+(?:[\w-]+\s+){0,2}?" + _KIND, re.I)
_BY_AUTHOR = re.compile(_LEAD + r"([A-Z][\w-]+)\s+\(" + _YEAR + r"\)")
# Without a preposition the phrase is the sentence's subject or object: keep a plain noun in its place.


class DocumentReference(NamedTuple):
    doc_ids: tuple[str, ...]
    start: int  # the phrase's span in the question
    end: int
    replacement: str = ""  # what stands in its place: nothing after a preposition, else a plain noun

    def strip(self, question: str) -> str:
        """The question without the year phrase: "How many teams were selected, according to the 2009 paper?"
        asks "How many teams were selected?"; "What does the 2024 report recommend?" asks "What does the
        report recommend?"."""
        text = question[: self.start] + (f" {self.replacement} " if self.replacement else "") + question[self.end :]
        text = " ".join(text.split()).replace(" ?", "?").replace(" ,", ",").strip(" ,;:")
        return text[:1].upper() + text[1:]


def _fits_kind(meta: DocumentMeta, kind_word: str) -> bool:
    hints = _KINDS.get(kind_word.lower(), ())
    if not hints:
        return True
    about = f"{meta.kind or ''} {meta.title}".lower()
    return any(h in about for h in hints)


def document_reference(question: str, documents: Iterable[DocumentMeta]) -> DocumentReference | None:
    """The documents the question points to by year (and kind or author), or None."""
    metas = list(documents)
    for match in _BY_YEAR.finditer(question):
        year, kind_word = int(match.group(2)), match.group(3)
        fits = [m for m in metas if m.year == year and _fits_kind(m, kind_word)]
        if fits:
            noun = "" if match.group("lead") else f"the {kind_word}"
            return DocumentReference(tuple(sorted(m.doc_id for m in fits)), match.start(), match.end(), noun)
    for match in _BY_AUTHOR.finditer(question):
        name, year = match.group(2), int(match.group(3))
        fits = [m for m in metas if m.year == year and name.lower() in (m.author or "").lower()]
        if fits:
            noun = "" if match.group("lead") else name
            return DocumentReference(tuple(sorted(m.doc_id for m in fits)), match.start(), match.end(), noun)
    return None
