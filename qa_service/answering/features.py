"""Features of (question, candidate) pairs: what the learned ranker weighs.

Every feature is general: similarity of the question to the candidate's sentence, where the question's words
sit around the candidate, whether the candidate is the kind of thing asked for and is about the focus noun,
whether years, ordinals and names agree, and how much of the question the corpus can speak to at all. None
names a document, a program or a figure.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

import numpy as np

from qa_service.answering.analysis import FIGURES, Part, QuestionAnalysis, asks_several
from qa_service.answering.candidates import Candidate
from qa_service.answering.context import AnswerContext
from qa_service.answering.qualifiers import agreement, marks, window
from qa_service.answering.rules import _ORDINAL, missing_and_off, specific_weights
from qa_service.index.lexical import analyze
from qa_service.text.glossary import korean_in_latin
from qa_service.text.numbers import YEAR, numbers_in

SOURCES = (
    "fact:money", "fact:count", "fact:percent", "fact:area", "fact:population", "fact:date", "fact:period",
    "fact:entity", "fact:table_cell", "span:ORG", "span:GPE", "span:PERSON", "span:DATE", "span:CARDINAL",
    "span:QUANTITY", "span:MONEY", "span:PERCENT", "span:NC", "span:LIST", "span:other", "table", "sentence",
    "sentences",
)  # fmt: skip
KINDS = ("money", "count", "percent", "area", "population", "date", "entity", "explanation")
_SOFT = {("population", "count"): 0.5, ("count", "population"): 0.5, ("area", "count"): 0.3}
CAUSE = re.compile(
    r"\b(?:because|due to|owing to|as a result|reasons?|thanks to|resulted? (?:from|in)|caused? by|led to|lack|"
    r"fail\w*|problems?|difficult\w*|weak\w*|insufficient|limited)\b",
    re.I,
)
_TOKEN = re.compile(r"[A-Za-z][A-Za-z'&-]*|\d[\d,.]*")
NUMERIC = (
    "u_score", "u_cosine", "u_coverage", "u_rank", "u_rel", "p_rank", "u_len", "c_len", "c_len_ratio", "c_numeric",
    "c_value_in_q", "c_in_q", "focus_match", "focus_in_cand", "focus_near", "focus_in_sentence", "q_near",
    "q_dist", "clause_overlap", "year_agree", "year_clash", "ordinal_agree", "names_in_sentence",
    "names_in_passage", "q_missing", "q_off", "verb_in_sentence", "row_hit", "col_hit", "prep_match",
    "c_position", "n_same_kind", "list_items", "scoped", "why_cause", "kind_match", "q_len", "multi_part",
    "c_has_unit_word", "c_is_year", "top_cosine", "top_coverage", "rules_agree", "rules_sentence",
    "focus_sim", "c_repeats", "clause_idf", "window_idf", "year_absent", "ctx_miss_max",
    "ctx_miss_share", "type_agree", "verb_near", "name_near", "year_near", "qual_agree", "qual_extra", "qual_clash",
    "list_want", "one_for_several", "c_inside", "c_outer", "c_acronym",
)  # fmt: skip
NAMES = (
    *NUMERIC,
    *(f"src={s}" for s in SOURCES),
    *(f"want={k}" for k in KINDS),
    *(f"src_want={s}|{k}" for s in ("sentence", "sentences", "span:LIST", "span:NC", "fact:entity", "span:ORG")
      for k in ("entity", "explanation")),
)  # fmt: skip
_INDEX = {n: i for i, n in enumerate(NAMES)}


@lru_cache(maxsize=65536)
def _stem(word: str) -> str | None:
    terms = analyze(word)
    return terms[0] if terms else None


@lru_cache(maxsize=65536)
def _label_stems(label: str) -> frozenset[str]:
    return frozenset(analyze(label))


@dataclass
class QuestionContext:
    """What every candidate of one question shares: the analysis and question-level signals."""

    analysis: QuestionAnalysis
    qnums: frozenset[float]
    missing: float  # IDF share of the question's names and numbers the corpus never uses
    off: float  # ... that neither the top passage nor its neighbours use
    scoped: bool  # the question named its source
    top_score: float
    top_cosine: float
    top_coverage: float
    names_stems: tuple[frozenset[str], ...]
    idf: dict[str, float] = field(default_factory=dict)  # of the question's terms
    rules_answer: str | None = None  # what the hand-written rules answer: one signal among the others
    rules_span: tuple[int, int] | None = None  # the evidence sentence the rules read it from
    memo: dict = field(default_factory=dict)  # what features() computes once per question, sentence or passage

    @cached_property
    def idf_total(self) -> float:
        return sum(self.idf.values())


def question_context(
    ctx: AnswerContext, analysis: QuestionAnalysis, top, scoped: bool, lead_chunk: int | None
) -> QuestionContext:
    weight, top_idf = specific_weights(ctx, analysis.text)
    missing, off = missing_and_off(ctx, weight, lead_chunk)
    lexical = ctx.index.lexical
    names = tuple(frozenset(analyze(n)) for n in analysis.names if analyze(n))
    return QuestionContext(
        analysis=analysis,
        qnums=frozenset(numbers_in(analysis.text)),
        missing=missing,
        off=off,
        scoped=scoped,
        top_score=top.score if top is not None else 0.0,
        top_cosine=top.cosine if top is not None else 0.0,
        top_coverage=top.coverage if top is not None else 0.0,
        names_stems=names,
        idf={t: lexical.idf(t) if lexical.known(t) else top_idf for t in analysis.terms},
    )


_ACRONYM = re.compile(r"\([A-Z][A-Za-z0-9&-]{1,9}\)?$")  # "Federal Ministry of Education and Research (BMBF)"
_ACRONYM_AFTER = re.compile(r"\s*\([A-Z][A-Za-z0-9&-]{1,9}\)")
_BREAK = re.compile(r"[,;:()\t\n]|\s(?:and|but|while|whereas)\s")


@dataclass
class SentenceView:
    """A candidate's sentence as tokens with offsets and stems (computed once per sentence)."""

    start: int
    tokens: list[tuple[int, int, str | None]]  # (start, end, stem)
    stems: frozenset[str]
    years: frozenset[str]
    ordinals: frozenset[str]
    text: str
    starts: list[int] = field(default_factory=list)  # of the tokens, for bisect
    ends: list[int] = field(default_factory=list)
    breaks: list[int] = field(default_factory=list)  # where its clauses break (document offsets)
    year_at: list[tuple[int, str]] = field(default_factory=list)  # (token index, year) of each year it states


