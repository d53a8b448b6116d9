"""Answering: question + retrieved evidence + stored facts -> a short, cited answer.

1. Classify what the question asks for (money, count, date, entity, ...).
2. Score every sentence (evidence unit) of the top passages against the
   question (done by the retriever).
3. Among the facts of the wanted kind inside those sentences, pick the one
   whose sentence fits the question best and that is tied to the question's
   own terms (the counted noun, the row and column of a table, the entity
   type); a number the question itself states is never its answer.
4. Why/how questions are answered by the best evidence sentence(s).
5. Confidence mixes how well the best sentence matches (cosine and term
   coverage) with whether the question's specific terms (names, years) exist
   in the corpus at all; below the threshold the service says it did not
   find the answer and still shows the nearest passages.
6. Other sources that state the same quantity about the same subject with
   another value, in sentences about as relevant, are reported as conflicts
   (qa_service.answering.conflicts).
"""

from __future__ import annotations

import bisect
import re
import time
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import TYPE_CHECKING

from qa_service.answering.conflicts import find_conflicts
from qa_service.answering.conflicts import message as conflict_message
from qa_service.answering.explanations import explanation, span_coverage
from qa_service.answering.question_types import QuestionType, classify
from qa_service.answering.surroundings import surroundings_stems
from qa_service.answering.tables import Record, TableAnswer, best_table_answer
from qa_service.index.lexical import analyze
from qa_service.records import Evidence, Fact, Hit, Table
from qa_service.retrieval.retriever import Filters, ScoredUnit
from qa_service.schemas import AskResponse, Conflict, Passage
from qa_service.text.numbers import YEAR, numbers_in

if TYPE_CHECKING:
    from qa_service.answering.context import AnswerContext

# Answer type -> the fact kinds (qa_service.records.FactKind) that can answer it.
KINDS_FOR_ANSWER = {
    "money": ("money",),
    "count": ("count", "table_cell"),
    "percent": ("percent",),
    "area": ("area",),
    "population": ("population", "count"),
    "date": ("date", "period"),
    "entity": ("entity",),
}
_QUALIFIER_AFTER = re.compile(
    r"^(?:,?\s*(?:per (?:year|annum|month)|a year|annually|each year|every year|for (?:the )?(?:first|each|"
    r"\w+(?:-\w+)?) (?:years?|months?)(?: period)?|over (?:a|the) [\w-]+ (?:period|timeframe)|over \w+ years|"
    r"for \d+ years|in total|in all))+",
    re.I,
)
_QUALIFIER_BEFORE = re.compile(
    r"(?:approximately|about|around|almost|nearly|roughly|over|more than|less than|up to|some|only)\s+$", re.I
)
NOT_FOUND = "The corpus does not seem to hold the answer to this question; the nearest passages are shown."


@dataclass(frozen=True)
class Candidate:
    fact: Fact
    unit: ScoredUnit
    score: float


class FactLookup:
    """Facts by document, sorted by offset, to find those inside a sentence quickly."""

    def __init__(self, facts: list[Fact]) -> None:
        self._by_doc: dict[str, list[Fact]] = {}
        for fact in sorted(facts, key=lambda f: (f.doc_id, f.start)):
            self._by_doc.setdefault(fact.doc_id, []).append(fact)
        self._starts = {d: [f.start for f in fs] for d, fs in self._by_doc.items()}

    def within(self, doc_id: str, start: int, end: int) -> list[Fact]:
        facts = self._by_doc.get(doc_id, [])
        i = bisect.bisect_left(self._starts.get(doc_id, []), start)
        out = []
        while i < len(facts) and facts[i].start < end:
            if facts[i].end <= end:
                out.append(facts[i])
            i += 1
        return out


_ORDINAL = re.compile(
    r"\b(first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|\d{1,2}(?:st|nd|rd|th))\b", re.I
)


def _asked_ordinals(question: str) -> frozenset[str]:
    """Ordinals of the question right before a capitalised name or a plan-like noun ("the third CNLDP",
    "the First Plan"); "first" as an adverb does not count."""
    return frozenset(m.group(1).lower() for m in _ORDINAL.finditer(question) if _names_something(question, m.end()))


