"""The learned answerer: question analysis -> candidates -> features -> trained scorer -> calibrated answer.

``prepare`` does everything up to the feature matrices (the trainer uses it too, so training and serving
compute the same features); ``LearnedAnswerer.answer`` scores, picks one candidate per part of the question,
joins multi-part answers ("about 70,000 residents and 33,000 jobs"), and abstains when the calibrated
probability of being right is below the threshold chosen on held-out folds.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from functools import cached_property, lru_cache

import numpy as np

from qa_service.answering import rules
from qa_service.answering.analysis import FIGURE_KINDS, Part, QuestionAnalysis, analyse
from qa_service.answering.candidates import (
    Candidate,
    cell_answer,
    cell_kind,
    generate,
    is_date_cell,
    is_evidence,
    unit_text,
)
from qa_service.answering.conflicts import RELEVANCE, find_conflicts
from qa_service.answering.conflicts import message as conflict_message
from qa_service.answering.context import AnswerContext
from qa_service.answering.currency import asked_currency, stated_currency
from qa_service.answering.features import (
    CAUSE,
    KINDS,
    NAMES,
    QuestionContext,
    features,
    question_context,
    sentence_view,
)
from qa_service.answering.ranker import CONFIDENCE_FEATURES, PROBABILITY_KINDS, Ranker
from qa_service.answering.surroundings import surroundings_stems
from qa_service.facts.dates import MONTH
from qa_service.index.lexical import analyze
from qa_service.index.spans import UnitSpans
from qa_service.retrieval.retriever import Filters, ScoredUnit, SearchResult
from qa_service.schemas import AskResponse
from qa_service.text.glossary import searchable
from qa_service.text.numbers import YEAR_DIGITS, numbers_in

NOT_FOUND = "The corpus does not seem to hold the answer to this question; the nearest passages are shown."
TENTATIVE = "Not sure: the closest passage says this."
PASSAGES = 8  # passages retrieved, whose best sentences (candidates.MAX_UNITS) yield candidates


@dataclass
class Prepared:
    """One question, ready to score: its candidates and, per part, their feature matrix."""

    analysis: QuestionAnalysis
    result: SearchResult
    units: list[ScoredUnit]
    candidates: list[Candidate]
    matrices: list[np.ndarray]  # one (n_candidates, n_features) matrix per part
    qc: QuestionContext

    @cached_property
    def facts(self) -> list:
        """Per candidate, the stored fact it states (``candidate_facts``), found once per question."""
        return candidate_facts(self.candidates)

    @cached_property
    def never(self) -> list[np.ndarray]:
        """Per part, which candidates it can never take (``_never_for``), found once per question."""
        n = len(self.candidates)
        return [np.fromiter((_never_for(p, c) for c in self.candidates), dtype=bool, count=n)
                for p in self.analysis.parts]  # fmt: skip


def prepare(
    ctx: AnswerContext, spans: UnitSpans | None, question: str, top_k: int = 5, filters: Filters | None = None,
    mode: str = "full", scoped: bool = False, prune: bool = True,
) -> Prepared:  # fmt: skip
    """Retrieve, analyse the question, generate candidates and their features.

    With ``prune`` (answering), a candidate that no part of the question can ever take (``_never_for``: about
    half of them) gets a row of zeros instead of its features, and ``part_scores`` gives it no score: the
    answer is the same and features cost half. Training keeps every row (``prune=False``): the scorer learns
    from the ruled-out candidates too (trained on the allowed ones only, cross-validated top-1 fell 0.699 ->
    0.667, 2026-12-07)."""
    result = ctx.retriever.retrieve(question, k=max(top_k, PASSAGES), filters=filters, mode=mode)
    analysis = analyse(question)
    rank_of = {ctx.retriever_index(h.chunk.chunk_id): h.rank for h in result.hits}
    units = sorted((u for u in result.scored if u.chunk in rank_of and is_evidence(ctx.index.chunks[u.chunk])),
                   key=lambda u: -u.score)  # fmt: skip
    candidates = generate(ctx, spans, units, rank_of)
    table = rules._table_answer(ctx, question, analysis.qtype, result, units) if units else None
    if table is not None:
        found, unit = table
        target = found.target
        text = cell_answer(target.value, None, target.header)  # short: the cell; its row is in the citation
        row_hit = float(found.coverage)
        candidates.append(Candidate("table", cell_kind(text), text,
                                    found.table.doc_id, target.start, target.end, unit, 0,
                                    rank_of.get(unit.chunk, 99), None, None, None,
                                    (("row_hit", row_hit), ("col_hit", float(found.score))),))  # fmt: skip
    top = units[0] if units else None
    qc = question_context(ctx, analysis, top, scoped, top.chunk if top else None)
    old = rules.answer(
        ctx,
        question,
        top_k=top_k,
        filters=filters,
        mode=mode,
        result=result,
        table=table or False,
        with_conflicts=False,
    )
    if old.answer:
        qc.rules_answer = old.answer
        ev = old.passages[0].evidence if old.passages else None
        qc.rules_span = (ev.start, ev.end) if ev else None
    prep = Prepared(analysis, result, units, candidates, [], qc)
    keep = (~np.logical_and.reduce(prep.never)).tolist() if prune and analysis.parts else None
    prep.matrices = featurize(ctx, spans, prep, keep)
    return prep


def featurize(
    ctx: AnswerContext, spans: UnitSpans | None, prep: Prepared, keep: list[bool] | None = None
) -> list[np.ndarray]:
    """One feature matrix per part of the question (rows: ``prep.candidates``; a row of zeros for a candidate
    that ``keep`` leaves out)."""
    candidates, analysis, qc = prep.candidates, prep.analysis, prep.qc
    memo = spans.memo if spans is not None else {}
    views = memo.setdefault("views", {})
    passage_stems = memo.setdefault("passage_stems", {})
    same_kind: dict[tuple[int, str], int] = {}
    repeats: dict[str, int] = {}
    norms: dict[int, str] = {}
    for c in candidates:
        same_kind[(c.unit.unit, c.kind)] = same_kind.get((c.unit.unit, c.kind), 0) + 1
        norm = norms[id(c)] = _norm(c.text)
        repeats[norm] = repeats.get(norm, 0) + 1
    heads = {c.head for c in candidates if c.head}
    nests = nesting(candidates)
    matrices = []
    for part in analysis.parts:
        sims = head_similarities(ctx, memo, part.focus, heads)
        rows = []
        for n, c in enumerate(candidates):
            if keep is not None and not keep[n]:
                rows.append(None)
                continue
            u = c.unit.unit
            if u not in views:
                idx = ctx.index.units
                views[u] = sentence_view(unit_text(ctx, u), int(idx.start[u]))
            if c.unit.chunk not in passage_stems:
                passage_stems[c.unit.chunk] = frozenset(analyze(searchable(ctx.index.chunks[c.unit.chunk].text)))
            rows.append(features(qc, part, c, views[u], passage_stems[c.unit.chunk], same_kind[(u, c.kind)],
                                 sims.get(c.head, 0.0) if c.head else 0.0, repeats[norms[id(c)]],
                                 surroundings_stems(ctx, c.unit.chunk, other_forms=False), nests[n]))  # fmt: skip
        if not rows:
            matrices.append(np.zeros((0, 1), dtype=np.float32))
            continue
        blank = np.zeros(len(NAMES), dtype=np.float32)
        matrices.append(np.vstack([blank if r is None else r for r in rows]))
    return matrices


NEVER = -1e9  # the score of a candidate a part can never take (``part_scores``)


def part_scores(prep: Prepared, scorer) -> list[np.ndarray]:
    """Per part, the scorer's score of each candidate, ``NEVER`` for those the part can never take."""
    out = []
    for mat, never in zip(prep.matrices, prep.never, strict=True):
        if not len(mat) or mat.shape[1] <= 1:
            out.append(np.zeros(0))
            continue
        out.append(np.where(never, NEVER, np.asarray(scorer.score(mat), dtype=np.float64)))
    return out


