"""Conflicts between sources: two documents that state the same quantity about the same subject with different values.

Both answerers hand :func:`find_conflicts` their best fact and the other facts they scored for the question. A
figure of another document is a rival only when it measures the same thing, read off its own sentence:

* the same fact kind and unit; for counts the same counted noun by lemma ("projects" and "project teams" count
  the same things: a team is named after its project) with the same describing words ("small-scale" or not);
* the same subject: where both sentences (or, failing that, their section headings) name a program, plan or
  agency, they name the same one, by the alias table ("RIS" is the "Regional Innovation System");
* the same year, when both sides state one (in the sentence, or earlier in its section);
* the same per-unit marker on both sides or on neither ("per province", "each", "a year", "on average");
* the same event: "opened in 2001" and "launched in 2004", or 25 teams that applied and 111 that were selected,
  are different quantities.

A bound ("at least 4") or an approximation ("about 40") is not contradicted by a value it admits. Each side keeps
its sentence (offsets into its document) and its source; :func:`disagreement` words the answer's message ("The
2007 slides say 39 project teams; the 2009 paper says 43 project teams.") so the API and the page say the same.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING, NamedTuple, Protocol

from qa_service.index.lexical import analyze
from qa_service.schemas import Conflict, ConflictSide, Span
from qa_service.text.numbers import YEAR

if TYPE_CHECKING:
    from qa_service.answering.context import AnswerContext
    from qa_service.records import Fact
    from qa_service.retrieval.retriever import ScoredUnit

QUANTITY_KINDS = frozenset({"money", "count", "percent", "area", "population", "date", "period"})
SUBJECT_TYPES = frozenset({"program", "plan", "project", "agency", "ministry", "committee", "institution"})
RELEVANCE = 0.8  # a rival's sentence scores at least this share of the best one's
AGREE_WINDOW = 0.15  # a source that also states the answer's value this close to its best agrees
APPROXIMATE = 0.1  # "about 40" admits 36 to 44

# A team, group or consortium is counted by its project: "43 project teams" and "39 projects" count the same thing.
_CARRIERS = frozenset(analyze("team teams group groups consortium consortia"))
# Describing words that do not change what is counted ("43 selected project teams" are the project teams).
_NEUTRAL = frozenset(analyze("selected chosen official total overall approximately about nearly almost some all"))
_PER = re.compile(
    r"\b(?:per|each|every)\s+(?P<noun>[a-z]+(?:\s+government)?)|\b(?P<each>each|every)\b|"
    r"\b(?:a|an)\s+(?P<time>year|month|week|day)\b|\b(?P<ly>annual|annually|yearly|monthly)\b|"
    r"\b(?P<avg>on average|average|mean)\b",
    re.I,
)
_LY = {"annual": "year", "annually": "year", "yearly": "year", "monthly": "month"}
_BOUND = re.compile(
    r"(?P<min>at least|more than|over|no fewer than|no less than|upwards of)\s+$|"
    r"(?P<max>at most|up to|less than|fewer than|under|no more than)\s+$|"
    r"(?P<approx>approximately|about|around|nearly|almost|roughly|some|circa|c\.)\s+$",
    re.I,
)
_CITATION = re.compile(r"\([^()]*\b(?:1[89]\d\d|20\d\d)[a-z]?(?:[,;][^()]*)?\)|\b(?:1[89]\d\d|20\d\d)[a-z]\b")
_CLAUSE_BREAK = re.compile(r"[;:()\t\n]|,(?!\d)|\s(?:but|while|whereas|from which|of which)\s")
_NARROWING = frozenset({"from", "in", "at", "within", "among", "outside"})  # "teams from four universities"
_LOOK_BACK = 1500  # characters of its section before a sentence where its year may be stated
_SAME_EVENT = (
    frozenset({"select", "choose", "pick", "approve", "designate", "accept"}),
    frozenset({"launch", "start", "begin", "introduce", "initiate", "establish", "found", "create", "set"}),
    frozenset({"open", "inaugurate"}),
    frozenset({"spend", "invest", "allocate", "budget", "fund", "provide", "pay", "give", "grant"}),
    frozenset({"end", "finish", "complete", "close", "terminate"}),
)


class Scored(Protocol):
    """A fact an answerer scored for the question, in the sentence it was read from (``rules.Candidate``)."""

    @property
    def fact(self) -> Fact: ...
    @property
    def unit(self) -> ScoredUnit: ...
    @property
    def score(self) -> float: ...


class SourceMeta(Protocol):
    """What a source name is made of (``DocumentMeta`` in the core, ``DocumentSummary`` on the page)."""

    @property
    def title(self) -> str: ...
    @property
    def year(self) -> int | None: ...
    @property
    def kind(self) -> str | None: ...


class Parsed(NamedTuple):
    verbs: frozenset[str]  # lemmas of the verb the figure hangs on ("selected", "opened")
    narrowing: frozenset[str]  # lemmas of what a preposition narrows the counted noun to ("from four universities")
    places: frozenset[str]  # places the sentence names ("Daejeon hosts 11 NURI projects")


@dataclass(frozen=True)
class Statement:
    """One source's figure and what it is about, read off its own sentence."""

    fact: Fact
    start: int  # the sentence, as offsets into the document's text
    end: int
    sentence: str
    clause: str  # the words of the sentence that go with the figure
    noun: tuple[str, ...]  # counted noun as stems, head last ("project", "team")
    describing: frozenset[str]  # stems of the counted noun's describing words ("small", "scale")
    subjects: Mapping[str, frozenset[str]]  # entity type -> canonical names the sentence (or its section) names
    years: frozenset[str]
    per: frozenset[str]  # per-unit markers: "province", "year", "each", "average"
    bound: str | None  # "min", "max", "approx" or None

    @cached_property
    def parsed(self) -> Parsed:
        """What a parse of the sentence adds (parsed only for a pair that agrees on everything else)."""
        return _parsed(self.sentence, self.fact.start - self.start, self.fact.end - self.start, bool(self.noun))

    @cached_property
    def event(self) -> frozenset[str]:
        """What a date is the date of: the stems of its clause other than numbers and years, or of its sentence
        when the clause is the bare date (a table row: "1978<tab>Location of Research Institutes Began")."""
        figure = set(analyze(self.fact.text))
        for text in (self.clause, self.sentence):
            words = frozenset(t for t in analyze(text) if not t[:1].isdigit()) - figure
            if words:
                return words
        return frozenset()


