"""Relevance judgement, IR metrics (through ranx), answer matching, abstention and citation scores.

Pure functions over strings and small dicts; no service, no model.

Normalisation (``normalise``), applied to both sides of every comparison: Unicode NFKC, markdown
backslash escapes dropped (``\\$`` -> ``$``), curly quotes made straight, dashes made ``-``, bullet
glyphs and other symbols dropped, tabs and runs of whitespace collapsed to one space, lower case.

Relevance (``contains_quote``): a passage is relevant to a question when, after normalisation, it
contains the gold evidence quote; or, for quotes of at least ``PARTIAL_MIN_TOKENS`` words, when it
contains a run of at least ``PARTIAL_SHARE`` of the quote's words in the quote's order. The second
rule covers a quote that straddles two chunks and small differences left by the cleaning step
(rejoined lines, dropped glyphs). Short quotes (a table row, a bullet) must match whole.
"""

from __future__ import annotations

import math
import re
import unicodedata
import warnings
from collections.abc import Iterable, Mapping, Sequence
from difflib import SequenceMatcher

from qa_service.text.numbers import YEAR, YEAR_DIGITS, numbers_in
from qa_service.text.stopwords import STOPWORDS

PARTIAL_MIN_TOKENS = 8
PARTIAL_SHARE = 0.6
EXPLANATION_OVERLAP = 0.5
PART_OF_GOLD = 0.5  # an answer inside the gold one must hold half its content words
MAX_EXTRA_NUMBERS = 2  # an answer may add a year or a unit count, not list a table row
NUMBER_LIST_SHARE = 1 / 3  # ... a sentence with several numbers is still an answer
NUMBER_TOLERANCE = 1e-6  # relative; float noise only: 2004 is not 2005
RETRIEVAL_METRICS = ("recall@1", "recall@5", "recall@10", "mrr@10", "ndcg@10")

_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!$~|<>])")
_QUOTES = str.maketrans({"‘": "'", "’": "'", "‚": "'", "‛": "'", "′": "'", "“": '"', "”": '"', "„": '"', "‟": '"', "″": '"'})  # fmt: skip
_DASHES = re.compile(r"[‐‑‒–—―−]")
_GLYPHS = frozenset("•●▪◦‣∙·■□◆◇►▶➢✓✔")
_SPACE = re.compile(r"\s+")
_TOKEN = re.compile(r"\w+")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
_DIGIT_HANGUL = re.compile(r"(\d)(?=[\uac00-\ud7a3])")
_YEAR_RANGE = re.compile(rf"(?<!\d)({YEAR_DIGITS})\s*[-~]\s*(\d\d)(?!\d)")
_ASCII_WORD = re.compile(r"[0-9a-z]")


def normalise(text: str) -> str:
    """The comparison form of a text (see the module docstring)."""
    text = unicodedata.normalize("NFKC", text)
    text = _ESCAPE.sub(r"\1", text).translate(_QUOTES)
    text = _DASHES.sub("-", text)
    text = "".join(" " if ch in _GLYPHS or unicodedata.category(ch) == "So" else ch for ch in text)
    return _SPACE.sub(" ", text).strip().lower()


def tokens(text: str) -> list[str]:
    """Word tokens of the normalised text (Hangul words included)."""
    return _TOKEN.findall(normalise(text))


# -- relevance -------------------------------------------------------------------------------------------
def contains_quote(passage: str, quote: str) -> bool:
    """Whether ``passage`` holds ``quote``, or most of it (see the module docstring)."""
    norm_quote = normalise(quote)
    if not norm_quote:
        return False
    if norm_quote in normalise(passage):
        return True
    quote_tokens = _TOKEN.findall(norm_quote)
    if len(quote_tokens) < PARTIAL_MIN_TOKENS:
        return False
    passage_tokens = tokens(passage)
    present = set(passage_tokens)
    if sum(t in present for t in quote_tokens) < PARTIAL_SHARE * len(quote_tokens):
        return False  # cheap pre-check: the run cannot be long enough
    match = SequenceMatcher(None, quote_tokens, passage_tokens, autojunk=False).find_longest_match()
    return match.size >= PARTIAL_SHARE * len(quote_tokens)