def sentence_view(text: str, start: int) -> SentenceView:
    toks = [(start + m.start(), start + m.end(), _stem(m.group(0))) for m in _TOKEN.finditer(text)]
    starts = [t[0] for t in toks]
    stems = frozenset(s for _, _, s in toks if s)
    latin = korean_in_latin(text)  # a Korean sentence's words in English and its names romanized too
    return SentenceView(
        start=start,
        tokens=toks,
        stems=stems.union(analyze(latin)) if latin else stems,
        years=frozenset(YEAR.findall(text)),
        ordinals=frozenset(m.group(1).lower() for m in _ORDINAL.finditer(text)),
        text=text,
        starts=starts,
        ends=[t[1] for t in toks],
        breaks=[m.start() + start for m in _BREAK.finditer(text)],
        year_at=[(bisect_left(starts, start + m.start()), m.group(0)) for m in YEAR.finditer(text)],
    )


def _clause_bounds(view: SentenceView, start: int, end: int) -> tuple[int, int]:
    breaks = view.breaks
    i = bisect_left(breaks, start)
    left = breaks[i - 1] if i > 0 else view.start
    j = bisect_left(breaks, end)
    right = breaks[j] if j < len(breaks) else view.start + len(view.text)
    return left, right


def features(
    qc: QuestionContext, part: Part, cand: Candidate, view: SentenceView, passage_stems: frozenset[str],
    same_kind: int, focus_sim: float = 0.0, repeats: int = 1, context_stems: frozenset[str] | None = None,
    nest: tuple[float, float] = (0.0, 0.0),
) -> np.ndarray:  # fmt: skip
    """The feature vector (``NAMES`` order) of one candidate for one part of a question."""
    a = qc.analysis
    x = np.zeros(len(NAMES), dtype=np.float32)
    u = cand.unit
    qterms = a.terms
    tokens = view.tokens
    first = bisect_left(view.starts, cand.start)  # tokens wholly inside the candidate: first .. last-1
    last = first
    while last < len(tokens) and tokens[last][1] <= cand.end:
        last += 1
    cand_tokens = tokens[first:last]
    cand_stems = {t[2] for t in cand_tokens if t[2]}
    # the question's words a candidate states itself are no evidence that it answers (a name restating the
    # question), except a figure's own words: "61 small-scale project teams" and "61" read the same words around
    # them
    figure = cand.value is not None
    own = set() if figure else cand_stems
    focus = _stem(part.focus) if part.focus else None
    memo = qc.memo
    shared = memo.get((id(view), focus))  # views are kept per sentence (unit) while the question is answered
    if shared is None:  # what every candidate of this sentence shares, for this part
        values, positions = _sentence_values(qc, view, focus)
        shared = memo[(id(view), focus)] = (_as_arrays(values), positions)
    sentence, all_positions = shared
    # where the question's words sit around the candidate
    inside_end = bisect_left(view.starts, cand.end)
    positions = all_positions if figure else [i for i in all_positions if not first <= i < inside_end]
    c_first = first if first < len(tokens) else 0
    c_last = bisect_right(view.ends, cand.end) - 1
    if c_last < 0:
        c_last = c_first
    dists = [min(abs(p - c_first), abs(p - c_last)) for p in positions]
    near = sum(1 for d in dists if d <= 6)
    lo, hi = _clause_bounds(view, cand.start, cand.end)
    clause_stems = memo.get((id(view), lo, hi))
    if clause_stems is None:
        clause_stems = memo[(id(view), lo, hi)] = frozenset(
            t[2] for t in tokens[bisect_left(view.starts, lo) : bisect_left(view.starts, hi)] if t[2]
        )
    clause = clause_stems - own
    weights, wsum = _weights(qc)
    idf_total = qc.idf_total
    focus_near = 0.0
    if focus:
        after = [t[2] for t in view.tokens[c_last + 1 : c_last + 4]]
        before = [t[2] for t in view.tokens[max(0, c_first - 3) : c_first]]
        focus_near = 1.0 if focus in after else 0.5 if focus in before else 0.0
    kind_match = 1.0 if cand.kind == part.kind else _SOFT.get((part.kind, cand.kind), 0.0)
    here = context_stems if context_stems is not None else passage_stems
    passage = memo.get(("passage", here, passage_stems))
    if passage is None:
        passage = memo[("passage", here, passage_stems)] = _as_arrays(_passage_values(qc, here, passage_stems))
    x[sentence[0]] = sentence[1]  # what the candidate shares with its sentence and its passage, set first: a
    x[passage[0]] = passage[1]  # table cell's own year agreement below overrides its sentence's
    values = {
        "u_score": u.score,
        "u_cosine": u.cosine,
        "u_coverage": u.coverage,
        "u_rank": min(cand.unit_rank, 12) / 12,
        "u_rel": u.score / qc.top_score if qc.top_score > 0 else 0.0,
        "p_rank": min(cand.passage_rank, 10) / 10,
        "c_len": min(len(cand_tokens), 60) / 60,
        "c_len_ratio": len(cand_tokens) / max(1, len(view.tokens)),
        "c_numeric": float(figure),
        "c_value_in_q": float(figure and any(abs(cand.value - n) < 1e-9 for n in qc.qnums)),
        "c_in_q": len(own & qterms) / max(1, len(own)),
        "focus_match": float(bool(focus) and cand.head is not None and _stem(cand.head) == focus),
        "focus_in_cand": float(bool(focus) and focus in cand_stems),
        "focus_near": focus_near,
        "q_near": near / max(1, len(qterms)),
        "q_dist": (min(dists) if dists else 30) / 30,
        "clause_overlap": sum(weights[t] for t in clause & qterms) / wsum,
        "prep_match": _prep_match(a, view, cand),
        "c_position": (cand.start - view.start) / max(1, len(view.text)),
        "n_same_kind": min(same_kind, 6) / 6,
        "list_items": min(cand.text.count(",") + (" and " in cand.text), 8) / 8,
        "why_cause": float(a.why and bool(CAUSE.search(cand.text))),
        "kind_match": kind_match,
        "c_has_unit_word": float(bool(cand.head) and cand.kind in ("count", "population", "area")),
        "c_is_year": float(bool(YEAR.fullmatch(cand.text.strip()))),
        "clause_idf": _idf_share(clause, qc.idf, idf_total),
        "window_idf": _idf_share(
            {t[2] for t in view.tokens[max(0, c_first - 5) : c_last + 6] if t[2]} - own, qc.idf, idf_total
        ),
        "focus_sim": focus_sim,
        "c_inside": nest[0],
        "c_outer": nest[1],
        "c_acronym": float(
            cand.kind == "entity"
            and bool(_ACRONYM.search(cand.text) or _ACRONYM_AFTER.match(view.text, cand.end - view.start))
        ),
        "type_agree": type_agreement(part, cand),
        # how close the question's verb and its names sit ("when was the competition *announced*": the date
        # next to "announced", not the one next to "launched")
        "verb_near": _nearness(_anchor_positions(qc, view, "verb"), c_first, c_last),
        "name_near": _nearness(_anchor_positions(qc, view, "names"), c_first, c_last),
        "year_near": _year_nearness(a.years, view, first, inside_end, c_first, c_last),
        "c_repeats": min(repeats, 5) / 5,
        "rules_agree": _agrees(cand.text, qc.rules_answer),
        "rules_sentence": float(qc.rules_span is not None and qc.rules_span[0] <= cand.start < qc.rules_span[1]),
    }
    fact = cand.fact
    if fact is not None and fact.kind == "table_cell":
        row, col = _label_stems(fact.row or ""), _label_stems(fact.column or "")
        values["row_hit"] = len(row & qterms) / max(1, len(row))
        values["col_hit"] = len(col & qterms) / max(1, len(col)) if col else 0.0
        # A cell's year is in its row or column label ("2020", "Core grant 2019/20"); the other cells of its row
        # may be years of something else (a founding year), so the row's text says nothing about the cell's year.
        years = set(YEAR.findall(f"{fact.row or ''} {fact.column or ''}"))
        values["year_agree"] = float(bool(years & a.years))
        values["year_clash"] = float(bool(years and a.years and not years & a.years))
        values["year_near"] = values["year_agree"] - values["year_clash"]
    if cand.kind == "entity" and asks_several(part.text, part.focus):  # "which cities": a list, not one name
        values["list_want"] = values["list_items"]
        values["one_for_several"] = float(values["list_items"] == 0)
    if cand.kind in FIGURES and part.kind in FIGURES:
        if fact is not None and fact.kind == "table_cell":
            stated = marks(f"{fact.row or ''} {fact.column or ''}")
        else:
            stated = marks(window(view.text, cand.start - view.start, cand.end - view.start))
        values["qual_agree"], values["qual_extra"], values["qual_clash"] = agreement(marks(part.text), stated)
    for key, val in cand.extra:
        values[key] = val
    columns, row = _as_arrays(values)
    x[columns] = row  # one assignment, not one per feature
    src = cand.source if cand.source in SOURCES else ("span:other" if cand.source.startswith("span:") else None)
    if src:
        x[_INDEX[f"src={src}"]] = 1.0
    if part.kind in KINDS:
        x[_INDEX[f"want={part.kind}"]] = 1.0
    inter = f"src_want={cand.source}|{part.kind}"
    if inter in _INDEX:
        x[_INDEX[inter]] = 1.0
    return x


