"""Training the candidate scorer and its calibration, with figures cross-validated by document.

1. ``collect``: every labelled question goes through the same ``prepare`` as at serving time; a candidate is
   labelled right when it matches the gold answer (``evaluation.metrics.answer_matches``) and is short (a name,
   a figure, a date: never a whole sentence, except for explanation questions).
2. ``cross_validate``: folds hold out all questions of one document at a time (unanswerable questions are
   spread over the folds by id). The scorer is fitted on the other folds and scores the held-out one; the
   per-question answers, right or wrong, are judged as the evaluation judges them.
3. Calibration: a logistic model of "the chosen answer is right" over the top score, margin and question
   signals, then isotonic regression, fitted out of fold too; the abstain threshold maximises the held-out
   accuracy of the answer-or-abstain decision.
4. ``fit``: the scorer kind with the better cross-validated accuracy is refitted on everything and saved
   with the calibrator and the cross-validated report.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from qa_service.answering.learned import (
    choose,
    confidence_vector,
    joined_answer,
    kind_match_of,
    part_scores,
    prepare,
    top_share,
)
from qa_service.answering.ranker import CONFIDENCE_FEATURES, Calibrator, Ranker, Scorer
from qa_service.evaluation import metrics as m
from qa_service.evaluation.dataset import Question

LOGREG_C = 0.3  # regularisation of the logistic scorer (chosen by the cross-validation in the training report)
LOGREG_WEIGHT = "balanced"
# L2 weight of the listwise scorer, on standardised features. Cross-validated on the 556 questions of
# eval/training.json (2026-12-02), top-1 / decision accuracy: 1 -> 0.624 / 0.545, 3 -> 0.626 / 0.550,
# 10 -> 0.638 / 0.565, 30 -> 0.632 / 0.549. Again on 2026-12-07 with this session's features and 18 candidate
# sentences: 1 -> 0.676 / 0.622, 3 -> 0.669 / 0.617, 10 -> 0.682 / 0.622, 30 -> 0.674 / 0.617, 100 -> 0.661 / 0.610.
# On the 1034 questions of 2026-12-07 (21:40 UTC): 5 -> 0.647 / 0.616, 10 -> 0.652 / 0.626, 20 -> 0.642 / 0.611.
SOFTMAX_L2 = 10.0
MAX_SHORT = 10  # extra tokens a short answer may have beyond twice the gold answer's


@dataclass
class Example:
    """One labelled question after ``prepare``: feature matrices per part, candidate labels and texts."""

    question: Question
    group: str  # the fold key: the document the question is about
    prep: Any
    labels: np.ndarray  # per candidate: 1 = a right, short answer
    set_name: str = ""


def is_short(text: str, gold: str) -> bool:
    return len(m.tokens(text)) <= 2 * max(1, len(m.tokens(gold))) + MAX_SHORT // 2


def label(q: Question, text: str, wants_sentence: bool) -> bool:
    """Whether a candidate answer is right for ``q`` (and short, unless the question wants a sentence)."""
    if not q.answerable:
        return False
    if q.type == "explanation" or wants_sentence:
        return m.answer_matches(q.candidates, text, q.type) or m.explanation_matches(q.evidence, [text])
    if not is_short(text, q.answer):
        return False
    if m.answer_matches(q.candidates, text, q.type):
        return True
    want = set(m.answer_numbers(q.answer))
    got = m.answer_numbers(text)
    return bool(want and got and all(any(abs(g - w) < 1e-6 for w in want) for g in got))  # one part of a many-part


def fold_key(q: Question, docs: Sequence[str]) -> str:
    if q.doc_id:
        return q.doc_id
    h = int(hashlib.sha256(q.id.encode()).hexdigest(), 16)
    return sorted(docs)[h % len(docs)]


def collect(service, questions: Sequence[Question], progress: Callable | None = None) -> list[Example]:
    """Prepared, labelled examples of ``questions`` over ``service``'s index."""
    docs = sorted(service.index.documents)
    spans = service.unit_spans
    out = []
    items = progress(questions) if progress else questions
    for q in items:
        scoped, where = service._scope(q.question, None)
        prep = prepare(service, spans, scoped, 5, where, "full", scoped != q.question, prune=False)
        wants_sentence = prep.analysis.kind == "explanation"
        labels = np.asarray([label(q, c.text, wants_sentence or (c.source.startswith("sentence") and q.type ==
                                   "explanation")) for c in prep.candidates], dtype=np.int8)  # fmt: skip
        out.append(Example(q, fold_key(q, docs), prep, labels))
    return out