MAX_WORD_VECTORS = 50_000
WARM_HEADS = 3_000  # head nouns embedded at start-up (about a second on 2 cores)


def _norm(text: str) -> str:
    return " ".join(text.lower().replace(",", "").split())


def word_vectors(ctx: AnswerContext, memo: dict, words, batch_size: int = 64) -> dict[str, np.ndarray]:
    """The memo's vectors of single words from the embedding model, after embedding those of ``words`` it lacks
    (the memo is emptied past ``MAX_WORD_VECTORS``)."""
    vecs = memo.setdefault("word_vecs", {})
    missing = [w for w in words if w not in vecs]
    if missing:
        if len(vecs) + len(missing) > MAX_WORD_VECTORS:
            vecs.clear()
        encoded = ctx.retriever.embedder.encode(missing, batch_size=batch_size)
        for word, vec in zip(missing, encoded, strict=True):
            vecs[word] = np.asarray(vec, dtype=np.float32)
    return vecs


def head_similarities(ctx: AnswerContext, memo: dict, focus: str | None, heads: set[str]) -> dict[str, float]:
    """Cosine of the focus noun to each candidate's head noun ("companies" ~ "firms"), from the embedding model;
    word vectors are kept once computed (the words of one corpus are few)."""
    if not focus or not heads:
        return {}
    vecs = word_vectors(ctx, memo, {focus, *heads})
    f = vecs[focus]
    return {h: float(vecs[h] @ f) for h in heads}


