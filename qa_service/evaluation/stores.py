"""The eval on several stores in one report: the same questions, the same model, each store's figures side by side.

Each store builds (or reuses) its index of the configured corpus with the same embedder, then goes through
``run_eval`` unchanged. The report puts every retrieval mode's metrics and the answer figures of the stores
in one table each, with the largest difference between them, and lists the questions whose answers differ.
``WITHIN`` is the issue's budget: every figure within 1 point (0.01) of the embedded store's.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from qa_service.evaluation.dataset import Question
from qa_service.evaluation.report import fmt
from qa_service.evaluation.runner import ANSWER_HEADLINES, MODES

STORES = ("faiss", "milvus")
WITHIN = 0.01
RETRIEVAL_COLUMNS = ("recall@1", "recall@5", "recall@10", "mrr@10", "ndcg@10")


def parse_stores(text: str) -> list[str]:
    """``"faiss,milvus"`` -> ``["faiss", "milvus"]``; ValueError naming an unknown store."""
    stores = list(dict.fromkeys(s.strip() for s in text.split(",") if s.strip()))
    unknown = [s for s in stores if s not in STORES]
    if unknown or not stores:
        raise ValueError(f"unknown store(s) {', '.join(unknown) or repr(text)} in --stores; use {', '.join(STORES)}")
    return stores


def run_store_eval(settings, embedder, questions: Sequence[Question], stores: Sequence[str], progress=None) -> dict:
    """Evaluate every store in ``stores`` on ``questions``; one data dict with each store's eval and the gaps."""
    from qa_service.evaluation.runner import run_eval
    from qa_service.service import QAService, ensure_index

    runs: dict[str, dict[str, Any]] = {}
    for store in stores:
        configured = settings.model_copy(update={"store": store})
        t0 = time.perf_counter()
        built, _reason = ensure_index(configured, embedder)
        build_s = time.perf_counter() - t0
        service = QAService.open(configured, embedder)
        data = run_eval(service, questions, progress=progress)
        data["store"] = {"name": store, "built": built, "build_s": round(build_s, 2)}
        if store == "milvus":
            data["store"]["uri"] = settings.milvus_uri
        runs[store] = data
    return {"stores": list(stores), "runs": runs, "comparison": compare(runs)}


def _metrics(data: dict[str, Any]) -> dict[str, float | None]:
    out = {f"{mode}.{k}": data["retrieval"][mode].get(k) for mode in data["retrieval"] for k in RETRIEVAL_COLUMNS}
    out.update({k: data["headline"].get(k) for k in ANSWER_HEADLINES})
    return out


def compare(runs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Per metric each store's value and the largest gap; the questions whose answers differ between stores."""
    metrics = {store: _metrics(data) for store, data in runs.items()}
    rows = {}
    for name in next(iter(metrics.values()), {}):
        values = {store: m.get(name) for store, m in metrics.items()}
        known = [v for v in values.values() if v is not None]
        rows[name] = {**values, "gap": round(max(known) - min(known), 4) if len(known) > 1 else 0.0}
    worst = max(rows.items(), key=lambda kv: kv[1]["gap"], default=(None, {"gap": 0.0}))
    by_question: dict[str, dict[str, Any]] = {}
    for store, data in runs.items():
        for q in data["questions"]:
            by_question.setdefault(q["id"], {"question": q["question"]})[store] = q.get("answer")
    differ = [
        {"id": qid, **row}
        for qid, row in by_question.items()
        if len({json.dumps(row.get(s), sort_keys=True, default=str) for s in runs}) > 1
    ]
    return {
        "metrics": rows,
        "max_gap": {"metric": worst[0], "gap": worst[1]["gap"]},
        "within_budget": worst[1]["gap"] <= WITHIN + 1e-9,
        "budget": WITHIN,
        "answers_differ": differ,
    }


def render_markdown(result: dict[str, Any]) -> str:
    stores = result["stores"]
    runs, comparison = result["runs"], result["comparison"]
    first = runs[stores[0]]
    cfg = first["config"]
    lines = [
        "# Evaluation on every store",
        f"{cfg.get('questions', '-')} questions, embedder `{cfg['settings'].get('embedder', '-')}`, the same corpus and settings "
        f"on each store ({', '.join(f'`{s}`' for s in stores)}). Largest gap: "
        f"{comparison['max_gap']['metric']} {fmt(comparison['max_gap']['gap'])} "
        f"({'within' if comparison['within_budget'] else 'OVER'} the {fmt(comparison['budget'], 2)} budget).",
        "",
        "## Retrieval",
        "",
        "| mode | metric | " + " | ".join(stores) + " | gap |",
        "|---|---|" + "---|" * (len(stores) + 1),
    ]
    for mode in MODES:
        for k in RETRIEVAL_COLUMNS:
            row = comparison["metrics"].get(f"{mode}.{k}")
            if row:
                lines.append(f"| {mode} | {k} | " + " | ".join(fmt(row[s]) for s in stores) + f" | {fmt(row['gap'])} |")
    lines += [
        "",
        "## Answers",
        "",
        "| figure | " + " | ".join(stores) + " | gap |",
        "|---|" + "---|" * (len(stores) + 1),
    ]
    for k in ANSWER_HEADLINES:
        row = comparison["metrics"][k]
        lines.append(f"| {k} | " + " | ".join(fmt(row[s]) for s in stores) + f" | {fmt(row['gap'])} |")
    lines += ["", "| store | index build s | search p50 ms (full) | ask p50 ms | ask p95 ms |", "|---|---|---|---|---|"]
    for s in stores:
        d = runs[s]
        ask = d["answers"]["latency_ms"]
        lines.append(
            f"| {s} | {fmt(d['store']['build_s'], 2)}{'' if d['store']['built'] else ' (reused)'} | "
            f"{fmt(d['retrieval']['full']['latency_ms']['p50'], 1)} | {fmt(ask['p50'], 1)} | {fmt(ask['p95'], 1)} |"
        )
    differ = comparison["answers_differ"]
    lines += ["", f"## Answers that differ between stores ({len(differ)})", ""]
    lines += [f"- `{d['id']}` {d['question']}: " + "; ".join(f"{s}: {d.get(s)!r}" for s in stores) for d in differ]
    return "\n".join(lines) + "\n"


def write_store_reports(result: dict[str, Any], out_dir: Path) -> dict[str, Path]:
    """``stores.json`` (every store's whole eval and the comparison) and ``stores.md`` into ``out_dir``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {"json": out_dir / "stores.json", "md": out_dir / "stores.md"}
    paths["json"].write_text(json.dumps(result, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    paths["md"].write_text(render_markdown(result), encoding="utf-8")
    return paths