def _ordinal_fit(asked: frozenset[str], unit: ScoredUnit, service: AnswerContext) -> ScoredUnit:
    """A sentence about "the fourth plan" does not answer a question about the third: ordinals are stop words
    to the analyzer, so they are compared here."""
    if not asked:
        return unit
    said = {m.group(1).lower() for m in _ORDINAL.finditer(_unit_text(service, unit))}
    if not said:
        return unit
    delta = 0.1 if asked & said else -0.3
    return replace(unit, score=unit.score + delta)


def _names_something(text: str, pos: int) -> bool:
    after = text[pos : pos + 40].lstrip()
    return after[:1].isupper() or bool(
        re.match(
            r"(?:national |five-year |ten-year )?(?:plan|program|programme|phase|round|stage|period|project)s?\b",
            after,
            re.I,
        )
    )


@lru_cache(maxsize=65536)
def _stems(text: str | None) -> frozenset[str]:
    return frozenset(analyze(text or ""))


def _specific_terms(question: str) -> list[str]:
    """Names and numbers in the question (not its first word): the terms an answer must be about."""
    words = re.findall(r"[A-Za-z][\w&.-]*|\d[\d,.]*", question)
    out = [w for i, w in enumerate(words) if (i > 0 and w[0].isupper()) or w[0].isdigit()]
    return [t for w in out for t in analyze(w)]


_CLAUSE_BREAK = re.compile(r"[,;:()\t\n]|\s(?:and|but|while|whereas|from which|of which)\s")


def _clause(text: str, start: int, end: int, lo: int, hi: int) -> str:
    """The clause of ``text[lo:hi]`` around ``[start, end)``: a number belongs with the words next to it."""
    left = max((m.end() for m in _CLAUSE_BREAK.finditer(text, lo, start)), default=lo)
    right = next((m.start() for m in _CLAUSE_BREAK.finditer(text, end, hi)), hi)
    return text[left:right]


_TIME_UNIT = re.compile(r"\b(?:years?|months?|weeks?|days?|hours?|decades?)\b", re.I)
_MODIFIER = re.compile(
    r"\s(?:after|before|during|in|since|for|from|under|at|by|through|according to|per|between|within|among|"
    r"over|until|when|while|as)\s",
    re.I,
)


def _main_terms(question: str) -> frozenset[str]:
    """Terms of the question's main clause: "How many teams had their budgets cut | after the second-year
    review?" asks about budget cuts; the phrase after the first preposition only narrows it down."""
    words = question.split()
    head = " ".join(words[:3])
    match = _MODIFIER.search(question, len(head))
    return frozenset(analyze(question[: match.start()] if match else question))


def _term_weights(qterms: set[str], main_terms: frozenset[str]) -> dict[str, float]:
    if not main_terms or main_terms >= qterms:
        return dict.fromkeys(qterms, 1.0)
    return {t: 1.0 if t in main_terms else 0.5 for t in qterms}


def _fact_score(fact: Fact, unit: ScoredUnit, rank: int, qtype: QuestionType, qterms: set[str], qnums: set[float],
                clause_terms: set[str], main_terms: frozenset[str] = frozenset(),
                qyears: frozenset[str] = frozenset()):  # fmt: skip
    score = unit.score - 0.02 * (rank - 1)
    if qterms:
        weight = _term_weights(qterms, main_terms)
        score += 0.4 * sum(weight[t] for t in clause_terms & qterms) / sum(weight.values())
        if fact.kind in ("money", "count", "percent", "area", "population") and not clause_terms & qterms:
            score -= 0.15  # a figure whose own clause shares no word with the question measures something else
    if fact.value is not None and fact.kind != "date" and any(abs(fact.value - n) < 1e-9 for n in qnums):
        return None  # the question already states this number: it is not the answer
    if fact.kind in ("date", "period") and fact.date_start and any(str(int(n)) == fact.date_start[:4] for n in qnums):
        return None
    if fact.kind == "count" and qtype.duration and not _TIME_UNIT.search(fact.unit or ""):
        return None  # "how much time": a count of months or years answers it, a count of teams does not
    if fact.kind == "count" and fact.unit:
        score += 0.35 if _stems(fact.unit) & qterms or qtype.duration else -0.1
    if fact.kind in ("date", "period") and qtype.preposition:
        # "Since what year ...": the date the text introduces with the same word ("Since 1992, ...").
        score += (
            0.15
            if fact.context
            and re.search(rf"\b{qtype.preposition}\s+(?:the\s+)?{re.escape(fact.text)}", fact.context, re.I)
            else 0.0
        )
    if fact.kind == "table_cell":
        years = {y for y in (fact.row, fact.column) if y and YEAR.fullmatch(y.strip())}
        if years and qyears and not years & qyears:
            return None  # the cell is another year's than the one asked about
        row_hit = bool(_stems(fact.row) & qterms)
        col_hit = bool(_stems(fact.column) & qterms)
        score += 0.3 * row_hit + 0.3 * col_hit - (0.4 if not (row_hit and col_hit) else 0.0)
        if fact.value is None and qtype.answer_type == "count":
            return None
    if fact.kind == "money" and qtype.per_year:
        score += 0.1 if fact.per == "year" else -0.05
    if fact.kind == "entity":
        for name in (fact.text, fact.entity, *fact.aliases):
            stems = _stems(name)
            if stems and stems <= qterms:
                return None  # the question names this entity; its answer is another one
        if qtype.entity_type and fact.entity_type not in _TYPE_FITS.get(qtype.entity_type, {qtype.entity_type}):
            return None
        if qtype.entity_type is None and qtype.head and not _ends_with_head(fact, qtype.head):
            return None  # "What movement ...": only a name that ends in "Movement" answers it
        score += 0.3
    return score