_COLUMNS: dict[tuple[str, ...], np.ndarray] = {}  # the feature columns of each set of names features() fills


def _as_arrays(values: dict[str, float]) -> tuple[np.ndarray, np.ndarray]:
    """``values`` as the feature columns they fill (looked up once per set of names) and their values."""
    columns = _COLUMNS.get(keys := tuple(values))
    if columns is None:
        columns = _COLUMNS[keys] = np.array([_INDEX[key] for key in keys], dtype=np.intp)
    return columns, np.fromiter(values.values(), dtype=np.float32, count=len(keys))


def _year_nearness(
    asked: frozenset[str], view: SentenceView, first: int, inside_end: int, c_first: int, c_last: int
) -> float:
    """Whether the year nearest the candidate is the one the question asks for ("KRW 142.0 billion (2016) -> KRW
    187.4 billion (2020)": for "in 2020" the second amount): 1 when it is (or the candidate states it), -1 when it
    is another year, 0 when the question asks no year or the sentence states none. Nearness counts tokens, and
    a strong break between (an arrow, a semicolon, a tab) as two more."""
    if not asked or not view.year_at:
        return 0.0
    best, year = None, None
    for i, y in view.year_at:
        if first <= i < inside_end:
            if y in asked:
                return 1.0
            continue
        lo, hi = (i, c_first) if i < c_first else (c_last, i)
        between = (
            view.text[view.tokens[lo][1] - view.start : view.tokens[hi][0] - view.start]
            if hi < len(view.tokens)
            else ""
        )
        d = hi - lo + 2 * len(_STRONG_BREAK.findall(between))
        if best is None or d < best:
            best, year = d, y
    if year is None:
        return 0.0
    return 1.0 if year in asked else -1.0


