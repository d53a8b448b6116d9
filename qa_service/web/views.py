"""View logic of the pages, pure and testable without a server: highlights, reference markers, match words,
conflict sentences, citations, Korean spans and field-level form errors."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from markupsafe import Markup, escape
from pydantic import ValidationError

from qa_service.errors import InvalidQueryError, UnknownDocumentError
from qa_service.schemas import MAX_QUESTION_CHARS, AskResponse, Conflict, DocumentSummary, FactOut, Passage
from qa_service.service import source_name  # one wording of a source for the core's messages and the page

_HANGUL = "\u1100-\u11ff\u3130-\u318f\uac00-\ud7a3"
# A run of Korean: Hangul words and what sits between them (spaces, digits, punctuation), no Latin letters.
_KO_RUN = re.compile(rf"[{_HANGUL}](?:[{_HANGUL}0-9\s.,;:!?·()\[\]'\"“”‘’%~\-]*[{_HANGUL}.?!)\]”’])?")
_WORD = re.compile(r"[^\W_]+")
NEAR = 80  # an answer span this close to the evidence sentence is highlighted together with it
# The form field each request field is typed in (field-level error messages).
FORM_FIELDS = {"question": "q", "doc_ids": "doc", "year_from": "year_from", "year_to": "year_to", "top_k": "k"}


def ko(text: str | None) -> Markup:
    """``text`` escaped, with every run of Korean wrapped in ``<span lang="ko">`` (screen readers, line breaking)."""
    text = text or ""
    out, pos = [], 0
    for m in _KO_RUN.finditer(text):
        out.append(escape(text[pos : m.start()]))
        out.append(Markup('<span lang="ko">%s</span>') % text[m.start() : m.end()])
        pos = m.end()
    out.append(escape(text[pos:]))
    return Markup("").join(out)


def is_korean(text: str | None) -> bool:
    """Mostly Hangul (of its letters): the whole element gets ``lang="ko"``."""
    letters = [c for c in text or "" if c.isalpha()]
    hangul = sum(1 for c in letters if _KO_RUN.match(c))
    return bool(letters) and hangul * 2 > len(letters)


# -- what the answer says, where ---------------------------------------------------------------------------
def _pattern(tokens: Sequence[str]) -> re.Pattern[str]:
    return re.compile(r"(?<!\w)" + r"\W*".join(re.escape(t) for t in tokens) + r"(?!\w)", re.I)


def answer_span(passage: Passage, answer: str | None, edge: int = 6) -> tuple[int, int] | None:
    """Document offsets of what ``answer`` says inside ``passage``: its first and last words found in order,
    whatever punctuation the answer joined them with ('Heading: item; item'), or None."""
    tokens = _WORD.findall(answer or "")
    if not tokens:
        return None
    head = _pattern(tokens[:edge]).search(passage.text)
    if head is None:
        return None
    if len(tokens) <= edge:
        return passage.start + head.start(), passage.start + head.end()
    tail = _pattern(tokens[-edge:]).search(passage.text, head.end())
    if tail is None:
        return None
    end = tail.end() + (passage.text[tail.end() : tail.end() + 1] in {".", "!", "?"})  # the list's last full stop
    return passage.start + head.start(), passage.start + end


def _overlaps(a: tuple[int, int], b: tuple[int, int], gap: int = 0) -> bool:
    return a[0] <= b[1] + gap and b[0] <= a[1] + gap


class PassageView(NamedTuple):
    """A passage as shown: its highlight (document offsets), whether the answer rests on it, its match in words."""

    passage: Passage
    highlight: tuple[int, int] | None
    supports: bool
    match: str


def match_words(score: float, top: float, nearest: bool = False) -> str:
    """A fused score, relative to the best of the same response, in words (fused scores mean nothing alone);
    without an answer, the words say how near a passage is, not how well it answers."""
    ratio = score / top if top > 0 else 0.0
    if nearest:
        return "nearest" if ratio >= 0.9 else "further away"
    if ratio >= 0.9:
        return "strong match"
    return "good match" if ratio >= 0.6 else "weaker match"


def passage_views(
    passages: Sequence[Passage], answer: str | None, found: bool, search: bool = False
) -> list[PassageView]:
    """Passages in rank order with their highlights: on the passage the answer was read from (the first), what
    the answer says together with the evidence sentence next to it (a list answer highlights the list); on
    the others, the evidence sentence. A passage supports the answer when it says the answer. Without an answer
    (and not a search) the match words say how near a passage is."""
    top = max((p.score for p in passages), default=0.0)
    out = []
    for i, p in enumerate(passages):
        ev = (p.evidence.start, p.evidence.end) if p.evidence else None
        said = answer_span(p, answer) if found else None
        highlight, supports = ev, False
        if said is not None:
            if i == 0:
                near = ev is not None and _overlaps(ev, said, NEAR)
                highlight = (min(ev[0], said[0]), max(ev[1], said[1])) if near and ev else said
                supports = True
            elif ev is not None and _overlaps(ev, said):
                highlight = (min(ev[0], said[0]), max(ev[1], said[1]))
                supports = True
        elif found and i == 0:
            supports = True  # the answer was read from it (a paraphrase the words above did not find)
        out.append(PassageView(p, highlight, supports, match_words(p.score, top, not found and not search)))
    return out


# -- conflicts ---------------------------------------------------------------------------------------------


def conflict_sentence(conflict: Conflict, docs: Mapping[str, DocumentSummary]) -> str:
    """'The 2007 slides say 39 project teams; the 2009 paper says 43 project teams.': the core's sentence
    (qa_service.answering.conflicts words it the same way), else one made from ``docs``."""
    if conflict.sentence:
        return conflict.sentence
    names = [source_name(docs.get(s.fact.citation.doc_id), s.fact.citation.doc_id) for s in conflict.sides]
    taken = [n for n, _ in names]
    parts = []
    for side, (name, singular) in zip(conflict.sides, names, strict=True):
        if taken.count(name) > 1:  # two sources of one year and kind: tell them apart by id
            name = f"{name} ({side.fact.citation.doc_id})"
        parts.append(f"{name} {'says' if singular else 'say'} {side.value}")
    text = "; ".join(parts) + "."
    return text[0].upper() + text[1:]


def fact_sentence(fact: FactOut) -> tuple[str, str, str]:
    """A fact's sentence cut around the fact (before, fact, after), to highlight it; the fact alone without one."""
    context = fact.context or ""
    at = context.find(fact.text)
    if at < 0:
        return "", fact.text, ""
    return context[:at], fact.text, context[at + len(fact.text) :]


