"""The training report: the learned answerer's cross-validated figures beside the old rules and the naive baseline.

The rules and the baseline are not trained, so their figures on the same questions are plain; the learned
answerer's are out of fold (each question answered by a scorer that never saw its document).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from qa_service.evaluation.baselines import overlap_sentence
from qa_service.evaluation.runner import is_correct


def compare(examples: Sequence[Any], services: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Per question: the rules' and the baseline's answers, and whether each is right."""
    rows = []
    for ex in examples:
        svc = services[ex.set_name]
        q = ex.question
        rules = svc.ask(q.question, answerer="rules")
        first = rules.passages[0].evidence.text if rules.passages and rules.passages[0].evidence else None
        base = overlap_sentence(svc, q.question)
        rows.append({
            "id": q.id, "set": ex.set_name, "group": ex.group, "answerable": q.answerable,
            "rules_right": is_correct(q, rules.found, rules.answer, first),
            "rules_found": rules.found,
            "baseline_right": is_correct(q, base is not None, base, base),
        })  # fmt: skip
    return {"rows": rows}


def _share(rows, key, sel=lambda r: True) -> float | None:
    chosen = [r for r in rows if sel(r)]
    return round(sum(bool(r[key]) for r in chosen) / len(chosen), 4) if chosen else None


def write_training_report(folder: Path, ranker, results: dict[str, Any], others: dict[str, Any]) -> list[Path]:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rows = others["rows"]
    report = ranker.report
    kept = report["kept"]
    cv = results[kept][0]
    learned_right = {ex_id: bool(d["right"] and p >= cv["threshold"]) for ex_id, d, p in
                     zip([r["id"] for r in rows], cv["decisions"], cv["probs"], strict=True)}  # fmt: skip
    for r in rows:
        r["learned_right"] = learned_right[r["id"]] if r["answerable"] else None
    sets = sorted({r["set"] for r in rows})
    side = {}
    for name in [None, *sets]:

        def sel(r, n=name):
            return r["answerable"] and (n is None or r["set"] == n)

        side[name or "all"] = {
            "answerable": sum(1 for r in rows if sel(r)),
            "learned (cross-validated)": _share(rows, "learned_right", sel),
            "rules": _share(rows, "rules_right", sel),
            "best-overlap sentence": _share(rows, "baseline_right", sel),
        }
    unanswerable = [r for r in rows if not r["answerable"]]
    side["rules abstention recall"] = _share(unanswerable, "rules_right") if unanswerable else None
    data = {"kept": kept, "threshold": ranker.threshold, "examples": report["examples"],
            "cross_validated": report["cross_validated"], "side_by_side": side, "questions": rows}  # fmt: skip
    ranker.report["side_by_side"] = side
    json_path = folder / "training-report.json"
    json_path.write_text(json.dumps(data, indent=1), encoding="utf-8")
    md = _markdown(data)
    md_path = folder / "training-report.md"
    md_path.write_text(md, encoding="utf-8")
    paths = [md_path, json_path]
    png = _reliability_png(folder / "reliability.png", report["cross_validated"][kept]["reliability"])
    if png:
        paths.append(png)
    return paths


def _fmt(v) -> str:
    return "—" if v is None else f"{v:.3f}" if isinstance(v, float) else str(v)


def _markdown(data: dict[str, Any]) -> str:
    lines = ["# Training report: the learned answerer", "",
             f"Kept scorer: **{data['kept']}**; abstain threshold {data['threshold']} (chosen on held-out folds); "
             f"{data['examples']} labelled questions.", "",
             "Every learned figure is out of fold: folds hold out all questions of one document (unanswerable "
             "questions are spread over the folds by id), so no question is answered by a scorer trained on its "
             "document. The rules and the baseline are untrained.", "",
             "## Answer accuracy on answerable questions, side by side", "",
             "| questions | n | learned (CV) | old rules | best-overlap sentence |", "|---|---|---|---|---|"]  # fmt: skip
    for name, row in data["side_by_side"].items():
        if isinstance(row, dict):
            lines.append(f"| {name} | {row['answerable']} | {_fmt(row['learned (cross-validated)'])} | "
                         f"{_fmt(row['rules'])} | {_fmt(row['best-overlap sentence'])} |")  # fmt: skip
    lines += ["", f"Rules' abstention recall on unanswerable questions: "
              f"{_fmt(data['side_by_side'].get('rules abstention recall'))}", ""]  # fmt: skip
    for kind, res in data["cross_validated"].items():
        o = res["overall"]
        lines += [f"## Scorer `{kind}` (cross-validated)", "",
                  "| metric | value |", "|---|---|"] + [f"| {k} | {_fmt(v)} |" for k, v in o.items()] + [""]  # fmt: skip
        lines += ["| held-out fold | questions | answer accuracy | strict (short) | abstention recall | decision accuracy |",
                  "|---|---|---|---|---|---|"]  # fmt: skip
        for g, b in res["per_fold"].items():
            lines.append(f"| {g} | {b['questions']} | {_fmt(b['answer_accuracy'])} | {_fmt(b['answer_accuracy_strict'])} "
                         f"| {_fmt(b['abstention_recall'])} | {_fmt(b['decision_accuracy'])} |")  # fmt: skip
        lines += ["", "Reliability (held-out calibrated confidence against accuracy):", "",
                  "| confidence | n | mean confidence | accuracy |", "|---|---|---|---|"]  # fmt: skip
        for b in res["reliability"]:
            lines.append(f"| {b['from']}–{b['to']} | {b['n']} | {b['mean_confidence']} | {b['accuracy']} |")
        lines.append("")
    return "\n".join(lines) + "\n"


def _reliability_png(path: Path, table: list[dict[str, Any]]) -> Path | None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    fig, ax = plt.subplots(figsize=(4.5, 4.5))
    ax.plot([0, 1], [0, 1], "--", color="grey", label="perfect calibration")
    xs = [b["mean_confidence"] for b in table]
    ys = [b["accuracy"] for b in table]
    ax.plot(xs, ys, "o-", label="held-out folds")
    for x, y, b in zip(xs, ys, table, strict=True):
        ax.annotate(str(b["n"]), (x, y), textcoords="offset points", xytext=(4, -10), fontsize=7)
    ax.set_xlabel("calibrated confidence")
    ax.set_ylabel("share right")
    ax.set_title("Reliability of the answer confidence")
    ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
