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
from functools import cached_property

import numpy as np

from qa_service.answering import rules
from qa_service.answering.analysis import Part, QuestionAnalysis, analyse
from qa_service.answering.candidates import Candidate, generate, is_evidence, unit_text
from qa_service.answering.conflicts import find_conflicts
from qa_service.answering.conflicts import message as conflict_message
from qa_service.answering.context import AnswerContext
from qa_service.answering.features import (
    CAUSE,
    QuestionContext,
    features,
    question_context,
    sentence_view,
)
from qa_service.answering.ranker import CONFIDENCE_FEATURES, PROBABILITY_KINDS, Ranker
from qa_service.facts.money import CURRENCY_SYMBOLS, CURRENCY_WORDS
from qa_service.index.lexical import analyze
from qa_service.index.spans import UnitSpans
from qa_service.retrieval.retriever import Filters, ScoredUnit, SearchResult
from qa_service.schemas import AskResponse

NOT_FOUND = "The corpus does not seem to hold the answer to this question; the nearest passages are shown."
TENTATIVE = "Not sure: the closest passage says this."


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


def prepare(
    ctx: AnswerContext, spans: UnitSpans | None, question: str, top_k: int = 5, filters: Filters | None = None,
    mode: str = "full", scoped: bool = False,
) -> Prepared:  # fmt: skip
    result = ctx.retriever.retrieve(question, k=max(top_k, 8), filters=filters, mode=mode)
    analysis = analyse(question)
    rank_of = {ctx.retriever_index(h.chunk.chunk_id): h.rank for h in result.hits}
    units = sorted((u for u in result.scored if u.chunk in rank_of and is_evidence(ctx.index.chunks[u.chunk])),
                   key=lambda u: -u.score)  # fmt: skip
    candidates = generate(ctx, spans, units, rank_of)
    table = rules._table_answer(ctx, question, analysis.qtype, result, units) if units else None
    if table is not None:
        found, unit = table
        target = found.target
        text = " ".join(target.value.split())  # short: the cell; its row and caption are in the citation
        row_hit = float(found.coverage)
        candidates.append(Candidate("table", "count" if any(c.isdigit() for c in target.value) else "entity", text,
                                    found.table.doc_id, target.start, target.end, unit, 0,
                                    rank_of.get(unit.chunk, 99), None, None, None,
                                    (("row_hit", row_hit), ("col_hit", float(found.score))),))  # fmt: skip
    top = units[0] if units else None
    qc = question_context(ctx, analysis, top, scoped, top.chunk if top else None)
    old = rules.answer(ctx, question, top_k=top_k, filters=filters, mode=mode, result=result, table=table or False)
    if old.answer:
        qc.rules_answer = old.answer
        ev = old.passages[0].evidence if old.passages else None
        qc.rules_span = (ev.start, ev.end) if ev else None
    prep = Prepared(analysis, result, units, candidates, [], qc)
    prep.matrices = featurize(ctx, spans, prep)
    return prep


def featurize(ctx: AnswerContext, spans: UnitSpans | None, prep: Prepared) -> list[np.ndarray]:
    """One feature matrix per part of the question (rows: ``prep.candidates``)."""
    candidates, analysis, qc = prep.candidates, prep.analysis, prep.qc
    memo = spans.memo if spans is not None else {}
    views = memo.setdefault("views", {})
    passage_stems = memo.setdefault("passage_stems", {})
    same_kind: dict[tuple[int, str], int] = {}
    repeats: dict[str, int] = {}
    for c in candidates:
        same_kind[(c.unit.unit, c.kind)] = same_kind.get((c.unit.unit, c.kind), 0) + 1
        repeats[_norm(c.text)] = repeats.get(_norm(c.text), 0) + 1
    heads = {c.head for c in candidates if c.head}
    matrices = []
    for part in analysis.parts:
        sims = head_similarities(ctx, memo, part.focus, heads)
        rows = []
        for c in candidates:
            u = c.unit.unit
            if u not in views:
                idx = ctx.index.units
                views[u] = sentence_view(unit_text(ctx, u), int(idx.start[u]))
            if c.unit.chunk not in passage_stems:
                passage_stems[c.unit.chunk] = frozenset(analyze(ctx.index.chunks[c.unit.chunk].text))
            rows.append(features(qc, part, c, views[u], passage_stems[c.unit.chunk], same_kind[(u, c.kind)],
                                 sims.get(c.head, 0.0) if c.head else 0.0, repeats[_norm(c.text)]))  # fmt: skip
        matrices.append(np.vstack(rows) if rows else np.zeros((0, 1), dtype=np.float32))
    return matrices


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