def nesting(candidates: list[Candidate]) -> list[tuple[float, float]]:
    """Per candidate: (1 if a longer name of its sentence holds it, 1 if it holds a shorter one): "New Energy"
    inside "New Energy and Industrial Technology Development Organization"."""
    out = [(0.0, 0.0)] * len(candidates)
    by_unit: dict[int, list[int]] = {}
    for n, c in enumerate(candidates):
        if c.kind == "entity" and not c.source.startswith("sentence"):
            by_unit.setdefault(c.unit.unit, []).append(n)
    for members in by_unit.values():
        if len(members) < 2:
            continue
        start = np.array([candidates[n].start for n in members])
        end = np.array([candidates[n].end for n in members])
        size = end - start
        # holds[i, j]: name j lies within name i and is shorter
        holds = (start[:, None] <= start[None, :]) & (end[None, :] <= end[:, None]) & (size[None, :] < size[:, None])
        inside, outer = holds.any(axis=0), holds.any(axis=1)
        for k, n in enumerate(members):
            out[n] = (float(inside[k]), float(outer[k]))
    return out


def choose(prep: Prepared, scores: list[np.ndarray]) -> list[tuple[Part, int, float, float]]:
    """Per part: (part, index of the best candidate, its score, the runner-up's score); parts share no candidate.

    The parts of a many-part question are chosen together: the set of candidates, one per part, none
    overlapping another, with the highest total score (so a count question's first part does not take the
    percentage its second part asks for, leaving the second a worse one).

    Never chosen: a name made only of the question's own words (it restates the question); a table cell
    whose row or column is another year than the one the question asks for (a table says which year each cell
    is, so that cell is known not to answer); an amount in another currency than the one asked; and what a
    part's question can never take (``_never_for``)."""
    ruled_out: set[int] = set(_ruled_out(prep))
    cands = prep.candidates
    options = []  # per part that has any: (part, its scores, its allowed candidates best first)
    for part, s, never in zip(prep.analysis.parts, scores, prep.never, strict=True):
        order = []  # the best allowed candidates, enough for the joint choice and a runner-up
        for i in np.argsort(-s).tolist():
            if i not in ruled_out and not never[i]:
                order.append(i)
                if len(order) > JOINT_TOP:
                    break
        if order:
            options.append((part, s, order))
    best = _best_assignment(cands, [(s, order[:JOINT_TOP]) for _, s, order in options])
    out = []
    for (part, s, order), pick in zip(options, best, strict=True):
        if pick is None:
            continue
        second = next((float(s[i]) for i in order if i != pick), 0.0)
        out.append((part, pick, float(s[pick]), second))
    return out


JOINT_TOP = 8  # candidates per part considered when the parts are chosen together