_STRONG_BREAK = re.compile(r"[;\t\u2192\u2190>|]|->|\.\s")


def _weights(qc: QuestionContext) -> tuple[dict[str, float], float]:
    """The question's terms weighted 1 in its main clause and 0.5 elsewhere, and their sum (once per question)."""
    found = qc.memo.get("weights")
    if found is None:
        a = qc.analysis
        weights = {t: (1.0 if t in a.main_terms else 0.5) for t in a.terms}
        found = qc.memo["weights"] = (weights, sum(weights.values()) or 1.0)
    return found


def _sentence_values(qc: QuestionContext, view: SentenceView, focus: str | None) -> tuple[dict, list[int]]:
    """Features every candidate of one sentence shares (for one focus noun), and the token positions of the
    question's terms in the sentence."""
    a = qc.analysis
    values = {
        "u_len": min(len(view.tokens), 80) / 80,
        "focus_in_sentence": float(bool(focus) and focus in view.stems),
        "year_agree": float(bool(a.years & view.years)),
        "year_clash": float(bool(a.years and view.years and not a.years & view.years)),
        "ordinal_agree": (1.0 if a.ordinals & view.ordinals else -1.0) if a.ordinals and view.ordinals else 0.0,
        "names_in_sentence": _share(qc.names_stems, view.stems),
        "verb_in_sentence": float(bool(a.verb) and _stem(a.verb or "") in view.stems),
        "q_missing": qc.missing,
        "q_off": qc.off,
        "scoped": float(qc.scoped),
        "q_len": min(len(a.text.split()), 40) / 40,
        "multi_part": float(a.multi_part),
        "top_cosine": qc.top_cosine,
        "top_coverage": qc.top_coverage,
    }
    return values, [i for i, t in enumerate(view.tokens) if t[2] in a.terms]