def passage_of(fact: FactOut, passages: Sequence[Passage]) -> Passage | None:
    c = fact.citation
    return next((p for p in passages if p.doc_id == c.doc_id and p.start <= c.start < p.end), None)


# -- citations ---------------------------------------------------------------------------------------------
def _where(section: str | None, page: int | None) -> str:
    bits = [f"section “{section}”" if section else "", f"p. {page}" if page else ""]
    return ", ".join(b for b in bits if b)


def citation_text(p: Passage, doc: DocumentSummary | None, url: str) -> str:
    """A plain-text citation: Author (year). Title. Section, page. URL"""
    author = doc.author if doc and doc.author else ""
    where = _where(p.section, p.page)
    head = f"{author} ({p.year or 'n.d.'}). " if author else f"({p.year or 'n.d.'}). "
    return f"{head}{p.title}." + (f" {where[0].upper()}{where[1:]}." if where else "") + f" {url}"


def bibtex(p: Passage, doc: DocumentSummary | None, url: str) -> str:
    """A BibTeX-like ``@misc`` entry for a passage."""
    key = re.sub(r"\W+", "", p.doc_id) + (f":{p.start}" if p.start else "")
    fields = [("author", doc.author if doc else None), ("title", p.title), ("year", p.year),
              ("note", ", ".join(x for x in (_where(p.section, p.page), f"characters {p.start}-{p.end}") if x)),
              ("url", url)]  # fmt: skip
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields if value not in (None, ""))
    return f"@misc{{{key},\n{body}\n}}"


# -- form errors -------------------------------------------------------------------------------------------
def field_errors(exc: Exception) -> dict[str, list[str]]:
    """Messages by the form field to fix (``q``, ``doc``, ``year_from``, ``year_to``, ``k``)."""
    out: dict[str, list[str]] = {}
    if isinstance(exc, ValidationError):
        for e in exc.errors(include_url=False):
            name = str(e["loc"][0]) if e["loc"] else ""
            msg = e["msg"].removeprefix("Value error, ")
            if name == "question" and e["type"] == "string_too_long":
                n = len(e["input"]) if isinstance(e.get("input"), str) else "too many"
                msg = f"The question has {n} characters; the limit is {MAX_QUESTION_CHARS}. Shorten it."
            field = FORM_FIELDS.get(name) or ("year_to" if "year_from" in msg else "q")
            out.setdefault(field, []).append(msg[0].upper() + msg[1:])
    elif isinstance(exc, UnknownDocumentError):
        out["doc"] = [str(exc)]
    elif isinstance(exc, InvalidQueryError):
        text = str(exc)
        out["k" if text.startswith("top_k") else "q"] = [text[0].upper() + text[1:]]
    else:
        raise TypeError(f"not a form error: {exc!r}")
    return out


def filters_on(form: Mapping[str, Any]) -> bool:
    return bool(form.get("doc") or form.get("year_from") or form.get("year_to"))


def level_heading(response: AskResponse, filtered: bool) -> str:
    if response.confidence_level == "not_found":
        return "Not found in the selected documents" if filtered else "Not found in the corpus"
    return response.answer or ""