def statement(fact: Fact, unit: ScoredUnit, ctx: AnswerContext) -> Statement:
    """What ``fact`` states, in the evidence unit ``unit`` it was found in."""
    idx = ctx.index.units
    doc = ctx.index.documents[fact.doc_id]
    start, end = int(idx.start[unit.unit]), int(idx.end[unit.unit])
    text = doc.text
    sentence = text[start:end]
    clause = _clause(text, fact.start, fact.end, start, end)
    noun = tuple(analyze(fact.unit or "")) if fact.kind == "count" else ()
    written = set(noun) | set(analyze(fact.entity or "")) if noun else set()
    written -= {_head(noun) if noun else "", *_CARRIERS, *_NEUTRAL}
    subjects = _subjects(ctx, fact.doc_id, start, end)
    names = {t for ns in subjects.values() for n in ns for f in (n, *ctx.index.aliases.forms(n)) for t in analyze(f)}
    if not subjects:  # a slide's bullet names its program in the heading ("RIS Pilot Program: Concept")
        section = doc.section_at(start) or ""
        subjects = _names(ctx, section)
        names |= set(analyze(section))
    describing = frozenset(written - names - {t for t in analyze(fact.text) if t.isdigit()})
    blanked = text[start : fact.start] + " " * (fact.end - fact.start) + text[fact.end : end]
    years = _years(blanked)
    if not years and fact.kind not in ("date", "period"):
        years = _years(_section_before(doc, start))
    per = _per_markers(clause, fact)
    before = text[max(start, fact.start - 25) : fact.start]
    bound = next((k for m in [_BOUND.search(before)] if m for k, v in m.groupdict().items() if v), None)
    return Statement(fact, start, end, sentence, clause, noun, describing, subjects, years, per, bound)