def _passage_values(qc: QuestionContext, here: frozenset[str], passage_stems: frozenset[str]) -> dict:
    """Features every candidate of one passage shares: the question's terms that the passage, its neighbours and
    its document's title never use (``here``): a question about another place, year or programme than the passage
    speaks of (the largest such term, and their share); the asked year and names in the passage."""
    a, idf = qc.analysis, qc.idf
    missing = [w for t, w in idf.items() if t not in here]
    return {
        "ctx_miss_max": max(missing, default=0.0) / (max(idf.values(), default=0.0) or 1.0),
        "ctx_miss_share": sum(missing) / (sum(idf.values()) or 1.0),
        "year_absent": float(bool(a.years) and not a.years & passage_stems),  # the asked year is not in the passage
        "names_in_passage": _share(qc.names_stems, passage_stems),
    }


# What sort of thing a focus noun or a name is, from plain English words: an organisation, a place, a person or a
# programme. "Which ministry" wants an organisation, and "Strategy for Germany" (a programme's words) is not one.
_TYPE_WORDS = {
    "org": "ministry ministries agency agencies organisation organization institute institution body committee council "
           "board foundation bureau office company companies firm corporation university universities college school "
           "department centre center association union cooperative fund bank authority commission government "
           "administration laboratory lab",
    "place": "city cities region province country state town district county island municipality capital village "
             "prefecture",
    "person": "person director minister president mayor founder designer author researcher professor chairman head "
              "official economist",
    "program": "program programme project initiative scheme plan strategy policy act law competition contest",
}  # fmt: skip
_TYPE_OF_WORD = {w: t for t, words in _TYPE_WORDS.items() for w in words.split()}
_TYPE_OF_LABEL = {"ORG": "org", "GPE": "place", "LOC": "place", "FAC": "place", "PERSON": "person", "LAW": "program"}