# An agency question ("which body / organisation / agency") is answered by a committee or institution too.
_TYPE_FITS = {"agency": {"agency", "committee", "institution"}, "committee": {"committee", "agency"}}


def _ends_with_head(fact: Fact, head: str | None) -> bool:
    if not head:
        return False
    want = _stems(head)
    for name in (fact.entity, fact.text):
        words = re.findall(r"[A-Za-z]+", name or "")
        if words and _stems(words[-1]) & want:
            return True
    return False


def _answer_text(fact: Fact, doc_text: str) -> str:
    if fact.kind == "table_cell":
        return f"{fact.text} ({fact.entity}: {fact.row}, {fact.column})" if fact.entity else fact.text
    before = _QUALIFIER_BEFORE.search(doc_text[max(0, fact.start - 20) : fact.start])
    after = _QUALIFIER_AFTER.match(doc_text[fact.end : fact.end + 60])
    tail = doc_text[fact.end : fact.end + 80]
    span = re.match(r"^\s*(?:to|-|–|and)\s+[\w$.,]+(?:\s+(?:million|billion|trillion|thousand))?(?:\s+(?:dollars|won|"
                    r"USD|KRW|percent))?", tail) if fact.kind in ("money", "percent", "count") else None  # fmt: skip
    if span and re.search(r"\d|one|two|three|four|five|six|seven|eight|nine|ten", span.group(0)):
        text = fact.text + span.group(0)  # a range: "from three to five million dollars"
        after = _QUALIFIER_AFTER.match(doc_text[fact.end + len(span.group(0)) : fact.end + len(span.group(0)) + 60])
    else:
        text = fact.text
    text += after.group(0) if after else ""
    if before:
        text = before.group(0) + text
    if fact.kind == "entity":
        names = [fact.entity or ""] + [a for a in fact.aliases if a.isupper() and len(a) <= 10]
        extra = [n for n in dict.fromkeys(names) if n and n.lower() not in text.lower()]
        if extra:
            text = f"{text} ({', '.join(extra[:2])})"
    return " ".join(text.split())


_MANY_PARTS = re.compile(r"\b(?:each|every|split|broken down|break down|breakdown|by type|by size)\b", re.I)
_ASKED_NOUN = re.compile(r"\bhow many ([a-z][a-z-]+)", re.I)


def _parts(question: str, best: Candidate, lookup: FactLookup, service: AnswerContext) -> list[Fact]:
    """The counts of the best sentence that a many-part question asks for, in text order: "how many
    ministries and how many programs" wants both nouns; "how many projects of each size" every count of
    the same thing. A question with one part gets []."""
    asked = [set(analyze(n)) for n in _ASKED_NOUN.findall(question)]
    each = bool(_MANY_PARTS.search(question))
    if len(asked) < 2 and not each:
        return []
    idx = service.index.units
    chunk = service.index.chunks[best.unit.chunk]
    counts = [
        f for f in lookup.within(chunk.doc_id, int(idx.start[best.unit.unit]), int(idx.end[best.unit.unit]))
        if f.kind == "count"
    ]  # fmt: skip
    best_unit = _stems(best.fact.unit)
    out = []
    for fact in counts:
        unit = _stems(fact.unit)
        if fact is best.fact or (each and unit & best_unit) or any(unit & a for a in asked):
            out.append(fact)
    return out


