"""The ``eval`` command: run the benchmark and write report.{md,json,png} to a run folder of its own.

Paths are relative to the working directory, like the settings' defaults. A run goes to
``eval/runs/<UTC timestamp>/`` unless ``--out`` names a folder; ``--out eval`` (what ``make eval`` does)
refreshes the committed ``eval/report.*`` on purpose.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from qa_service.cli.app import app
from qa_service.cli.common import console, err_console, fail_on_errors, open_service

DEFAULT_QUESTIONS = Path("eval") / "questions.jsonl"
RUNS_DIR = Path("eval") / "runs"
README = Path("README.md")


def run_folder(now: datetime | None = None) -> Path:
    """``eval/runs/<UTC timestamp>/``: a fresh folder per run, never the committed report."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    folder, n = RUNS_DIR / stamp, 1
    while folder.exists():
        n += 1
        folder = RUNS_DIR / f"{stamp}-{n}"
    return folder


@app.command("eval")
def eval_(
    questions: Annotated[Path, typer.Option(help="Questions file (JSONL, the format of eval/questions.jsonl).")] = DEFAULT_QUESTIONS,
    index: Annotated[Path | None, typer.Option(help="Evaluate this index folder instead of the configured one (not rebuilt).")] = None,
    out: Annotated[Path | None, typer.Option(help="Folder for report.md, report.json and report.png (default: a new "
        "eval/runs/<timestamp>/; --out eval refreshes the committed report).")] = None,
    export_beir: Annotated[Path | None, typer.Option("--export-beir", metavar="DIR", help="Also write the questions, "
        "the index's passages and the relevance judgements in BEIR's layout (queries.jsonl, corpus.jsonl, "
        "qrels/test.tsv) to DIR.")] = None,
    fail_under: Annotated[list[str] | None, typer.Option("--fail-under", metavar="METRIC=VALUE",
        help="Exit 1 when METRIC is below VALUE, e.g. answer_accuracy=0.5 or hybrid.recall@5=0.6 (repeatable).")] = None,
    quick: Annotated[int | None, typer.Option(min=1, help="Only the first N questions (a smoke test).")] = None,
    update_readme: Annotated[bool, typer.Option("--update-readme", help="Write the table into README.md's eval block.")] = False,
    answerers: Annotated[str, typer.Option(help="Answerers compared side by side on the same questions "
                                           "(comma-separated: rules,learned; empty for none).")] = "rules,learned",
    stores: Annotated[str | None, typer.Option(help="Evaluate on each of these stores (comma-separated: faiss,milvus) "
        "and write one side-by-side report, stores.md and stores.json.")] = None,
) -> None:  # fmt: skip
    """Benchmark retrieval (bm25, dense, hybrid, full) and answers on a questions file."""
    from qa_service.evaluation import DatasetError, failed_gates, load_questions, parse_gates
    from qa_service.evaluation import export_beir as write_beir

    try:
        gates = parse_gates(fail_under or [])
        items = load_questions(questions, limit=quick)
    except (ValueError, DatasetError) as exc:
        err_console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    _require_dev_extras()
    if stores is not None:
        _eval_stores(stores, items, gates, out)
        return
    service = open_service(index_dir=index)
    from qa_service.evaluation import run_eval, write_reports
    from qa_service.evaluation import update_readme as write_readme_block

    if export_beir is not None:
        beir = write_beir(service, items, export_beir)
        console.print(f"wrote {', '.join(str(p) for p in beir.values())}")
    with fail_on_errors():
        compare = tuple(a.strip() for a in answerers.split(",") if a.strip())
        unknown = [a for a in compare if a not in ("rules", "learned")]
        if unknown:
            err_console.print(f"[red]error:[/red] unknown answerer {', '.join(unknown)}; use rules, learned")
            raise typer.Exit(2)
        data = run_eval(service, items, progress=_progress(), questions_file=questions, compare=compare)
    paths = write_reports(data, out if out is not None else run_folder())
    _print_summary(data)
    console.print(f"wrote {', '.join(str(p) for p in paths.values())}")
    if update_readme:
        from qa_service.evaluation import readme_table

        try:
            write_readme_block(README, readme_table(data))
        except (OSError, ValueError) as exc:
            err_console.print(f"[red]error:[/red] {exc}")
            raise typer.Exit(1) from None
        console.print(f"updated the eval table in {README}")
    failed = failed_gates(data["headline"], gates)
    for name, value, minimum in failed:
        shown = "undefined" if value is None else f"{value:.3f}"
        err_console.print(f"[red]FAIL[/red] {name} = {shown} < {minimum}")
    if failed:
        raise typer.Exit(1)


