"""Render the eval data dict: ``report.json`` (the dict itself), ``report.md`` (tables), ``report.png``
(a chart comparing the configurations), and the README's table block."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

README_START = "<!-- eval-table:start -->"
README_END = "<!-- eval-table:end -->"
CHART_METRICS = (("recall@1", "Recall@1"), ("recall@5", "Recall@5"), ("mrr@10", "MRR@10"), ("ndcg@10", "nDCG@10"))
_IR_COLUMNS = (
    ("recall@1", "Recall@1"), ("recall@5", "Recall@5"), ("recall@10", "Recall@10"), ("hit_rate@1", "Hit@1"),
    ("hit_rate@5", "Hit@5"), ("mrr@10", "MRR@10"), ("ndcg@10", "nDCG@10"),
)  # fmt: skip


def write_reports(data: dict[str, Any], out_dir: Path) -> dict[str, Path]:
    """Write report.json, report.md and report.png into ``out_dir``; return their paths by kind."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {"json": out_dir / "report.json", "markdown": out_dir / "report.md", "chart": out_dir / "report.png"}
    paths["json"].write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    paths["markdown"].write_text(render_markdown(data, chart_name=paths["chart"].name), encoding="utf-8")
    plot(data, paths["chart"])
    return paths


def update_readme(readme: Path, table: str) -> None:
    """Replace what lies between the eval-table markers of ``readme`` with ``table``.

    Raises ValueError when the markers are missing or out of order (the README is left untouched).
    """
    text = Path(readme).read_text(encoding="utf-8")
    start, end = text.find(README_START), text.find(README_END)
    if start < 0 or end < start:
        raise ValueError(f"{readme} has no '{README_START}' ... '{README_END}' block to update")
    head = text[: start + len(README_START)]
    Path(readme).write_text(f"{head}\n{table.strip()}\n{text[end:]}", encoding="utf-8")


# -- markdown --------------------------------------------------------------------------------------------
def fmt(value: float | None, digits: int = 3) -> str:
    return "n/a" if value is None or value != value else f"{value:.{digits}f}"


def _ms(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}"


def _cell(text: Any, limit: int = 90) -> str:
    text = " ".join(str(text if text is not None else "—").split())
    text = text if len(text) <= limit else text[: limit - 1] + "…"
    return text.replace("|", "\\|")


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in rows])


def retrieval_table(data: dict[str, Any]) -> str:
    header = ["configuration", *(label for _, label in _IR_COLUMNS), "p50 ms", "p95 ms"]
    rows = []
    for mode, res in data["retrieval"].items():
        lat = res["latency_ms"]
        rows.append([mode, *(fmt(res[key]) for key, _ in _IR_COLUMNS), _ms(lat["p50"]), _ms(lat["p95"])])
    return _table(header, rows)


def answer_table(data: dict[str, Any]) -> str:
    a, ab, c = data["answers"], data["abstention"], data["citation"]
    lat = a["latency_ms"]
    rows = [
        ["answer accuracy (answerable)", fmt(a["answer_accuracy"]), f"{a['correct']} / {a['answerable']}"],
        ["overall accuracy (abstaining counts on unanswerable)", fmt(a["overall_accuracy"]), ""],
        ["abstention precision", fmt(ab["precision"]), f"{ab['correct_abstentions']} / {ab['abstentions']}"],
        ["abstention recall", fmt(ab["recall"]), f"{ab['correct_abstentions']} / {ab['unanswerable']}"],
        ["false abstentions (answerable)", fmt(ab["false_abstention_rate"]), str(ab["false_abstentions"])],
        ["citation accuracy (top-1 evidence sentence)", fmt(c["top1"]), f"n = {c['n']}"],
        ["citation accuracy (any of top-5)", fmt(c["top5"]), f"n = {c['n']}"],
        ["ask latency p50 / p95 (ms)", f"{_ms(lat['p50'])} / {_ms(lat['p95'])}", ""],
    ]
    return _table(["metric", "value", "count"], rows)


def _threshold(cfg: dict[str, Any]) -> str:
    """The abstain threshold the answers were judged at (reports from before it was recorded: the setting)."""
    value = cfg.get("effective_abstain_threshold", cfg["settings"]["abstain_threshold"])
    who = f"{cfg['answerer']} answerer, " if cfg.get("answerer") else ""
    return f"{who}abstain threshold {value}"