def specific_weights(ctx: AnswerContext, question: str) -> tuple[dict[str, float], float]:
    """The question's names and numbers (index terms) weighted by IDF, and the rarest known term's IDF: rare names
    weigh more than common ones, and a term the corpus never uses weighs as much as its rarest."""
    specific = ctx.retriever.normalise_terms(_specific_terms(question))
    lexical = ctx.index.lexical
    top_idf = max((lexical.idf(t) for t in specific if lexical.known(t)), default=1.0) or 1.0
    return {t: lexical.idf(t) if lexical.known(t) else top_idf for t in specific}, top_idf


def missing_and_off(ctx: AnswerContext, weight: dict[str, float], chunk_index: int | None) -> tuple[float, float]:
    """The weighted shares of the question's names and numbers (``specific_weights``) that the corpus never uses,
    and that the surroundings of passage ``chunk_index`` never use (0 without a passage): a place, year or
    programme the corpus lacks, or a passage about something else."""
    lexical = ctx.index.lexical
    total = sum(weight.values()) or 1.0
    missing = sum(w for t, w in weight.items() if not lexical.known(t)) / total
    if chunk_index is None:
        return missing, 0.0
    here = surroundings_stems(ctx, chunk_index)
    return missing, sum(w for t, w in weight.items() if lexical.known(t) and t not in here) / total


def _confidence(question: str, top: ScoredUnit | None, service: AnswerContext, fact_found: bool, qtype) -> float:
    """How sure the answer is: match of the best sentence, less the question's names and years the corpus lacks
    (a place, year or program it never mentions) or the answering passage lacks (it is about something else)."""
    if top is None:
        return 0.0
    missing_share, off_share = missing_and_off(service, specific_weights(service, question)[0], top.chunk)
    chunk = service.index.chunks[top.chunk]
    here = surroundings_stems(service, top.chunk)  # the passage, its neighbours, section, title and author
    needs_fact = qtype.answer_type in ("money", "count", "percent", "area", "population", "date")
    c = 0.15 + 0.9 * max(0.0, top.cosine - 0.2) + 0.45 * top.coverage
    c += 0.1 if fact_found else (-0.25 if needs_fact else 0.0)
    c -= 0.8 * missing_share + 0.6 * off_share
    asked_years = frozenset(YEAR.findall(question))
    if chunk.kind != "table" and _other_years(asked_years, _unit_text(service, top)):
        c -= 0.6  # the sentence dates itself to other years than the question asks about
    elif asked_years - {t for t in here if t.isdigit()}:
        c -= 0.4  # neither the passage nor its neighbours mention a year the question asks about
    return round(min(1.0, max(0.0, c)), 3)


def _other_years(asked: frozenset[str], sentence: str) -> bool:
    """The question names years (``asked``), the sentence names years, and none of the question's."""
    said = set(YEAR.findall(sentence))
    return bool(asked and said and not asked & said)


def _unit_text(service: AnswerContext, unit: ScoredUnit) -> str:
    idx = service.index.units
    chunk = service.index.chunks[unit.chunk]
    return service.index.documents[chunk.doc_id].text[int(idx.start[unit.unit]) : int(idx.end[unit.unit])]


def _conflicts(best: Candidate, candidates: list[Candidate], service: AnswerContext) -> list[Conflict]:
    """Other documents that state the same quantity about the same subject with another value (see
    :mod:`qa_service.answering.conflicts`)."""
    return find_conflicts(best, candidates, service)