def different(a: Statement, b: Statement) -> str | None:
    """Why ``a`` and ``b`` do not state the same quantity (None: they do)."""
    fa, fb = a.fact, b.fact
    if fa.kind != fb.kind:
        return "another kind of fact"
    if fa.kind not in ("date", "period") and (fa.value is None or fb.value is None):
        return "no value to compare"
    if fa.kind in ("money", "percent", "area", "population") and (fa.unit or "") != (fb.unit or ""):
        return "another unit"
    if fa.kind == "count" and not _same_noun(a.noun, b.noun):
        return "another counted noun"
    if fa.kind == "count" and a.describing != b.describing:
        return "another kind of the counted thing"
    for kind in a.subjects.keys() & b.subjects.keys():
        if not a.subjects[kind] & b.subjects[kind]:
            return f"another {kind}"
    if a.years and b.years and not a.years & b.years:
        return "another year"
    if a.per != b.per or (fa.per or "") != (fb.per or ""):
        return "a per-unit figure against a total"
    pa, pb = a.parsed, b.parsed
    if fa.kind in ("date", "period"):
        # A date says nothing of what it dates: the two must be seen to tell of the same event, by words other
        # than their verbs ("1978: location of research institutes began" and "the program was put into
        # operation starting from December 2005" share a verb group and nothing else: two events), and with no
        # verbs of two known events ("the program started in 2004", "the program ended in 2008").
        verbs = {t for v in pa.verbs | pb.verbs for t in analyze(v)}
        if _other_events(pa.verbs, pb.verbs) or not (a.event & b.event) - verbs:
            return "another event"
    elif not _same_event(pa.verbs, pb.verbs):
        return "another event"
    if pa.narrowing != pb.narrowing:
        return "another part of the counted thing"
    if pa.places != pb.places:
        return "another place"
    return None


def agrees(a: Statement, b: Statement) -> bool:
    """The two values are the same, or one admits the other (a bound, an approximation)."""
    fa, fb = a.fact, b.fact
    if fa.kind in ("date", "period"):
        return (fa.date_start, fa.date_end) == (fb.date_start, fb.date_end)
    if fa.value is None or fb.value is None:
        return False
    x, y = fa.value, fb.value
    if abs(x - y) <= 1e-9 * max(1.0, abs(x)):
        return True
    return _admits(a.bound, x, y) or _admits(b.bound, y, x)


def find_conflicts(best: Scored, candidates: Sequence[Scored], ctx: AnswerContext) -> list[Conflict]:
    """Other documents that state the answer's quantity about its subject with another value, in a sentence
    about as relevant to the question (``candidates``: the scored facts, best first)."""
    if best.fact.kind not in QUANTITY_KINDS or (best.fact.value is None and best.fact.kind not in ("date", "period")):
        return []
    ours = statement(best.fact, best.unit, ctx)
    floor = best.score - (1 - RELEVANCE) * abs(best.score)
    reach = floor - AGREE_WINDOW * abs(best.score)  # below it a fact can neither be a side nor agree with one
    per_doc: dict[str, list[tuple[Scored, Statement]]] = {}
    for cand in candidates:
        other = cand.fact
        if other.doc_id == best.fact.doc_id or other.kind != best.fact.kind or cand.score < reach:
            continue
        theirs = statement(other, cand.unit, ctx)
        if different(ours, theirs) is None:
            per_doc.setdefault(other.doc_id, []).append((cand, theirs))
    sides = [(best, ours)]
    for found in per_doc.values():
        top, theirs = found[0]
        if top.score < floor:
            continue
        # A source disagrees only when none of its about-as-relevant statements of the quantity agrees.
        if any(agrees(ours, s) for c, s in found if c.score >= top.score - AGREE_WINDOW * abs(top.score)):
            continue
        sides.append((top, theirs))
    if len(sides) < 2:
        return []
    docs = {s.fact.doc_id: ctx.index.documents[s.fact.doc_id].meta for _, s in sides}
    out = [
        ConflictSide(
            value=_value(s),
            fact=ctx.fact_out(s.fact),
            sentence=Span(start=s.start, end=s.end, text=s.sentence),
            source=source_name(docs[s.fact.doc_id], s.fact.doc_id)[0],
        )
        for _, s in sides
    ]
    return [Conflict(about=_about(ours), sides=out, sentence=disagreement(out, docs))]