def build_qrels(chunks: Iterable[tuple[str, str]], evidence: Mapping[str, str]) -> dict[str, dict[str, int]]:
    """Relevant chunk ids per question id: every chunk of the index that holds the question's evidence.

    ``chunks`` are (chunk_id, text) pairs; the judgement never looks at a ranking. Questions whose
    evidence is in no chunk get an empty dict (they are "unjudgeable").
    """
    chunks = list(chunks)
    return {qid: {cid: 1 for cid, text in chunks if contains_quote(text, quote)} for qid, quote in evidence.items()}


def first_relevant_rank(ranking: Sequence[str], relevant: Mapping[str, int] | set[str]) -> int | None:
    """1-based rank of the first relevant id in ``ranking``, or None."""
    return next((i for i, cid in enumerate(ranking, 1) if cid in relevant), None)


def retrieval_metrics(
    qrels: Mapping[str, Mapping[str, int]],
    rankings: Mapping[str, Sequence[str]],
    metrics: Sequence[str] = RETRIEVAL_METRICS,
) -> tuple[dict[str, float], dict[str, dict[str, float]]]:
    """Mean and per-query IR metrics computed by ranx.

    ``qrels`` must hold only judgeable queries (at least one relevant id each); ``rankings`` gives the
    ranked ids per query (a missing or empty ranking scores 0). Scores passed to ranx are strictly
    decreasing with the rank, so ranx keeps the service's order exactly.
    """
    judged = {qid: dict(rel) for qid, rel in qrels.items() if rel}
    if not judged:
        return {m: float("nan") for m in metrics}, {}
    from ranx import Qrels, Run, evaluate

    run = Run({qid: {cid: 1.0 / i for i, cid in enumerate(dict.fromkeys(rankings.get(qid, [])), 1)} for qid in judged})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # numba's type-safety chatter
        means = evaluate(Qrels(judged), run, list(metrics), make_comparable=True)
    if len(metrics) == 1:
        means = {metrics[0]: means}
    per_query = {qid: {m: float(run.scores[m][qid]) for m in metrics} for qid in judged}
    return {m: float(v) for m, v in means.items()}, per_query


# -- answers ---------------------------------------------------------------------------------------------
def answer_form(text: str) -> str:
    """The comparison form of an answer: normalised, thousands commas dropped, end punctuation stripped."""
    return _THOUSANDS.sub("", normalise(text)).strip(" .,;:!?'\"()")


def contains_bounded(haystack: str, needle: str) -> bool:
    """``needle`` in ``haystack``, not glued to a Latin letter or digit ("27" is not in "127")."""
    if not needle:
        return False
    for m in re.finditer(re.escape(needle), haystack):
        before = haystack[m.start() - 1] if m.start() else " "
        after = haystack[m.end()] if m.end() < len(haystack) else " "
        if _ASCII_WORD.match(needle[0]) and _ASCII_WORD.match(before):
            continue
        if _ASCII_WORD.match(needle[-1]) and _ASCII_WORD.match(after):
            continue
        return True
    return False


def answer_numbers(text: str) -> list[float]:
    """``numbers_in`` after splitting digits from a following Hangul counter ("2,330개" -> 2330)."""
    return numbers_in(_DIGIT_HANGUL.sub(r"\1 ", unicodedata.normalize("NFKC", text)))


def years(text: str) -> set[int]:
    """Four-digit years, with short ranges expanded: "1972-81" -> {1972, 1981}."""
    text = _DASHES.sub("-", text)
    found = {int(y) for y in YEAR.findall(text)}
    for head, tail in _YEAR_RANGE.findall(text):
        found.add(int(head[:2] + tail))
    return found


def content_overlap(reference: str, text: str) -> float:
    """Share of the reference's content words (stop words dropped) that occur in ``text``."""
    ref = {t for t in tokens(reference) if t not in STOPWORDS}
    if not ref:
        return 0.0
    return len(ref & set(tokens(text))) / len(ref)