def _table_answer(
    service: AnswerContext, question: str, qtype: QuestionType, result, units: list[ScoredUnit]
) -> tuple[TableAnswer, ScoredUnit] | None:
    """A field read off a table row, when a table fits the question at least as well as any sentence."""
    chunks = service.index.chunks
    table_ids = {chunks[c].table_id for c in (*result.candidates, *(u.chunk for u in units))}
    tables = [service.prepared_table(t) for t in sorted(t for t in table_ids if t)]
    if not tables:
        return None
    idx = service.index.units
    qvec = result.qvec
    unit_of_row: dict[tuple[str, int], int | None] = {}

    def row_unit(table: Table, record: Record) -> int | None:
        key = (table.table_id, record.start)
        if key not in unit_of_row:
            unit_of_row[key] = next(
                (u for ci in service.table_chunks.get(table.table_id, ()) for u in idx.of_chunk(ci)
                 if idx.start[u] < record.end and idx.end[u] > record.start), None,
            )  # fmt: skip
        return unit_of_row[key]

    def similarity(table: Table, record: Record) -> float:
        u = row_unit(table, record)
        return float(idx.vectors[u] @ qvec) if u is not None else 0.0

    found = best_table_answer(
        question, qtype.answer_type, tables, service.index.lexical.idf, service.index.aliases.forms, similarity,
    )  # fmt: skip
    if found is None:
        return None
    text_coverage = max((u.coverage for u in units[:5] if chunks[u.chunk].kind != "table"), default=0.0)
    if found.coverage < text_coverage - 0.05:
        return None  # a sentence says more about the question than any table row
    u = row_unit(found.table, found.record)
    if u is None:
        return None
    cosine = float(idx.vectors[u] @ qvec)
    return found, ScoredUnit(u, int(idx.chunk_index[u]), cosine + 0.5 * found.coverage, cosine, found.coverage)


def _table_answer_text(found: TableAnswer) -> str:
    target, label = found.target, found.row[0]
    if target is label:
        about = "; ".join(f.value for f in found.row[1:])
        return f"{target.value} ({found.table.caption}: {about})" if about else target.value
    where = ", ".join(x for x in (label.value, target.header) if x)
    return f"{target.value} ({found.table.caption}: {where})" if where else target.value


def _passages(service: AnswerContext, hits: list[Hit], top_k: int, lead: ScoredUnit | None) -> list[Passage]:
    """The passages of an answer: the one it was read from first, with its sentence as the evidence."""
    if lead is None:
        return [service.passage(replace(h, rank=r)) for r, h in enumerate(_distinct(hits)[:top_k], start=1)]
    idx = service.index.units
    chunk = service.index.chunks[lead.chunk]
    s, e = int(idx.start[lead.unit]), int(idx.end[lead.unit])
    evidence = Evidence(
        start=s, end=e, text=service.index.documents[chunk.doc_id].text[s:e], score=round(lead.score, 4)
    )
    first = next((h for h in hits if h.chunk.chunk_id == chunk.chunk_id), None)
    first = replace(first, evidence=evidence) if first else Hit(chunk=chunk, score=0.0, evidence=evidence)
    ordered = _distinct([first, *(h for h in hits if h.chunk.chunk_id != chunk.chunk_id)])[:top_k]
    return [service.passage(replace(h, rank=r)) for r, h in enumerate(ordered, start=1)]


def _distinct(hits: list[Hit]) -> list[Hit]:
    """Hits without a repeat of an earlier one's evidence: overlapping chunks share their edge sentence."""
    seen: set[tuple[str, int, int]] = set()
    out = []
    for hit in hits:
        key = (hit.chunk.doc_id, hit.evidence.start, hit.evidence.end) if hit.evidence else None
        if key is None or key not in seen:
            out.append(hit)
            if key:
                seen.add(key)
    return out