def message(conflicts: Sequence[Conflict]) -> str | None:
    """The answer's message when sources disagree: "Sources disagree: The 2007 slides say 39; ..."."""
    if not conflicts:
        return None
    first = conflicts[0]
    return f"Sources disagree: {first.sentence or ' vs '.join(s.value for s in first.sides)}"


# -- wording -----------------------------------------------------------------------------------------------
_KIND_NOUNS = (("slides", "slides"), ("presentation", "slides"), ("paper", "paper"), ("article", "paper"),
               ("thesis", "thesis"), ("report", "report"), ("book", "book"), ("summary", "report"))  # fmt: skip


def source_name(doc: SourceMeta | None, fallback: str) -> tuple[str, bool]:
    """('the 2009 paper', singular?) from a document's year and kind; its title when the kind says nothing."""
    if doc is None:
        return fallback, True
    kind = (doc.kind or "").lower()
    noun = next((n for word, n in _KIND_NOUNS if word in kind), None)
    if noun is None:
        return f"“{doc.title}”" + (f" ({doc.year})" if doc.year else ""), True
    return f"the {doc.year} {noun}" if doc.year else f"the {noun}", noun != "slides"


def disagreement(sides: Sequence[ConflictSide], docs: Mapping[str, SourceMeta]) -> str:
    """'The 2007 slides say 39 project teams; the 2009 paper says 43 project teams.'"""
    names = [source_name(docs.get(s.fact.citation.doc_id), s.fact.citation.doc_id) for s in sides]
    taken = [n for n, _ in names]
    parts = []
    for side, (name, singular) in zip(sides, names, strict=True):
        if taken.count(name) > 1:  # two sources of one year and kind: tell them apart by id
            name = f"{name} ({side.fact.citation.doc_id})"
        parts.append(f"{name} {'says' if singular else 'say'} {side.value}")
    text = "; ".join(parts) + "."
    return text[0].upper() + text[1:]


def _value(s: Statement) -> str:
    bound = {"min": "at least ", "max": "at most ", "approx": "about "}.get(s.bound or "", "")
    return bound + " ".join(s.fact.text.split())


def _about(s: Statement) -> str:
    what = s.fact.unit if s.fact.kind == "count" and s.fact.unit else s.fact.kind
    subject = next((min(names) for kind in ("program", "plan", "project") for names in [s.subjects.get(kind)] if names),
                   None)  # fmt: skip
    bits = [what, f"of the {subject}" if subject else "", f"in {', '.join(sorted(s.years))}" if s.years else ""]
    return " ".join(b for b in bits if b)


# -- reading a sentence ------------------------------------------------------------------------------------
def _clause(text: str, start: int, end: int, lo: int, hi: int) -> str:
    left = max((m.end() for m in _CLAUSE_BREAK.finditer(text, lo, start)), default=lo)
    right = next((m.start() for m in _CLAUSE_BREAK.finditer(text, end, hi)), hi)
    return text[left:right]


def _subjects(ctx: AnswerContext, doc_id: str, start: int, end: int) -> dict[str, frozenset[str]]:
    out: dict[str, set[str]] = {}
    for f in ctx.fact_lookup.within(doc_id, start, end):
        if f.kind == "entity" and f.entity_type in SUBJECT_TYPES and not _in_citation(ctx, f):
            out.setdefault(f.entity_type, set()).add(f.entity or f.text)
    return {k: frozenset(v) for k, v in out.items()}


def _in_citation(ctx: AnswerContext, fact: Fact) -> bool:
    """A citation such as "(MCIE 2004b)" names a source, not what the sentence is about."""
    text = ctx.index.documents[fact.doc_id].text
    return any(m.start() <= fact.start < m.end() for m in _CITATION.finditer(text, max(0, fact.start - 60),
                                                                               fact.end + 60))  # fmt: skip