# -- fitting -----------------------------------------------------------------------------------------------
def _stack(examples: Sequence[Example]) -> tuple[np.ndarray, np.ndarray, list[int]]:
    xs, ys, groups = [], [], []
    for ex in examples:
        for matrix in ex.prep.matrices:
            if len(matrix) and matrix.shape[1] > 1:
                xs.append(matrix)
                ys.append(ex.labels)
                groups.append(len(matrix))
    if not xs:
        raise ValueError("no candidates to train on")
    return np.vstack(xs), np.concatenate(ys), groups


def _standardiser(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Column means and standard deviations (1 where a column is constant), to put features on one scale."""
    scale = x.std(axis=0)
    scale[scale < 1e-6] = 1.0
    return x.mean(axis=0), scale


def fit_softmax(examples: Sequence[Example], l2: float) -> Scorer:
    """A linear listwise scorer (conditional logit): for each question part with a right candidate, maximise the
    softmax share of its right candidates among all its candidates, with an L2 penalty."""
    from scipy.optimize import minimize

    groups = [(mat, ex.labels.astype(bool)) for ex in examples for mat in ex.prep.matrices
              if len(mat) and mat.shape[1] > 1 and ex.labels.any()]  # fmt: skip
    if not groups:
        raise ValueError("no question with a right candidate to train on")
    x = np.vstack([g[0] for g in groups]).astype(np.float64)
    mean, scale = _standardiser(x)
    x = (x - mean) / scale
    right = np.concatenate([r for _, r in groups])
    sizes = [len(mat) for mat, _ in groups]
    starts = np.cumsum([0, *sizes[:-1]])
    group_of = np.repeat(np.arange(len(groups)), sizes)

    def log_sum_exp(s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per part: log of the sum of exp(s) over its rows (s = -inf leaves a row out), and exp(s - that)."""
        top = np.maximum.reduceat(s, starts)
        e = np.exp(s - top[group_of])
        lse = np.log(np.add.reduceat(e, starts)) + top
        return lse, np.exp(s - lse[group_of])

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        # every question part at once: minus the log of the right candidates' softmax share, and its gradient
        s = x @ w
        lz, p_all = log_sum_exp(s)
        lr, p_right = log_sum_exp(np.where(right, s, -np.inf))
        return l2 * float(w @ w) - float(np.sum(lr - lz)), 2 * l2 * w + x.T @ (p_all - p_right)

    w = minimize(loss, np.zeros(x.shape[1]), jac=True, method="L-BFGS-B", options={"maxiter": 500}).x
    return Scorer("softmax", mean, scale, w, 0.0)


def fit_scorer(kind: str, examples: Sequence[Example], seed: int = 0) -> Scorer:
    if kind == "softmax":
        return fit_softmax(examples, SOFTMAX_L2)
    x, y, groups = _stack(examples)
    if kind == "logreg":
        from sklearn.linear_model import LogisticRegression

        mean, scale = _standardiser(x)
        model = LogisticRegression(C=LOGREG_C, class_weight=LOGREG_WEIGHT, max_iter=3000)
        model.fit((x - mean) / scale, y)
        return Scorer("logreg", mean, scale, model.coef_[0].astype(np.float64), float(model.intercept_[0]))
    import lightgbm

    params = {"objective": "binary", "learning_rate": 0.05, "num_leaves": 15, "min_data_in_leaf": 20,
              "feature_fraction": 0.8, "bagging_fraction": 0.8, "bagging_freq": 1, "lambda_l2": 1.0,
              "scale_pos_weight": max(1.0, float((y == 0).sum()) / max(1, int(y.sum())) / 4),
              "verbose": -1, "seed": seed, "num_threads": 2, "deterministic": True}  # fmt: skip
    if kind == "lambdarank":
        params.update({"objective": "lambdarank", "lambdarank_truncation_level": 10, "eval_at": [1]})
        params.pop("scale_pos_weight")
        data = lightgbm.Dataset(x, label=y, group=groups)
    else:
        data = lightgbm.Dataset(x, label=y)
    booster = lightgbm.train(params, data, num_boost_round=250)
    text = booster.model_to_string()
    return Scorer(kind, booster=lightgbm.Booster(model_str=text), model_text=text)


def decide(ex: Example, scorer: Scorer) -> dict[str, Any]:
    """The answer ``scorer`` gives for one prepared question, with the calibrator's inputs."""
    scores = part_scores(ex.prep, scorer)
    picks = choose(ex.prep, scores)
    if not picks:
        return {
            "answer": None,
            "z": np.zeros(len(CONFIDENCE_FEATURES)),
            "right": False,
            "strict": False,
            "first_evidence": None,
        }
    text = joined_answer(ex.prep, picks)
    z = confidence_vector(ex.prep, picks, kind_match_of(ex.prep, picks), top_share(scores, picks, scorer.kind))
    from qa_service.evaluation.runner import is_correct

    lead = ex.prep.candidates[picks[0][1]]
    first = lead.unit
    right = is_correct(ex.question, True, text)
    strict = right and (ex.question.type == "explanation" or is_short(text, ex.question.answer))
    return {"answer": text, "z": z, "right": bool(right), "strict": bool(strict), "first_evidence": first,
            "source": lead.source}  # fmt: skip


def _fit_calibrator(z: np.ndarray, y: np.ndarray) -> Calibrator:
    from sklearn.isotonic import IsotonicRegression
    from sklearn.linear_model import LogisticRegression

    mean, scale = _standardiser(z)
    if len(set(y.tolist())) < 2:
        const = float(y.mean()) if len(y) else 0.0
        return Calibrator(np.zeros(z.shape[1]), 0.0, mean, scale, np.asarray([0.0, 1.0]), np.asarray([const, const]))
    lr = LogisticRegression(C=1.0, max_iter=2000).fit((z - mean) / scale, y)
    raw = lr.predict_proba((z - mean) / scale)[:, 1]
    iso = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0).fit(raw, y)
    xs = np.asarray(iso.X_thresholds_, dtype=np.float64)
    ys = np.asarray(iso.y_thresholds_, dtype=np.float64)
    return Calibrator(lr.coef_[0].astype(np.float64), float(lr.intercept_[0]), mean, scale, xs, ys)