def readme_table(data: dict[str, Any]) -> str:
    """The compact tables shown in the README."""
    cfg = data["config"]
    return (
        f"Last run: {cfg['created']}, {cfg['questions']} questions, {_threshold(cfg)} "
        f"(`qa-service eval`; details in `eval/report.md`).\n\n"
        f"{retrieval_table(data)}\n\n{answer_table(data)}"
    )


def answerers_table(data: dict[str, Any]) -> str:
    rows = []
    for name, block in (data.get("answerers") or {}).items():
        a, ab, c = block["answers"], block["abstention"], block["citation"]
        lat = a.get("latency_ms") or {}
        rows.append([name, fmt(a.get("answer_accuracy")), fmt(a.get("overall_accuracy")), fmt(ab.get("precision")),
                     fmt(ab.get("recall")), str(ab.get("false_abstentions", "")), fmt(c.get("top1")),
                     f"{_ms(lat.get('p50'))} / {_ms(lat.get('p95'))}"])  # fmt: skip
    header = ["answerer", "answer accuracy", "overall", "abstention precision", "abstention recall",
              "false abstentions", "citation top-1", "ask p50 / p95 ms"]  # fmt: skip
    return _table(header, rows) if rows else "(not run)"


def render_markdown(data: dict[str, Any], chart_name: str = "report.png") -> str:
    cfg, counts = data["config"], data["counts"]
    index = cfg.get("index", {})
    idx_counts = index.get("counts") or {}
    parts = [
        "# Evaluation report",
        f"Generated {cfg['created']} by qa-service {cfg['qa_service_version']} from `{cfg['questions_file']}`: "
        f"{counts['questions']} questions ({counts['answerable']} answerable, {counts['unanswerable']} unanswerable). "
        f"Index: model `{_model_name(index.get('model'))}`, corpus `{index.get('corpus_hash', '?')}`, "
        f"{idx_counts.get('chunks', '?')} chunks. {_threshold(cfg).capitalize()}.",
        f"![configurations compared]({chart_name})",
        f"## Retrieval (`search`, k = {cfg['search_k']})",
        retrieval_table(data),
        f"{counts['judged']} answerable questions judged; unjudgeable (evidence in no chunk): "
        f"{', '.join(counts['unjudgeable']) or 'none'}. Relevance: {cfg['relevance']['rule']}. Recall@k counts every "
        "relevant chunk (a quote repeated in two overlapping chunks makes Recall@1 at most 0.5); Hit@k is the share "
        "of questions with any relevant chunk in the top k. Latency is per `search` call.",
        f"## Answers (`ask`, full pipeline, top_k = {cfg['ask_top_k']})",
        answer_table(data),
        "### Per question type",
        _table(
            ["type", "n", "correct", "accuracy"],
            [[t, str(v["n"]), str(v["correct"]), fmt(v["accuracy"])] for t, v in data["answers"]["per_type"].items()],
        ),
        "For `unanswerable` the accuracy is the share of correct abstentions.",
        "## Answerers side by side",
        answerers_table(data),
        "The learned answerer's ranker was trained on labelled questions that include the bundled eval set, so its "
        "row here is close to a training fit; its cross-validated figures (one document held out at a time) are in "
        "`eval/training-report.md`.",
        "## Calibration (threshold sweep of the full pipeline)",
        _calibration_table(data["calibration"]),
        "## Misses",
        _misses(data["questions"]),
        "## How it is measured",
        _METHOD,
    ]
    if counts["errors"]:
        parts[-2:-2] = ["## Errors", "\n".join(f"- {qid}: {msg}" for qid, msg in counts["errors"].items())]
    return "\n\n".join(parts) + "\n"


def _model_name(model: Any) -> str:
    if isinstance(model, dict):
        return " ".join(str(model[k]) for k in ("name", "version") if model.get(k)) or "?"
    return str(model or "?")