def _names(ctx: AnswerContext, text: str) -> dict[str, frozenset[str]]:
    """Known names in a heading, by the type the index gave their entity facts."""
    from qa_service.facts.entities import entity_type_of

    out: dict[str, set[str]] = {}
    for _s, _e, canonical in ctx.index.aliases.mentions(text):
        kind = entity_type_of(canonical)
        if kind in SUBJECT_TYPES:
            out.setdefault(kind, set()).add(canonical)
    return {k: frozenset(v) for k, v in out.items()}


def _years(text: str) -> frozenset[str]:
    return frozenset(YEAR.findall(_CITATION.sub(" ", text)))


def _section_before(doc, start: int) -> str:
    """The text of the sentence's section before it (at most ``_LOOK_BACK`` characters)."""
    lo = max((s.start for s in doc.sections if s.start <= start), default=0)
    return doc.text[max(lo, start - _LOOK_BACK) : start]


def _per_markers(clause: str, fact: Fact) -> frozenset[str]:
    out = set()
    for m in _PER.finditer(clause):
        if m.group("noun"):
            out.add(_marker_noun(m.group("noun")))
        elif m.group("each"):
            out.add("each")
        elif m.group("time"):
            out.add(m.group("time").lower())
        elif m.group("ly"):
            out.add(_LY[m.group("ly").lower()])
        else:
            out.add("average")
    if fact.per:
        out.add(fact.per)
    return frozenset(out)


def _marker_noun(words: str) -> str:
    stems = analyze(words.replace("government", ""))
    stem = stems[0] if stems else words.lower()
    return "provinc" if stem.startswith("provinc") else stem


def _same_noun(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """The same counted noun by its head, a team or group being counted by the word before it."""
    return bool(a and b) and _head(a) == _head(b)


def _head(noun: tuple[str, ...]) -> str:
    return noun[-2] if len(noun) > 1 and noun[-1] in _CARRIERS else noun[-1]


def _admits(bound: str | None, x: float, y: float) -> bool:
    """Whether "``bound`` ``x``" ("at least 4") is true of ``y``."""
    if bound == "min":
        return y >= x
    if bound == "max":
        return y <= x
    if bound == "approx":
        return abs(y - x) <= APPROXIMATE * abs(x)
    return False


@lru_cache(maxsize=4096)
def _parsed(sentence: str, start: int, end: int, counted: bool) -> Parsed:
    """The parse of a sentence around the figure at ``[start, end)`` (cached: a parse costs tens of ms)."""
    from qa_service.text.nlp import NLPModelMissing, parse

    try:
        doc = parse(sentence)
    except NLPModelMissing:
        return Parsed(frozenset(), frozenset(), frozenset())
    inside = [t for t in doc if start <= t.idx < end]
    if not inside:
        return Parsed(frozenset(), frozenset(), frozenset())
    noun = inside[-1]
    narrowing = {
        obj.lemma_.lower()
        for prep in noun.children
        if prep.dep_ == "prep" and prep.idx >= end and prep.lower_ in _NARROWING
        for obj in prep.children
        if obj.dep_ == "pobj" and obj.pos_ != "NUM"
    }
    # From the counted noun, or from the number of an amount ("won" is a verb to the tagger).
    token, verbs = (noun if counted else inside[0]), set()
    for _ in range(6):  # up the parse from the figure to the verb it belongs to
        if token.pos_ == "VERB" and not start <= token.idx < end:
            verbs.add(token.lemma_.lower())
            break
        if token.head is token:
            break
        token = token.head
    places = {e.text.lower() for e in doc.ents if e.label_ in ("GPE", "LOC") and not start <= e.start_char < end}
    return Parsed(frozenset(verbs), frozenset(narrowing) if counted else frozenset(), frozenset(places))


def _other_events(a: frozenset[str], b: frozenset[str]) -> bool:
    """The verbs name two events known apart (a start and an end), not merely two verbs."""
    if a & b:
        return False
    ga = {i for i, group in enumerate(_SAME_EVENT) if a & group}
    gb = {i for i, group in enumerate(_SAME_EVENT) if b & group}
    return bool(ga and gb and not ga & gb)


def _same_event(a: frozenset[str], b: frozenset[str]) -> bool:
    if not a or not b or a & b:
        return True
    return any(a & group and b & group for group in _SAME_EVENT)