def answer(
    service: AnswerContext, question: str, top_k: int = 5, filters: Filters | None = None, mode: str = "full",
    started: float | None = None, result=None, table=None, with_conflicts: bool = True,
) -> AskResponse:  # fmt: skip
    """Answer ``question`` from the index behind ``service`` (``result``: a retrieval already done for it;
    ``table``: its table answer, ``(found, unit)`` or ``False`` for none, when the caller has looked already;
    ``with_conflicts=False``: the same answer without looking for sources that disagree, as the learned
    answerer's signal needs no more)."""
    started = started or time.perf_counter()
    if result is None:
        result = service.retriever.retrieve(question, k=max(top_k, 8), filters=filters, mode=mode)
    timings = dict(result.timings)
    t = time.perf_counter()
    qtype = classify(question)
    qterms = set(analyze(question))  # the question's own words: alias expansions would match too much
    main_terms = _main_terms(question)
    qyears = frozenset(YEAR.findall(question))
    qnums = set(numbers_in(question))
    rank_of = {service.retriever_index(h.chunk.chunk_id): h.rank for h in result.hits}
    ordinals = _asked_ordinals(question)
    units = sorted(
        (_ordinal_fit(ordinals, u, service) for u in result.scored if u.chunk in rank_of), key=lambda u: -u.score
    )
    lookup = service.fact_lookup
    idx = service.index.units
    candidates: list[Candidate] = []
    kinds = KINDS_FOR_ANSWER.get(qtype.answer_type, ())
    if (
        qtype.answer_type == "entity"
        and qtype.entity_type is None
        and not qtype.head
        and not question.lower().startswith("who")
    ):
        kinds = ()  # no named-entity type we extract, no head noun to match names by: answer with the sentence
    for unit in units[:12] if kinds else []:
        chunk = service.index.chunks[unit.chunk]
        lo, hi = int(idx.start[unit.unit]), int(idx.end[unit.unit])
        text = service.index.documents[chunk.doc_id].text
        other_years = chunk.kind != "table" and _other_years(qyears, text[lo:hi])
        for fact in lookup.within(chunk.doc_id, lo, hi):
            if fact.kind not in kinds:
                continue
            clause = _stems(_clause(text, fact.start, fact.end, lo, hi))
            score = _fact_score(fact, unit, rank_of[unit.chunk], qtype, qterms, qnums, clause, main_terms, qyears)
            if score is not None and other_years:
                score -= 0.3  # a sentence about other years
            if score is not None:
                candidates.append(Candidate(fact, unit, score))
    candidates.sort(key=lambda c: -c.score)
    top_unit = units[0] if units else None
    best = candidates[0] if candidates else None
    if best is not None and top_unit is not None and best.unit.score < 0.6 * top_unit.score:
        best = None  # the fact sits in a sentence far weaker than the best one: do not trust it
    supporting: list[Fact] = []
    lead: ScoredUnit | None = None
    if table is None:
        table = _table_answer(service, question, qtype, result, units) if units else None
    table = table or None
    if table is not None and (best is None or best.fact.kind == "table_cell" or table[1].score >= best.unit.score):
        found_table, lead = table
        answer_text = _table_answer_text(found_table)
        answer_type = "table"
        target, label = found_table.target, found_table.row[0]
        doc_id = found_table.table.doc_id
        # The cell that answers, then its row's label: the other cells of the row are no part of the answer.
        supporting = [*lookup.within(doc_id, target.start, target.end)]
        if label is not target:
            supporting += [f for f in lookup.within(doc_id, label.start, label.end) if f not in supporting]
        conflicts = []
        confidence = _confidence(question, lead, service, True, qtype)
    elif best is not None:
        lead = best.unit
        doc_text = service.index.documents[best.fact.doc_id].text
        answer_text = _answer_text(best.fact, doc_text)
        answer_type = "table" if best.fact.kind == "table_cell" else qtype.answer_type
        supporting = [best.fact]
        parts = _parts(question, best, lookup, service) if best.fact.kind == "count" else []
        if len(parts) > 1:  # "How many of each size?": every count of the sentence that answers a part
            answer_text = "; ".join(_answer_text(f, doc_text) for f in parts)
            supporting = sorted(parts, key=lambda f: f is not best.fact)
        conflicts = _conflicts(best, candidates, service) if with_conflicts else []
        confidence = _confidence(question, best.unit, service, True, qtype)
    elif top_unit is not None:
        lead = top_unit
        answer_text, chosen = explanation(units, service, question)
        answer_type = "explanation"
        conflicts = []
        together = span_coverage(service, result.terms, chosen)
        basis = replace(top_unit, coverage=max(top_unit.coverage, together))
        confidence = _confidence(question, basis, service, False, qtype)
        chunk = service.index.chunks[top_unit.chunk]
        supporting = lookup.within(chunk.doc_id, int(idx.start[top_unit.unit]), int(idx.end[top_unit.unit]))
    else:
        answer_text, answer_type, conflicts, confidence = None, "none", [], 0.0
    found = answer_text is not None and confidence >= service.settings.abstain_threshold
    message = None
    if not found:
        message = NOT_FOUND
    elif conflicts:
        message = conflict_message(conflicts)
    for c in conflicts:
        supporting += [service.index_fact(s.fact.fact_id) for s in c.sides[1:]]
    timings["answer"] = round((time.perf_counter() - t) * 1000, 3)
    timings["total"] = round((time.perf_counter() - started) * 1000, 3)
    return AskResponse(
        question=question,
        found=found,
        answer=answer_text if found else None,
        answer_type=answer_type if found else "none",
        confidence=confidence,
        message=message,
        facts=[service.fact_out(f) for f in supporting if f is not None][:8],
        passages=_passages(service, result.hits, top_k, lead),
        conflicts=conflicts if found else [],
        timings_ms=timings,
    )