def answer_matches(candidates: Sequence[str], system: str | None, qtype: str = "figure") -> bool:
    """Whether the system answer matches the gold answer or an alias (``candidates``).

    Any one rule suffices: a candidate occurs in the answer; the answer (4+ characters) occurs in a
    candidate and covers at least half of its content words ("Korean Agricultural Cooperative" for
    "Korean Agricultural Cooperative (Nonghyup)", not "Cheonan" for "Cheonan, Asan, and Jochiwon"); every number of a candidate occurs, by value, among the answer's numbers; for
    ``date`` questions, every year of a candidate occurs among the answer's years. When a candidate
    holds numbers, an answer that is a list of numbers (more than ``MAX_EXTRA_NUMBERS`` besides the
    candidate's, and at least ``NUMBER_LIST_SHARE`` of its words) is not credited through it.
    """
    if not system or not system.strip():
        return False
    got = answer_form(system)
    got_numbers = answer_numbers(system)
    got_years = years(system)
    for cand in candidates:
        gold = answer_form(cand)
        want = answer_numbers(cand)
        if not gold or (want and _number_list(got, got_numbers, len(set(want)))):
            continue  # a run of numbers (a whole table row) is not an answer to "how many"
        if contains_bounded(got, gold):
            return True
        if len(got) >= 4 and contains_bounded(gold, got) and content_overlap(cand, system) >= PART_OF_GOLD:
            return True
        if want and all(any(_close(w, g) for g in got_numbers) for w in want):
            return True
        want_years = years(cand)
        if qtype == "date" and want_years and want_years <= got_years:
            return True
    return False


def explanation_matches(evidence: str | None, texts: Iterable[str | None]) -> bool:
    """Lenient proxy for free-text answers: one of ``texts`` covers half the evidence's content words."""
    if not evidence:
        return False
    return any(t and content_overlap(evidence, t) >= EXPLANATION_OVERLAP for t in texts)


def _number_list(form: str, numbers: Sequence[float], wanted: int) -> bool:
    distinct = len(set(numbers))
    return distinct > wanted + MAX_EXTRA_NUMBERS and distinct >= NUMBER_LIST_SHARE * len(_TOKEN.findall(form))


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=NUMBER_TOLERANCE, abs_tol=1e-9)


# -- citation --------------------------------------------------------------------------------------------
def key_span(candidates: Sequence[str], evidence: str) -> str:
    """The part of a gold quote a citation must show: the answer (or an alias) when the quote holds it,
    else the whole quote."""
    quote = answer_form(evidence)
    for cand in candidates:
        form = answer_form(cand)
        if form and contains_bounded(quote, form):
            return cand
    return evidence


def cites(sentence: str | None, candidates: Sequence[str], evidence: str) -> bool:
    """Whether an evidence sentence shows the key span of the gold quote."""
    if not sentence:
        return False
    key = key_span(candidates, evidence)
    if key is evidence:
        return contains_quote(sentence, evidence)
    return contains_bounded(answer_form(sentence), answer_form(key))


# -- abstention and summaries ----------------------------------------------------------------------------
def abstention_scores(abstained: Sequence[bool], unanswerable: Sequence[bool]) -> dict[str, float | int | None]:
    """Precision and recall of "not found" on the unanswerable questions, and false abstentions.

    Precision is None when the system never abstained, recall None when there is no unanswerable question.
    """
    pairs = list(zip(abstained, unanswerable, strict=True))
    n_abstain = sum(a for a, _ in pairs)
    n_unans = sum(u for _, u in pairs)
    correct = sum(a and u for a, u in pairs)
    false = sum(a and not u for a, u in pairs)
    n_answerable = len(pairs) - n_unans
    return {
        "precision": correct / n_abstain if n_abstain else None,
        "recall": correct / n_unans if n_unans else None,
        "abstentions": n_abstain,
        "correct_abstentions": correct,
        "unanswerable": n_unans,
        "false_abstentions": false,
        "false_abstention_rate": false / n_answerable if n_answerable else None,
    }


def percentiles(values: Sequence[float], points: Sequence[int] = (50, 95)) -> dict[str, float | None]:
    """``{"p50": ..., "p95": ...}`` of ``values`` (linear interpolation); None for no values."""
    if not values:
        return {f"p{p}": None for p in points}
    import numpy as np

    return {f"p{p}": round(float(np.percentile(np.asarray(values, dtype=float), p)), 3) for p in points}


def share(flags: Iterable[bool]) -> float | None:
    """Fraction of true flags; None for none."""
    flags = list(flags)
    return sum(flags) / len(flags) if flags else None