def _type_of_text(text: str) -> str | None:
    """The sort of thing a name is by its own words ("Ministry of Science and ICT": org), the last such word
    deciding ("Science Park Policy Research Office": org; "Innovation Cluster Programme": program)."""
    found = [_TYPE_OF_WORD[w] for w in re.findall(r"[a-z]+", text.lower()) if w in _TYPE_OF_WORD]
    return found[-1] if found else None


_WHO = re.compile(r"(?:[^?]{0,120}?,\s*)?(?:and\s+)?whom?\b", re.I)  # after a lead-in ("According to ..., who")


def type_agreement(part: Part, cand: Candidate) -> float:
    """1 when the candidate is the sort of thing the part's focus noun names, -1 when it is another sort, else 0."""
    if cand.kind != "entity":
        return 0.0
    wanted = _TYPE_OF_WORD.get(part.focus or "")
    if wanted is None and part.focus is None and _WHO.match(part.text):
        wanted = "agent"  # "who headed ...", "who funded ...": a person or an organisation
    if wanted is None:
        return 0.0
    got = _type_of_text(cand.text) or _TYPE_OF_LABEL.get(cand.source.partition(":")[2])
    if got is None:
        return 0.0
    return 1.0 if got == wanted or (wanted == "agent" and got in ("person", "org")) else -1.0


def _anchor_positions(qc: QuestionContext, view: SentenceView, what: str) -> list[int]:
    """Token positions in ``view`` of the question's main verb (``what="verb"``) or of its names' words."""
    key = (id(view), "anchor", what)
    found = qc.memo.get(key)
    if found is None:
        if what == "verb":
            stems = {_stem(qc.analysis.verb)} - {None} if qc.analysis.verb else set()
        else:
            stems = set().union(*qc.names_stems) if qc.names_stems else set()
        found = qc.memo[key] = [i for i, t in enumerate(view.tokens) if t[2] in stems] if stems else []
    return found


def _nearness(positions: list[int], first: int, last: int) -> float:
    """1 / (1 + tokens between the candidate and the nearest position), 0 without one."""
    outside = [p for p in positions if p < first or p > last]
    if not outside:
        return 0.0
    return 1.0 / (1.0 + min(first - p if p < first else p - last for p in outside))


def _share(names: tuple[frozenset[str], ...], stems: frozenset[str]) -> float:
    if not names:
        return 0.0
    return sum(1 for n in names if n <= stems) / len(names)


def _prep_match(a: QuestionAnalysis, view: SentenceView, cand: Candidate) -> float:
    prep = a.qtype.preposition
    if not prep or cand.kind != "date":
        return 0.0
    before = view.text[max(0, cand.start - view.start - 12) : cand.start - view.start].lower()
    return 1.0 if re.search(rf"\b{prep}\s+(?:the\s+)?$", before) else 0.0


@lru_cache(maxsize=65536)
def _numbers(text: str) -> frozenset[float]:
    return frozenset(numbers_in(text))


@lru_cache(maxsize=65536)
def _form(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower().replace(",", "")))


@lru_cache(maxsize=65536)
def _agrees(text: str, other: str | None) -> float:
    """1 when the candidate and the rules' answer say the same (one holds the other), 0.5 when they share a number."""
    if not other:
        return 0.0
    a, b = _form(text), _form(other)
    if not a or not b:
        return 0.0
    if a == b or (len(a) >= 3 and f" {a} " in f" {b} ") or (len(b) >= 3 and f" {b} " in f" {a} "):
        return 1.0
    na, nb = _numbers(text), _numbers(other)
    return 0.5 if na and na & nb else 0.0


def _idf_share(stems: set[str], idf: dict[str, float], total: float) -> float:
    """IDF-weighted share of the question's terms among ``stems`` (``total``: the sum of ``idf``)."""
    return sum(w for t, w in idf.items() if t in stems) / total if total else 0.0
