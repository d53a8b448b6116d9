"""Run the benchmark: every question through ``search`` in each retrieval configuration and through
``ask`` (the full pipeline the API uses), then score it all into one data dict (``report.json``).

Two ``ask`` calls per question: one on the service as configured (answer metrics, latency) and one
on a twin service with ``abstain_threshold`` 0.0 sharing the same index, whose answers and
confidences drive the threshold sweep ("calibration").
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from qa_service.errors import QAError
from qa_service.evaluation import metrics as m
from qa_service.evaluation.dataset import QUESTION_TYPES, Question
from qa_service.schemas import SEARCH_MODES, AskResponse

MODES = SEARCH_MODES  # bm25, dense, hybrid, full
IR_METRICS = (*m.RETRIEVAL_METRICS, "hit_rate@1", "hit_rate@5", "hit_rate@10")
CALIBRATION_THRESHOLDS = tuple(
    round(0.05 * i, 2) for i in range(1, 13)
)  # 0.05 .. 0.60: down to the learned ranker's low threshold
ANSWER_HEADLINES = (
    "answer_accuracy", "overall_accuracy", "abstention_precision", "abstention_recall",
    "false_abstention_rate", "citation_accuracy", "citation_accuracy_top5",
)  # fmt: skip

T = TypeVar("T")
Progress = Callable[[Iterable[T], str, int], Iterable[T]]


def headline_names(modes: Sequence[str] = MODES) -> list[str]:
    """Every metric ``--fail-under`` accepts: answer metrics and ``<mode>.<ir metric>``."""
    return [*ANSWER_HEADLINES, *(f"{mode}.{metric}" for mode in modes for metric in IR_METRICS)]


def parse_gates(specs: Iterable[str], modes: Sequence[str] = MODES) -> dict[str, float]:
    """``["answer_accuracy=0.5", "recall@5=0.6"]`` -> minimums by metric; a bare IR metric means the full pipeline.

    Raises ValueError naming the bad spec.
    """
    known = headline_names(modes)
    gates: dict[str, float] = {}
    for spec in specs:
        name, sep, value = spec.partition("=")
        name = name.strip()
        if name in IR_METRICS:
            name = f"full.{name}"
        if not sep or not name:
            raise ValueError(f"--fail-under expects METRIC=VALUE (e.g. answer_accuracy=0.5), not {spec!r}")
        if name not in known:
            raise ValueError(f"unknown metric {name!r} in --fail-under; use one of: {', '.join(known)}")
        try:
            gates[name] = float(value)
        except ValueError:
            raise ValueError(f"--fail-under {spec!r}: {value!r} is not a number") from None
        if not 0.0 <= gates[name] <= 1.0:
            raise ValueError(f"--fail-under {spec!r}: the value must be between 0 and 1")
    return gates


def failed_gates(
    headline: Mapping[str, float | None], gates: Mapping[str, float]
) -> list[tuple[str, float | None, float]]:
    """(metric, value, minimum) for each gate not met; an undefined metric (None) fails its gate."""
    return [(k, headline.get(k), v) for k, v in gates.items() if headline.get(k) is None or headline[k] < v]


def _identity(items: Iterable[T], _desc: str, _total: int) -> Iterable[T]:
    return items


def run_eval(
    service,
    questions: Sequence[Question],
    *,
    k: int = 10,
    top_k: int = 5,
    modes: Sequence[str] = MODES,
    progress: Progress | None = None,
    questions_file: Path | None = None,
    compare: Sequence[str] = ("rules", "learned"),
) -> dict[str, Any]:
    """Evaluate ``service`` (a QAService) on ``questions``; returns the report data dict.

    ``compare``: answerers run side by side on the same questions (answer, abstention and citation figures each).
    """
    from qa_service.service import QAService

    if not questions:
        raise ValueError("no questions to evaluate")
    evidence = {q.id: q.evidence for q in questions if q.answerable and q.evidence}
    qrels = m.build_qrels(((c.chunk_id, c.text) for c in service.index.chunks), evidence)
    twin = QAService(service.index, service.embedder, service.settings.model_copy(update={"abstain_threshold": 0.0}))
    _warm_up(service, twin, questions[0].question, modes, k, top_k)
    rows = [
        _run_one(service, twin, q, k, top_k, modes)
        for q in (progress or _identity)(questions, "evaluating", len(questions))
    ]
    data = {
        "config": _config(service, questions_file, len(questions), k, top_k, modes),
        "counts": _counts(questions, qrels, rows),
        "retrieval": {},
    }
    per_query: dict[str, dict[str, dict[str, float]]] = {}
    for mode in modes:
        rankings = {r["id"]: r["search"][mode]["ranking"] for r in rows}
        means, per_query[mode] = m.retrieval_metrics(qrels, rankings, IR_METRICS)
        means = {key: None if value != value else value for key, value in means.items()}  # NaN: nothing judged
        data["retrieval"][mode] = {**means, "latency_ms": m.percentiles([r["search"][mode]["ms"] for r in rows])}
    data["answers"] = _answer_block(questions, [r["ask"] for r in rows])
    data["answers"]["latency_ms"] = m.percentiles([r["ask_ms"] for r in rows])
    data["abstention"] = m.abstention_scores([not r["ask"].found for r in rows], [not q.answerable for q in questions])
    data["citation"] = _citation_block(questions, [r["ask"] for r in rows])
    data["calibration"] = _calibration(questions, [r["twin"] for r in rows], service.abstain_threshold())
    data["answerers"] = _answerers(service, questions, top_k, compare)
    data["headline"] = _headline(data, modes)
    data["questions"] = [_question_row(q, r, qrels.get(q.id, {}), modes) for q, r in zip(questions, rows, strict=True)]
    return data


def _answerers(service, questions: Sequence[Question], top_k: int, names: Sequence[str]) -> dict[str, Any]:
    """Answer, abstention and citation figures of each answerer in ``names`` on the same questions."""
    out: dict[str, Any] = {}
    for name in names:
        responses, ms = [], []
        for q in questions:
            t0 = time.perf_counter()
            try:
                responses.append(service.ask(q.question, top_k=top_k, answerer=name))
            except QAError:
                responses.append(_failed(q.question))
            ms.append((time.perf_counter() - t0) * 1000)
        answers = _answer_block(questions, responses)
        answers["latency_ms"] = m.percentiles(ms)
        out[name] = {
            "answers": answers,
            "abstention": m.abstention_scores([not r.found for r in responses], [not q.answerable for q in questions]),
            "citation": _citation_block(questions, responses),
        }
    return out


# -- running ---------------------------------------------------------------------------------------------
def _warm_up(service, twin, question: str, modes: Sequence[str], k: int, top_k: int) -> None:
    """One untimed call of each kind, so lazy model loading is not charged to the first question."""
    try:
        for mode in modes:
            service.search(question, k=k, mode=mode)
        service.ask(question, top_k=top_k)
        twin.ask(question, top_k=top_k)
    except QAError:
        pass


def _run_one(service, twin, q: Question, k: int, top_k: int, modes: Sequence[str]) -> dict[str, Any]:
    row: dict[str, Any] = {"id": q.id, "error": None, "search": {}}
    for mode in modes:
        t0 = time.perf_counter()
        try:
            hits = service.search(q.question, k=k, mode=mode).hits
        except QAError as exc:
            hits, row["error"] = [], str(exc)
        row["search"][mode] = {"ranking": [h.chunk_id for h in hits], "ms": (time.perf_counter() - t0) * 1000}
    t0 = time.perf_counter()
    try:
        row["ask"] = service.ask(q.question, top_k=top_k)
    except QAError as exc:
        row["ask"], row["error"] = _failed(q.question), str(exc)
    row["ask_ms"] = (time.perf_counter() - t0) * 1000
    try:
        row["twin"] = twin.ask(q.question, top_k=top_k)
    except QAError:
        row["twin"] = _failed(q.question)
    return row


def _failed(question: str) -> AskResponse:
    return AskResponse(question=question, found=False, confidence=0.0, message="error")


# -- scoring ---------------------------------------------------------------------------------------------
def _first_evidence(resp: AskResponse) -> str | None:
    return resp.passages[0].evidence.text if resp.passages and resp.passages[0].evidence else None


def is_correct(q: Question, found: bool, answer: str | None, first_evidence: str | None = None) -> bool:
    """Abstaining is right for an unanswerable question; otherwise the answer must match (``metrics``).

    Explanation questions also pass when the answer, or the top passage's evidence sentence, covers
    half the gold quote's content words: a lenient proxy for free text.
    """
    if not q.answerable:
        return not found
    if not found:
        return False
    if m.answer_matches(q.candidates, answer, q.type):
        return True
    return q.type == "explanation" and m.explanation_matches(q.evidence, [answer, first_evidence])


def _answer_block(questions: Sequence[Question], responses: Sequence[AskResponse]) -> dict[str, Any]:
    correct = [is_correct(q, r.found, r.answer, _first_evidence(r)) for q, r in zip(questions, responses, strict=True)]
    per_type = {}
    for qtype in QUESTION_TYPES:
        flags = [c for q, c in zip(questions, correct, strict=True) if q.type == qtype]
        if flags:
            per_type[qtype] = {"n": len(flags), "correct": sum(flags), "accuracy": m.share(flags)}
    answerable = [c for q, c in zip(questions, correct, strict=True) if q.answerable]
    return {
        "answer_accuracy": m.share(answerable),
        "overall_accuracy": m.share(correct),
        "answerable": len(answerable),
        "correct": sum(answerable),
        "per_type": per_type,
    }


def _citation_block(questions: Sequence[Question], responses: Sequence[AskResponse]) -> dict[str, Any]:
    top1, top5 = [], []
    for q, r in zip(questions, responses, strict=True):
        if not (q.answerable and q.evidence):
            continue
        sentences = [p.evidence.text if p.evidence else None for p in r.passages[:5]]
        top1.append(bool(sentences) and m.cites(sentences[0], q.candidates, q.evidence))
        top5.append(any(m.cites(s, q.candidates, q.evidence) for s in sentences))
    return {"top1": m.share(top1), "top5": m.share(top5), "n": len(top1)}


def _calibration(questions: Sequence[Question], twins: Sequence[AskResponse], configured: float) -> dict[str, Any]:
    out = []
    for t in CALIBRATION_THRESHOLDS:
        found = [r.answer is not None and r.confidence >= t for r in twins]
        correct = [
            is_correct(q, f, r.answer, _first_evidence(r)) for q, f, r in zip(questions, found, twins, strict=True)
        ]
        abst = m.abstention_scores([not f for f in found], [not q.answerable for q in questions])
        out.append({
            "threshold": t,
            "answer_accuracy": m.share(c for q, c in zip(questions, correct, strict=True) if q.answerable),
            "overall_accuracy": m.share(correct),
            "abstention_precision": abst["precision"],
            "abstention_recall": abst["recall"],
            "false_abstentions": abst["false_abstentions"],
        })  # fmt: skip
    return {"configured_threshold": configured, "rows": out, "bins": _calibration_bins(questions, twins)}


def _calibration_bins(questions: Sequence[Question], twins: Sequence[AskResponse]) -> list[dict[str, Any]]:
    """Answers by tenth of confidence and how many were right: what the web page's confidence line reads."""
    bins = [{"low": i / 10, "high": (i + 1) / 10, "n": 0, "correct": 0} for i in range(10)]
    for q, r in zip(questions, twins, strict=True):
        if r.answer is None:
            continue
        b = bins[min(int(r.confidence * 10), 9)]
        b["n"] += 1
        b["correct"] += int(is_correct(q, True, r.answer, _first_evidence(r)))
    return bins