def _calibration_table(cal: dict[str, Any]) -> str:
    rows = []
    for r in cal["rows"]:
        mark = " (configured)" if abs(r["threshold"] - cal["configured_threshold"]) < 1e-9 else ""
        rows.append([f"{r['threshold']:.2f}{mark}", fmt(r["answer_accuracy"]), fmt(r["overall_accuracy"]),
                     fmt(r["abstention_precision"]), fmt(r["abstention_recall"]), str(r["false_abstentions"])])  # fmt: skip
    header = ["threshold", "answer accuracy", "overall accuracy", "abstention precision", "abstention recall",
              "false abstentions"]  # fmt: skip
    note = (
        "Computed from one run with the threshold at 0.0: a response counts as found when it has an answer and "
        "its confidence is at least the threshold (exactly the rule `ask` applies)."
    )
    return _table(header, rows) + "\n\n" + note


def _misses(questions: list[dict[str, Any]]) -> str:
    rows = [
        [q["id"], q["type"], _cell(q["question"], 70), _cell(q["gold"], 50),
         _cell(q["answer"] if q["found"] else "(not found)", 60), fmt(q["confidence"], 2),
         str(q["ranks"].get("full") or "—")]
        for q in questions
        if not q["correct"]
    ]  # fmt: skip
    if not rows:
        return "None."
    header = ["id", "type", "question", "gold", "system", "conf.", "rank (full)"]
    return f"{len(rows)} questions answered wrongly or not at all.\n\n" + _table(header, rows)


_METHOD = """\
- **Retrieval**: each configuration (`bm25`, `dense`, `hybrid`, `full`) is `QAService.search(question, k=10,
  mode=...)`. Relevant chunks (qrels) are every chunk of the index that holds the gold evidence quote, found
  without looking at any ranking; metrics are computed by ranx. Unanswerable questions have no qrels and are left
  out of the retrieval metrics.
- **Answers**: `QAService.ask(question, top_k=5)`, the call the API makes. An answer is correct when it was
  found and one rule holds, after normalisation: the gold answer or an alias occurs in it; it (4+ characters)
  occurs in the gold answer and holds at least half of its content words; every number of the gold answer occurs
  among its numbers by value ("2,330" = "2330", "2.5 million" = 2,500,000); or, for dates, every year of the gold
  answer occurs in it. An answer that is a list of numbers (more than two beyond the gold answer's, and a third of
  its words or more: a table row) is not credited through a numeric gold answer. Explanation questions also pass
  when the answer or the top passage's evidence sentence covers at least half of the gold quote's content words, a
  lenient proxy for free text. Korean questions follow the same rules.
- **Abstention**: precision = correct "not found" / all "not found"; recall = correct "not found" /
  unanswerable questions; false abstentions = "not found" on answerable questions.
- **Citation**: the top passage's evidence sentence holds the key span of the gold quote: the gold answer (or an
  alias) when the quote holds it, else the quote itself; the top-5 variant accepts any of the five passages.
- **Latency**: wall-clock time of each call (`time.perf_counter`), after one untimed warm-up call per
  configuration."""


# -- chart -----------------------------------------------------------------------------------------------
def plot(data: dict[str, Any], path: Path) -> None:
    """Grouped bars of the IR metrics per configuration, and answer accuracy (overall and per type)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    modes = list(data["retrieval"])
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.8), gridspec_kw={"width_ratios": [3, 2]})
    width = 0.8 / max(len(modes), 1)
    for i, mode in enumerate(modes):
        values = [_num(data["retrieval"][mode][key]) for key, _ in CHART_METRICS]
        xs = [j + (i - (len(modes) - 1) / 2) * width for j in range(len(CHART_METRICS))]
        bars = left.bar(xs, values, width, label=mode)
        left.bar_label(bars, fmt="%.2f", fontsize=7, padding=1)
    left.set_xticks(range(len(CHART_METRICS)), [label for _, label in CHART_METRICS])
    left.set_ylim(0, 1.08)
    left.set_title("Retrieval by configuration")
    left.legend(loc="lower right", fontsize=8)

    answers = data["answers"]
    labels = ["answerable (all)", *answers["per_type"]]
    values = [_num(answers["answer_accuracy"]), *(_num(v["accuracy"]) for v in answers["per_type"].values())]
    bars = right.barh(labels[::-1], values[::-1], color="tab:green")
    right.bar_label(bars, fmt="%.2f", fontsize=7, padding=2)
    right.set_xlim(0, 1.1)
    right.set_title("Answer accuracy, full pipeline")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _num(value: float | None) -> float:
    return 0.0 if value is None or value != value else float(value)