def _best_assignment(cands: list[Candidate], options: list[tuple[np.ndarray, list[int]]]) -> list[int | None]:
    """One candidate per part (None where none is left), pairwise distinct, not overlapping and not the same text
    found in two places, with the highest total score; parts are few (two or three) and each brings its
    ``JOINT_TOP`` best, so trying every combination is cheap."""
    if len(options) == 1:
        return [options[0][1][0]]

    def clash(i: int, j: int) -> bool:
        a, b = cands[i], cands[j]
        if i == j or (a.doc_id == b.doc_id and a.start < b.end and b.start < a.end):
            return True
        return _norm(a.text) == _norm(b.text)  # the same figure stated twice is one answer, not two parts' answers

    best: tuple[float, list[int | None]] = (-np.inf, [None] * len(options))

    def walk(picks: list[int | None], total: float) -> None:
        nonlocal best
        n = len(picks)
        if n == len(options):
            if total > best[0]:
                best = (total, picks)
            return
        s, order = options[n]
        free = [i for i in order if not any(j is not None and clash(i, j) for j in picks)]
        for i in free:
            walk([*picks, i], total + float(s[i]))
        if not free:
            walk([*picks, None], total)  # nothing left for this part: the others still answer

    walk([], 0.0)
    return best[1]


# A part asking "how much/many/large" or "what share/amount/number" wants an amount, whatever its focus noun.
_AMOUNT_QUESTION = re.compile(
    r"^(?:\w+\W+){0,3}?how (?:much|many|large|big|high)\b|\bwhat (?:percentage|share|proportion|amount|number|sum)\b",
    re.I,
)
# A part asking "which/who X" or for a name wants a name: never a figure or a date, whatever it scores.
_NAME_QUESTION = re.compile(r"^(?:\w+\s+){0,2}(?:which|who|whom|whose)\b|\b(?:called|named|the name of)\b", re.I)
# A part asking "where" wants a place (whatever kind the question's form was read as): never a figure or a date.
_WHERE_QUESTION = re.compile(r"^(?:and\s+|from\s+)?where\b", re.I)
# A part asking "when" or "in what year" wants a date: never a candidate with no year and no month in it.
_WHEN_QUESTION = re.compile(r"^(?:\w+\s+){0,2}(?:when|since when|by when|(?:in )?what (?:year|month|date))\b", re.I)
_DATE_TEXT = re.compile(rf"\b{YEAR_DIGITS}s?\b|['’]\d\d\b|\b{MONTH}\b", re.I)
# A part asking "why" wants a reason: a sentence, never a bare figure, date or name.
_WHY_QUESTION = re.compile(r"^(?:\w+\W+){0,4}?(?:why|for what reasons?|what went wrong)\b", re.I)


def _never_for(part: Part, c: Candidate) -> bool:
    """Candidates a part's question can never take: a sentence or a table row label for a figure or a date (see
    ``_not_a_figure``), a name that states no amount for a figure; a figure or a date for a name
    (``_NAME_QUESTION``). Measured 2026-12-07 over the 556 training questions, cross-validated: the last rule
    +0.4 points of top-1; applied to every entity-kind part, including "what X" questions whose kind was read
    from the focus noun alone, it gained nothing. By the question word, whatever kind was read: "why" takes only a
    sentence, "when" only a text with a year or a month, "where" no figure; a money or share question takes no
    date. These (with the focus-noun fixes in analysis.py) moved cross-validated top-1 from 0.682 to 0.690 and
    answer accuracy from 0.672 to 0.684 (2026-12-07, session 21)."""
    if c.kind == "explanation" and _row_of_figures(c.text):
        return True  # a table row read as a sentence answers nothing as a sentence (its cells are candidates)
    asks = _asks(part.text, part.kind)
    if asks == "why":
        return c.kind != "explanation"  # a reason is prose
    if asks == "when" and not _DATE_TEXT.search(c.text):
        return True
    if asks == "name":
        return c.kind in FIGURE_KINDS or _figure_like(c.text)
    if part.kind in FIGURE_KINDS:
        # a question that surely wants an amount ("how much/many", a budget, a share) takes no name that states
        # none; "what technology area ..." is not sure ("area" can be a field)
        return (
            _not_a_figure(c)
            or (asks == "amount" and c.kind == "entity" and not _has_amount(c.text))
            # "the budget in 2014": not "2015"; "how large is the site": not "2005", nor a table's "28 June 2024"
            or (
                (c.kind == "date" or (_from_table(c) and is_date_cell(c.text)))
                and (part.kind in ("money", "percent") or asks == "amount")
            )
        )
    return False