def _decision_accuracy(probs: np.ndarray, right: np.ndarray, answerable: np.ndarray, t: float) -> float:
    """Share of questions handled right at threshold ``t``: a right answer given, or an unanswerable refused."""
    answer = probs >= t
    ok = np.where(answerable, answer & right, ~answer)
    return float(ok.mean()) if len(ok) else 0.0


def choose_threshold(probs: np.ndarray, right: np.ndarray, answerable: np.ndarray) -> float:
    grid = np.round(np.arange(0.05, 0.96, 0.01), 2)
    accs = [_decision_accuracy(probs, right, answerable, t) for t in grid]
    best = max(accs)
    # the lowest threshold within half a point of the best: abstain no more than needed
    return float(next(t for t, a in zip(grid, accs, strict=True) if a >= best - 0.005))


def cross_validate(examples: Sequence[Example], kind: str) -> dict[str, Any]:
    """Out-of-fold answers, calibrated confidences and figures for scorer ``kind``."""
    groups = sorted({ex.group for ex in examples})
    decisions: list[dict[str, Any] | None] = [None] * len(examples)
    fold_of = [groups.index(ex.group) for ex in examples]
    for f, _g in enumerate(groups):
        train = [ex for ex, k in zip(examples, fold_of, strict=True) if k != f]
        scorer = fit_scorer(kind, train)
        for i, ex in enumerate(examples):
            if fold_of[i] == f:
                decisions[i] = decide(ex, scorer)
    z = np.vstack([d["z"] for d in decisions])
    right = np.asarray([d["right"] for d in decisions])
    answerable = np.asarray([ex.question.answerable for ex in examples])
    probs = np.zeros(len(examples))
    for f in range(len(groups)):
        tr = np.asarray([k != f for k in fold_of])
        cal = _fit_calibrator(z[tr], right[tr])
        probs[~tr] = cal.probability(z[~tr])
    threshold = choose_threshold(probs, right, answerable)
    return {"decisions": decisions, "probs": probs, "right": right, "answerable": answerable, "z": z,
            "threshold": threshold, "groups": groups, "fold_of": fold_of}  # fmt: skip