def _eval_stores(stores: str, items, gates, out: Path | None) -> None:
    from qa_service.cli.common import settings_or_exit
    from qa_service.evaluation import failed_gates, parse_stores, run_store_eval, write_store_reports
    from qa_service.service import make_embedder

    try:
        names = parse_stores(stores)
    except ValueError as exc:
        err_console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    settings = settings_or_exit()
    with fail_on_errors():
        result = run_store_eval(settings, make_embedder(settings.embedder, settings.embed_threads), items, names,
                                progress=_progress())  # fmt: skip
    paths = write_store_reports(result, out if out is not None else run_folder())
    for name in names:
        console.print(f"[bold]{name}[/bold]")
        _print_summary(result["runs"][name])
    gap = result["comparison"]["max_gap"]
    console.print(f"largest gap between stores: {gap['metric']} {gap['gap']:.3f}")
    console.print(f"wrote {', '.join(str(p) for p in paths.values())}")
    failed = [(f"{n}: {k}", v, lo) for n in names for k, v, lo in failed_gates(result["runs"][n]["headline"], gates)]
    for name, value, minimum in failed:
        shown = "undefined" if value is None else f"{value:.3f}"
        err_console.print(f"[red]FAIL[/red] {name} = {shown} < {minimum}")
    if failed:
        raise typer.Exit(1)


def _require_dev_extras() -> None:
    import importlib.util

    missing = [name for name in ("ranx", "matplotlib") if importlib.util.find_spec(name) is None]
    if missing:
        err_console.print(f"[red]error:[/red] the eval needs {' and '.join(missing)}: pip install -e '.[dev]'")
        raise typer.Exit(1)


def _progress():
    """A rich progress bar on a terminal; nothing when stderr is a pipe or a file."""
    if not err_console.is_terminal:
        return None
    from rich.progress import track

    return lambda items, desc, total: track(items, description=desc, total=total, console=err_console, transient=True)


def _print_summary(data) -> None:
    from rich.table import Table

    from qa_service.evaluation import fmt

    table = Table(title="retrieval", title_justify="left")
    for col in ("config", "R@1", "R@5", "R@10", "MRR@10", "nDCG@10", "p50 ms"):
        table.add_column(col, justify="left" if col == "config" else "right")
    for mode, res in data["retrieval"].items():
        p50 = res["latency_ms"]["p50"]
        table.add_row(mode, *(fmt(res[k]) for k in ("recall@1", "recall@5", "recall@10", "mrr@10", "ndcg@10")),
                      "n/a" if p50 is None else f"{p50:.1f}")  # fmt: skip
    console.print(table)
    h, lat = data["headline"], data["answers"]["latency_ms"]
    console.print(
        f"answers {fmt(h['answer_accuracy'])} ({data['answers']['correct']}/{data['answers']['answerable']}), "
        f"abstention P {fmt(h['abstention_precision'])} R {fmt(h['abstention_recall'])}, "
        f"citation {fmt(h['citation_accuracy'])} (top-5 {fmt(h['citation_accuracy_top5'])}), "
        f"ask p50 {fmt(lat['p50'], 1)} ms p95 {fmt(lat['p95'], 1)} ms"
    )