@lru_cache(maxsize=4096)
def _asks(text: str, kind: str) -> str:
    """What a part's question word rules in (read once per part, not once per candidate): "why", "when", "name"
    (where / which / who), "amount" (a figure question that surely wants one), or ""."""
    asked = text.strip()
    if _WHY_QUESTION.search(asked) or _KOREAN_WHY.search(asked):
        return "why"
    if _WHEN_QUESTION.search(asked) or _KOREAN_WHEN.search(asked):
        return "when"
    if _WHERE_QUESTION.search(asked) or (
        kind == "entity" and (_NAME_QUESTION.search(asked) or _KOREAN_NAME.search(asked))
    ):
        return "name"
    amount = _AMOUNT_QUESTION.search(text) or _KOREAN_AMOUNT.search(text)
    if kind in ("money", "percent") or (kind in FIGURE_KINDS and kind != "date" and amount):
        return "amount"
    return ""


# The same question words in Korean: 왜 / 이유 (why), 언제 / 몇 년 (when), 어디 / 누구 (where, who), 얼마 / 몇 개
# (how much, how many).
_KOREAN_WHY = re.compile(r"왜|이유는")
_KOREAN_WHEN = re.compile(r"언제|몇\s*년(?!\s*간)|몇\s*월")
_KOREAN_NAME = re.compile(r"어디|누구|어느\s*(?:지역|도시|기관|부처|나라|회사|대학)")
_KOREAN_AMOUNT = re.compile(r"얼마|몇\s*(?:개|명|곳|건|팀|%|퍼센트|배)")


_FIGURE_WORDS = re.compile(
    rf"\b(?:{MONTH}|fy|q[1-4]|h[12]|thousand|million|billion|trillion|percent|per cent|"
    r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|dozen|hundred)\b|[\d\W_]",
    re.I,
)


_FRACTION = re.compile(r"\b(?:half|third|quarter|fifth|tenth)s?\b", re.I)


_BARE_FIGURE = re.compile(r"^[\d.,%()\-–]+$")


@lru_cache(maxsize=65536)  # asked once per part of every question the text is a candidate of
def _row_of_figures(text: str) -> bool:
    """A table row read as a sentence ("2012 301 3,231 126,700 50.4"): at least half its words bare figures."""
    words = text.split()
    return len(words) >= 3 and 2 * sum(bool(_BARE_FIGURE.match(w)) for w in words) >= len(words)


@lru_cache(maxsize=65536)  # asked once per part of every question the text is a candidate of
def _has_amount(text: str) -> bool:
    """Whether a text states an amount at all: a number, a number word or a fraction ("a third")."""
    return bool(numbers_in(text)) or bool(_FRACTION.search(text))


@lru_cache(maxsize=65536)  # asked once per part of every question the text is a candidate of
def _figure_like(text: str) -> bool:
    """Only a date or a number ("Aug. 2019", "August", "two"): no name, whatever source read it."""
    return not _FIGURE_WORDS.sub("", text).strip()


def _from_table(c: Candidate) -> bool:
    return c.source in ("table", "fact:table_cell")


def _not_a_figure(c: Candidate) -> bool:
    """A sentence, or a table field with no digit in it (a row label): no answer to "how much" or "when"."""
    if c.kind == "explanation":
        return True
    return _from_table(c) and not any(ch.isdigit() for ch in c.text)


def _ruled_out(prep: Prepared) -> list[int]:
    if not prep.matrices or prep.matrices[0].shape[1] <= 1:
        return []
    from qa_service.answering.features import NAMES

    m = prep.matrices[0]
    clash, in_q = m[:, NAMES.index("year_clash")], m[:, NAMES.index("c_in_q")]
    years = bool(prep.analysis.years)

    currency = asked_currency(prep.analysis.text)

    def other_currency(i: int, c: Candidate) -> bool:
        if not currency or c.kind != "money":
            return False
        fact = prep.facts[i]
        unit = fact.unit if fact is not None and fact.kind == "money" and fact.unit else stated_currency(c.text)
        return unit is not None and unit != currency

    return [i for i, c in enumerate(prep.candidates)
            if in_q[i] >= 1.0 or (years and clash[i] > 0 and _from_table(c)) or other_currency(i, c)]  # fmt: skip