def summarise(examples: Sequence[Example], cv: dict[str, Any]) -> dict[str, Any]:
    """Cross-validated figures overall, per fold, and the reliability table."""
    probs, right, answerable, t = cv["probs"], cv["right"], cv["answerable"], cv["threshold"]
    strict = np.asarray([d["strict"] for d in cv["decisions"]])
    answered = probs >= t

    def block(sel: np.ndarray) -> dict[str, Any]:
        a = sel & answerable
        u = sel & ~answerable
        abstained = sel & ~answered
        return {
            "questions": int(sel.sum()),
            "answerable": int(a.sum()),
            "unanswerable": int(u.sum()),
            "answer_accuracy": _ratio((a & answered & right).sum(), a.sum()),
            "answer_accuracy_strict": _ratio((a & answered & strict).sum(), a.sum()),
            "top1_accuracy_no_abstention": _ratio((a & right).sum(), a.sum()),
            "decision_accuracy": _ratio(((a & answered & right) | (u & ~answered)).sum(), sel.sum()),
            "abstention_precision": _ratio((abstained & ~answerable).sum(), abstained.sum()),
            "abstention_recall": _ratio((u & ~answered).sum(), u.sum()),
            "false_abstentions": int((a & ~answered).sum()),
        }

    everything = np.ones(len(examples), dtype=bool)
    per_fold = {g: block(np.asarray([k == f for k in cv["fold_of"]])) for f, g in enumerate(cv["groups"])}
    bins = np.linspace(0, 1, 11)
    table = []
    for lo, hi in itertools.pairwise(bins):
        sel = (probs >= lo) & ((probs < hi) if hi < 1 else (probs <= hi))
        if sel.any():
            table.append({"from": round(float(lo), 1), "to": round(float(hi), 1), "n": int(sel.sum()),
                          "mean_confidence": round(float(probs[sel].mean()), 3),
                          "accuracy": round(float(right[sel].mean()), 3)})  # fmt: skip
    return {"threshold": t, "overall": block(everything), "per_fold": per_fold, "reliability": table}


def _ratio(a, b) -> float | None:
    return round(float(a) / float(b), 4) if b else None


def fit(examples: Sequence[Example], kinds: Sequence[str] = ("softmax", "logreg")) -> tuple[Ranker, dict[str, Any]]:
    """Cross-validate each scorer kind, keep the better, refit it on all examples with its calibration."""
    results = {}
    for kind in kinds:
        cv = cross_validate(examples, kind)
        results[kind] = (cv, summarise(examples, cv))
    best = max(kinds, key=lambda k: results[k][1]["overall"]["decision_accuracy"] or 0.0)
    cv, _summary = results[best]
    scorer = fit_scorer(best, examples)
    calibrator = _fit_calibrator(cv["z"], cv["right"])
    report = {"kept": best, "cross_validated": {k: r[1] for k, r in results.items()}, "examples": len(examples)}
    return Ranker(scorer, calibrator, cv["threshold"], report), results


# -- the training sets ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class TrainingSet:
    """A corpus folder and the questions written over it."""

    name: str
    corpus: Path
    questions: tuple[Path, ...]


def load_sets(path: Path) -> list[TrainingSet]:
    """The sets listed in a training file (``eval/training.json``); paths are relative to the file's folder's
    parent (the project root)."""
    import json

    data = json.loads(Path(path).read_text(encoding="utf-8"))
    root = Path(path).resolve().parent.parent
    return [TrainingSet(s["name"], root / s["corpus"], tuple(root / q for q in s["questions"])) for s in data["sets"]]


def open_set(settings, embedder, ts: TrainingSet):
    """A service over ``ts``'s corpus, its index built (or reused) beside the configured index."""
    from qa_service.service import QAService, ensure_index

    same = Path(ts.corpus).resolve() == Path(settings.corpus_dir).resolve()
    index_dir = settings.index_dir if same else Path(settings.index_dir).with_name(f"index-{ts.name}")
    set_settings = settings.model_copy(update={"corpus_dir": Path(ts.corpus), "index_dir": Path(index_dir)})
    ensure_index(set_settings, embedder)
    return QAService.open(set_settings, embedder)


def collect_sets(settings, embedder, sets: Sequence[TrainingSet], progress: Callable | None = None):
    """Labelled examples of every set, and the services that produced them (for baselines)."""
    from qa_service.evaluation.dataset import load_questions

    examples: list[Example] = []
    services = {}
    for ts in sets:
        service = open_set(settings, embedder, ts)
        services[ts.name] = service
        questions = [q for f in ts.questions if Path(f).is_file() for q in load_questions(Path(f))]
        for ex in collect(service, questions, progress):
            ex.group = f"{ts.name}/{ex.group}"
            ex.set_name = ts.name
            examples.append(ex)
    return examples, services


def train_and_report(settings, sets_path: Path, out: Path | None, report_dir: Path, kinds: Sequence[str]):
    """Collect every set, cross-validate ``kinds``, save the kept ranker to ``out`` and write the report."""
    from qa_service.answering.ranker import DEFAULT_FILE
    from qa_service.evaluation.training_report import compare, write_training_report
    from qa_service.index.embedding import make_embedder

    embedder = make_embedder(settings.embedder, settings.embed_threads)
    examples, services = collect_sets(settings, embedder, load_sets(sets_path))
    ranker, results = fit(examples, kinds)
    others = compare(examples, services)
    paths = write_training_report(report_dir, ranker, results, others)
    target = out or DEFAULT_FILE
    ranker.save(target)
    return ranker, target, paths, len(examples)