def choose(prep: Prepared, scores: list[np.ndarray]) -> list[tuple[Part, int, float, float]]:
    """Per part: (part, index of the best candidate, its score, the runner-up's score); parts share no candidate.

    Never chosen: a candidate made only of the question's own words (it restates the question); a table cell
    whose row or column is another year than the one the question asks for (a table says which year each cell
    is, so that cell is known not to answer); an amount in another currency than the one asked; and, for a part
    that asks for a figure or a date, a sentence or a table field without a digit."""
    taken: set[int] = set(_ruled_out(prep))
    spans: list[tuple[str, int, int]] = []
    out = []
    cands = prep.candidates

    def overlaps(i: int) -> bool:
        c = cands[i]
        return any(d == c.doc_id and c.start < e and s0 < c.end for d, s0, e in spans)

    for part, s in zip(prep.analysis.parts, scores, strict=True):
        if len(s) == 0:
            continue
        figure = part.kind in FIGURE_KINDS  # asks for a figure or a date: a figure or a date, never a sentence
        order = [int(i) for i in np.argsort(-s) if int(i) not in taken and not overlaps(int(i))
                 and not (figure and _not_a_figure(cands[int(i)]))]  # fmt: skip
        if not order:
            continue
        best = order[0]
        taken.add(best)
        spans.append((cands[best].doc_id, cands[best].start, cands[best].end))
        second = float(s[order[1]]) if len(order) > 1 else 0.0
        out.append((part, best, float(s[best]), second))
    return out


FIGURE_KINDS = frozenset({"money", "count", "percent", "area", "population", "date"})


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


def top_share(scores: list[np.ndarray], picks: list[tuple[Part, int, float, float]], kind: str) -> float:
    """The softmax share of each part's chosen candidate among that part's candidates (the least over parts):
    near 1 when one candidate stands out, near 1/n when many score alike."""
    shares = []
    for n, (_, i, _, _) in enumerate(picks):
        s = np.asarray(scores[n], dtype=np.float64)
        if kind in PROBABILITY_KINDS:  # back to log-odds
            p = np.clip(s, 1e-9, 1 - 1e-9)
            s = np.log(p / (1 - p))
        z = s - s.max()
        shares.append(float(np.exp(z[i]) / np.exp(z).sum()))
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
              "year_absent": col("year_absent")}  # fmt: skip
    return np.asarray([values[k] for k in CONFIDENCE_FEATURES], dtype=np.float64)


def joined_answer(prep: Prepared, picks: list[tuple[Part, int, float, float]]) -> str:
    texts = list(dict.fromkeys(prep.candidates[i].text for _, i, _, _ in picks))
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

    def answer(
        self, ctx: AnswerContext, question: str, top_k: int = 5, filters: Filters | None = None, mode: str = "full",
        started: float | None = None, scoped: bool = False,
    ) -> AskResponse:  # fmt: skip
        started = started or time.perf_counter()
        t = time.perf_counter()
        prep = prepare(ctx, self.spans, question, top_k, filters, mode, scoped)
        timings = dict(prep.result.timings)
        scores = [self.ranker.scorer.score(m) for m in prep.matrices]
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
        # The threshold chosen on held-out folds, unless QA_ABSTAIN_THRESHOLD is set (an operator's choice wins).
        explicit = "abstain_threshold" in settings.model_fields_set
        threshold = settings.abstain_threshold if explicit else self.ranker.threshold
        found = text is not None and conf >= threshold
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


def relevance(scores: np.ndarray, kind: str) -> np.ndarray:
    """Scores on the 0-1 scale the conflict finder's relative windows were set on (the logistic scorer's
    probabilities): a probability as it is; a ranking score (softmax, LambdaRank) as the logistic of its margin
    to the best, with the best at 0.97 (a logit of 3.5), so a rival within about two logits is about as
    relevant."""
    if kind in PROBABILITY_KINDS or len(scores) == 0:
        return scores
    return 1.0 / (1.0 + np.exp(-(scores - scores.max() + 3.5)))


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
    held = [o.fact for o in candidates if o.fact is not None]
    out = []
    for c in candidates:
        if c.fact is not None:
            out.append(c.fact)
            continue
        holders = [f for f in held if f.doc_id == c.doc_id and f.start <= c.start and c.end <= f.end]
        out.append(min(holders, key=lambda f: f.end - f.start, default=None))
    return out


def _answer_type(c: Candidate) -> str:
    if _from_table(c):
        return "table"
    if c.source.startswith("sentence"):
        return "explanation"
    return c.kind


__all__ = ["CAUSE", "NOT_FOUND", "LearnedAnswerer", "Prepared", "choose", "prepare"]