def top_share(scores: list[np.ndarray], picks: list[tuple[Part, int, float, float]], kind: str) -> float:
    """The softmax share of each part's chosen candidate among that part's candidates (the least over parts):
    near 1 when one candidate stands out, near 1/n when many score alike. A candidate the part can never take
    (score ``NEVER``) has no share."""
    shares = []
    for n, (_, i, _, _) in enumerate(picks):
        s = np.asarray(scores[n], dtype=np.float64)
        s = np.concatenate([s[i : i + 1], s[s > NEVER]])  # [0]: the pick (also among the others)
        if kind in PROBABILITY_KINDS:  # back to log-odds
            p = np.clip(s, 1e-9, 1 - 1e-9)
            s = np.log(p / (1 - p))
        z = s - s[1:].max()
        shares.append(float(np.exp(z[0]) / np.exp(z[1:]).sum()))
    return min(shares, default=0.0)


def confidence_vector(
    prep: Prepared, picks: list[tuple[Part, int, float, float]], matrix_kind_match: float, share: float = 0.0
) -> np.ndarray:
    """The signals the calibrator reads (``CONFIDENCE_FEATURES`` order): the scores, how much of the question the
    corpus and the answer's sentence speak to, and whether the years agree."""
    from qa_service.answering.features import NAMES

    top = min((p[2] for p in picks), default=0.0)
    margin = min((p[2] - p[3] for p in picks), default=0.0)
    qc = prep.qc

    def col(name: str) -> float:
        j = NAMES.index(name)
        return min((float(prep.matrices[n][i, j]) for n, (_, i, _, _) in enumerate(picks)), default=0.0)

    values = {"top": top, "margin": margin, "q_missing": qc.missing, "q_off": qc.off, "top_cosine": qc.top_cosine,
              "top_coverage": qc.top_coverage, "kind_match": matrix_kind_match,
              "names_in_sentence": col("names_in_sentence"), "names_in_passage": col("names_in_passage"),
              "year_agree": col("year_agree"), "year_clash": col("year_clash"), "focus_sim": col("focus_sim"),
              "n_years": float(len(prep.analysis.years)), "share": share,
              "year_absent": col("year_absent"), "ctx_miss_max": col("ctx_miss_max"),
              "ctx_miss_share": col("ctx_miss_share"),
              **{f"kind={k}": float(prep.analysis.kind == k) for k in KINDS},
              "korean": float(prep.analysis.korean), "many_parts": float(prep.analysis.multi_part)}  # fmt: skip
    return np.asarray([values[k] for k in CONFIDENCE_FEATURES], dtype=np.float64)


def shown_text(prep: Prepared, i: int, part: Part | None = None) -> str:
    """The answer as shown for candidate ``i``: a bare number that starts a stored fact of the same value takes
    that fact's words ("26,768" -> "26,768 companies"), so the answer carries its unit whichever reading of the
    figure scored best; a name read by the parser inside a stored entity that names what the question asks for
    takes the entity's full name ("Education", asked "which ministry", -> "Education ministry (Ministry of
    Education and Human Resources Development, MEHRD)"), and not otherwise ("Seoul", asked "which city", stays
    "Seoul" inside "Seoul National University")."""
    c = prep.candidates[i]
    fact = prep.facts[i]
    if (
        part is not None
        and part.focus
        and c.fact is None
        and c.kind == "entity"
        and c.source.startswith("span:")
        and fact is not None
        and fact.kind == "entity"
    ):
        holder = _holder_of(prep, fact)
        if (
            holder is not None
            and len(holder.text) > len(c.text)
            and set(analyze(part.focus)) <= set(analyze(holder.text))
        ):
            return holder.text
    if (
        c.fact is None
        and fact is not None
        and c.value is not None
        and fact.start == c.start
        and fact.value is not None
        and abs(fact.value - c.value) < 1e-9 * max(1.0, abs(c.value))
    ):
        holder = _holder_of(prep, fact)
        if holder is not None:
            return holder.text
    return c.text