def _headline(data: dict[str, Any], modes: Sequence[str]) -> dict[str, float | None]:
    answers, abst, cit = data["answers"], data["abstention"], data["citation"]
    out = {
        "answer_accuracy": answers["answer_accuracy"],
        "overall_accuracy": answers["overall_accuracy"],
        "abstention_precision": abst["precision"],
        "abstention_recall": abst["recall"],
        "false_abstention_rate": abst["false_abstention_rate"],
        "citation_accuracy": cit["top1"],
        "citation_accuracy_top5": cit["top5"],
    }
    for mode in modes:
        for metric in IR_METRICS:
            out[f"{mode}.{metric}"] = data["retrieval"][mode][metric]
    return out


# -- descriptive blocks ----------------------------------------------------------------------------------
def _config(service, questions_file, n: int, k: int, top_k: int, modes: Sequence[str]) -> dict[str, Any]:
    from qa_service import __version__

    s = service.settings
    manifest = service.index.manifest
    return {
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "qa_service_version": __version__,
        "questions_file": str(questions_file) if questions_file else None,
        "questions": n,
        "index": {key: manifest.get(key) for key in ("model", "corpus_hash", "counts", "built_at") if key in manifest},
        "settings": {
            key: getattr(s, key)
            for key in ("embedder", "chunk_words", "chunk_overlap", "candidates", "rrf_k", "abstain_threshold")
        },
        "answerer": s.answerer,
        # the threshold the answers were judged at: the learned answerer's comes from its ranker file
        "effective_abstain_threshold": service.abstain_threshold(),
        "search_k": k,
        "ask_top_k": top_k,
        "modes": list(modes),
        "relevance": {
            "rule": "passage contains the normalised evidence quote, or (quotes of >= "
            f"{m.PARTIAL_MIN_TOKENS} words) a run of >= {m.PARTIAL_SHARE:.0%} of its words in order",
            "partial_min_tokens": m.PARTIAL_MIN_TOKENS,
            "partial_share": m.PARTIAL_SHARE,
        },
    }