def _holder_of(prep: Prepared, fact) -> Candidate | None:
    """The candidate that states ``fact`` itself (its words, as the fact reads)."""
    return next((o for o in prep.candidates if o.fact is fact), None)


def joined_answer(prep: Prepared, picks: list[tuple[Part, int, float, float]]) -> str:
    texts = list(dict.fromkeys(shown_text(prep, i, part) for part, i, _, _ in picks))
    if len(texts) == 1:
        return texts[0]
    return ", ".join(texts[:-1]) + " and " + texts[-1]


def kind_match_of(prep: Prepared, picks) -> float:
    from qa_service.answering.features import NAMES

    j = NAMES.index("kind_match")
    return min((float(prep.matrices[n][i, j]) for n, (_, i, _, _) in enumerate(picks)), default=0.0)


class LearnedAnswerer:
    """Answers with a trained ranker over one index's candidates."""

    def __init__(self, ranker: Ranker, spans: UnitSpans | None) -> None:
        self.ranker = ranker
        self.spans = spans

    def warm_up(self, ctx: AnswerContext, limit: int = WARM_HEADS) -> None:
        """Embed the corpus' most frequent head nouns once, so that the first questions do not wait for them."""
        if self.spans is None:
            return
        counts: dict[str, int] = {}
        for row in self.spans.by_unit:
            for span in row:
                if span.head:
                    counts[span.head] = counts.get(span.head, 0) + 1
        word_vectors(ctx, self.spans.memo, sorted(counts, key=lambda w: -counts[w])[:limit], batch_size=256)

    def threshold(self, settings) -> float:
        """The threshold chosen on held-out folds, unless QA_ABSTAIN_THRESHOLD is set (an operator's choice wins)."""
        explicit = "abstain_threshold" in settings.model_fields_set
        return settings.abstain_threshold if explicit else self.ranker.threshold

    def answer(
        self, ctx: AnswerContext, question: str, top_k: int = 5, filters: Filters | None = None, mode: str = "full",
        started: float | None = None, scoped: bool = False,
    ) -> AskResponse:  # fmt: skip
        started = started or time.perf_counter()
        t = time.perf_counter()
        prep = prepare(ctx, self.spans, question, top_k, filters, mode, scoped)
        timings = dict(prep.result.timings)
        scores = part_scores(prep, self.ranker.scorer)
        picks = choose(prep, scores)
        settings = ctx.settings
        if picks:
            share = top_share(scores, picks, self.ranker.scorer.kind)
            conf = self.ranker.confidence(confidence_vector(prep, picks, kind_match_of(prep, picks), share))
            text = joined_answer(prep, picks)
            lead = prep.candidates[picks[0][1]]
        else:
            conf, text, lead = 0.0, None, None
        conf = round(conf, 3)
        found = text is not None and conf >= self.threshold(settings)
        level = "not_found" if not found else "confident" if conf >= settings.confident_threshold else "tentative"
        answer_type = "none"
        supporting = []
        conflicts = []
        if lead is not None:
            answer_type = _answer_type(lead)
            facts = [prep.facts[i] for _, i, _, _ in picks]
            supporting = [f for f in facts if f is not None]
            lead_fact = facts[0]
            if lead_fact is not None and len(picks) == 1 and found:
                fact_cands = fact_scores(prep, relevance(scores[0], self.ranker.scorer.kind))
                best = next(c for c in fact_cands if c.fact is lead_fact)
                conflicts = find_conflicts(best, fact_cands, ctx)
            if not supporting:
                supporting = ctx.fact_lookup.within(lead.doc_id, lead.start, lead.end)
        message = None
        if not found:
            message = NOT_FOUND
        elif conflicts:
            message = conflict_message(conflicts)
        elif level == "tentative":
            message = TENTATIVE
        for c in conflicts:
            supporting += [ctx.index_fact(s.fact.fact_id) for s in c.sides[1:]]
        lead_unit = lead.unit if lead is not None else None
        passages = rules._passages(ctx, prep.result.hits, top_k, lead_unit)
        timings["answer"] = round((time.perf_counter() - t) * 1000 - sum(prep.result.timings.values()), 3)
        timings["total"] = round((time.perf_counter() - started) * 1000, 3)
        return AskResponse(
            question=question,
            found=found,
            answer=text if found else None,
            answer_type=answer_type if found else "none",
            confidence=conf,
            confidence_level=level,
            answerer="learned",
            message=message,
            facts=[ctx.fact_out(f) for f in supporting if f is not None][:8] if found else [],
            passages=passages,
            conflicts=conflicts if found else [],
            timings_ms=timings,
        )


RIVAL_SD = 0.9  # a rival fact within this many standard deviations of the question's candidate scores is as relevant


def relevance(scores: np.ndarray, kind: str) -> np.ndarray:
    """Scores on the 0-1 scale the conflict finder's relative windows were set on (the logistic scorer's
    probabilities): a probability as it is; a ranking score (softmax, LambdaRank) as the logistic of its margin
    to the best, counted in standard deviations of the question's candidate scores, the best at 0.982 (a logit
    of 4) and one ``RIVAL_SD`` below it at ``conflicts.RELEVANCE``. A margin counted in raw logits moved with
    each retraining (the 2009 paper's "43 project teams" fell out of a 2.5-logit window twice); counted in
    the question's own spread it does not depend on the scale of the scores. Measured 2026-12-07 over the 252
    questions about the bundled corpus: the "39 vs 43" rival sits about 0.84 standard deviations below; at 0.9
    one of those questions showed a disagreement, the same two national figures, answering a question about Busan
    that the corpus cannot answer (its confidence is what should stop that). Dates of two events are kept apart
    by ``conflicts.different``, not by the window; after the retraining on 818 questions one false one shows:
    "Since 1974, Daejeon has hosted ... Daedeok Special R&D District" against the slides' table row "2004
    Renamed as 'Special R&D District'" (a wrong answer to "in what year did Daedeok become the Special R&D
    District?"), two events that share the district's name and nothing the parse reads as an event (the row has
    no verb): not mended."""
    if kind in PROBABILITY_KINDS or len(scores) == 0:
        return scores
    finite = scores[scores > NEVER / 2]
    spread = float(finite.std()) if len(finite) > 1 else 0.0
    gap = (scores.max() - scores) / (spread if spread > 1e-9 else 1.0)
    floor = RELEVANCE / (1.0 + np.exp(-4.0))  # the conflict finder's floor under a best of 0.982
    logit = 4.0 - gap * (4.0 - np.log(floor / (1.0 - floor))) / RIVAL_SD
    return 1.0 / (1.0 + np.exp(np.minimum(-logit, 700.0)))  # NEVER: 0, no overflow


def fact_scores(prep: Prepared, scores: np.ndarray) -> list:
    """Each stored fact among the candidates with the best score of any reading of it (the fact itself, or a
    spaCy span inside it), best first, as the conflict finder takes them."""
    holder = {}
    for c in prep.candidates:
        if c.fact is not None:
            holder.setdefault(c.fact.fact_id, c)
    best: dict[str, float] = {}
    for fact, sc in zip(prep.facts, scores, strict=True):
        if fact is not None and float(sc) > best.get(fact.fact_id, -np.inf):
            best[fact.fact_id] = float(sc)
    out = [rules.Candidate(holder[f].fact, holder[f].unit, sc) for f, sc in best.items()]
    return sorted(out, key=lambda c: -c.score)


def candidate_facts(candidates: list[Candidate]) -> list:
    """Per candidate, the stored fact it states: its own, or the smallest fact candidate that holds its span
    ("39" read by spaCy inside the stored count "39 project teams"), so the answer keeps its typed fact and its
    conflicts."""
    held: dict[str, list] = {}
    for o in candidates:
        if o.fact is not None:
            held.setdefault(o.doc_id, []).append(o.fact)
    out = []
    for c in candidates:
        if c.fact is not None:
            out.append(c.fact)
            continue
        holders = [f for f in held.get(c.doc_id, ()) if f.start <= c.start and c.end <= f.end]
        out.append(min(holders, key=lambda f: f.end - f.start, default=None))
    return out


def _answer_type(c: Candidate) -> str:
    if _from_table(c):
        return "table"
    if c.source.startswith("sentence"):
        return "explanation"
    return c.kind


__all__ = ["CAUSE", "NOT_FOUND", "LearnedAnswerer", "Prepared", "choose", "prepare"]