def _counts(questions: Sequence[Question], qrels: Mapping[str, dict], rows: Sequence[dict]) -> dict[str, Any]:
    answerable = [q for q in questions if q.answerable]
    return {
        "questions": len(questions),
        "answerable": len(answerable),
        "unanswerable": len(questions) - len(answerable),
        "judged": sum(1 for q in answerable if qrels.get(q.id)),
        "unjudgeable": [q.id for q in answerable if not qrels.get(q.id)],
        "errors": {r["id"]: r["error"] for r in rows if r["error"]},
    }


def _question_row(q: Question, row: dict[str, Any], relevant: dict[str, int], modes: Sequence[str]) -> dict[str, Any]:
    resp: AskResponse = row["ask"]
    first = _first_evidence(resp)
    cited = m.cites(first, q.candidates, q.evidence) if q.answerable and q.evidence else None
    return {
        "id": q.id,
        "type": q.type,
        "question": q.question,
        "gold": q.answer,
        "found": resp.found,
        "answer": resp.answer,
        "answer_type": resp.answer_type,
        "correct": is_correct(q, resp.found, resp.answer, first),
        "confidence": round(resp.confidence, 4),
        "relevant_chunks": len(relevant),
        "rank": m.first_relevant_rank([p.chunk_id for p in resp.passages], relevant),
        "ranks": {mode: m.first_relevant_rank(row["search"][mode]["ranking"], relevant) for mode in modes},
        "cited": cited,
        "ask_ms": round(row["ask_ms"], 3),
        "error": row["error"],
    }
