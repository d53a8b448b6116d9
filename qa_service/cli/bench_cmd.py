"""The bench command: measure the service and write eval/bench.json and eval/bench.md."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from qa_service.cli.app import app
from qa_service.cli.common import console, err_console, settings_or_exit

# Not qa_service.config.ROOT: importing the settings here would slow down every command's start-up.
EVAL_DIR = Path(__file__).resolve().parents[2] / "eval"


def _sizes(text: str | None) -> tuple[int, ...] | None:
    if not text:
        return None
    try:
        sizes = tuple(int(s.replace("_", "")) for s in text.split(",") if s.strip())
    except ValueError:
        err_console.print(f"[red]error:[/red] --scale-sizes takes numbers separated by commas, not {text!r}")
        raise typer.Exit(2) from None
    if not sizes or min(sizes) < 100:
        err_console.print(f"[red]error:[/red] --scale-sizes must be numbers >= 100, not {text!r}")
        raise typer.Exit(2)
    return sizes


@app.command()
def bench(
    quick: Annotated[bool, typer.Option("--quick", help="Tiny sizes: the CI smoke test (< 3 minutes).")] = False,
    out: Annotated[Path, typer.Option("--out", help="Folder for bench.json and bench.md.")] = EVAL_DIR,
    skip: Annotated[
        str, typer.Option(help="Sections to skip, comma-separated: ingest, latency, http, scale, stores, cold_start.")
    ] = "",
    scale_sizes: Annotated[
        str | None, typer.Option(help="Vector counts for the scale section, e.g. 100000,1000000.")
    ] = None,
    reliability: Annotated[
        bool,
        typer.Option(
            "--reliability",
            help="Only the reliability run (damaged indexes, kill -9 during ingest, 32 clients, hostile "
            "connections; about a minute): writes reliability.md and reliability.json.",
        ),
    ] = False,
) -> None:
    """Measure ingest, in-process latency, HTTP load, vector-index scale, FAISS vs Milvus and cold start."""
    if reliability:
        _reliability(out)
        return
    from qa_service.benchmark import SECTIONS, BenchOptions, check_targets, failures, run_bench, write_report

    skipped = frozenset(s.strip().replace("-", "_") for s in skip.split(",") if s.strip())
    if skipped - set(SECTIONS):
        err_console.print(
            f"[red]error:[/red] unknown section(s) {', '.join(sorted(skipped - set(SECTIONS)))} "
            f"in --skip; use {', '.join(SECTIONS)}"
        )
        raise typer.Exit(2)
    options = BenchOptions(quick=quick, skip=skipped, scale_sizes=_sizes(scale_sizes))
    results = run_bench(settings_or_exit(), options, say=err_console.print)
    json_path, md_path = write_report(results, out)
    for t in check_targets(results):
        verdict = "-" if t.met is None else ("[green]met[/green]" if t.met else "[red]missed[/red]")
        console.print(f"{t.figure}: {t.measured} (target {t.target}, baseline {t.baseline}) {verdict}")
    console.print(f"wrote {json_path} and {md_path}")
    problems = failures(results)
    for problem in problems:
        err_console.print(f"[red]FAILED[/red] {problem}")
    if problems:
        raise typer.Exit(1)


def _reliability(out: Path) -> None:
    import shutil
    import tempfile

    from qa_service.benchmark import reliability_failures as failures
    from qa_service.benchmark import run_reliability
    from qa_service.benchmark import write_reliability_report as write_report

    folder = Path(tempfile.mkdtemp(prefix="qa-reliability-"))
    try:
        results = run_reliability(settings_or_exit(), folder, say=err_console.print)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    path = write_report(results, out / "reliability.md")
    load = results["load"]
    console.print(
        f"{len(results['damaged'])} damaged-index cases, {len(results['killed'])} kills during ingest, "
        f"{len(results['probes'])} hostile probes; {load['clients']} clients: {load['requests']:,} requests, "
        f"{load['errors']} errors, p95 {load['latency_ms'].get('p95')} ms"
    )
    console.print(f"wrote {path} and {path.with_suffix('.json')}")
    problems = failures(results)
    for problem in problems:
        err_console.print(f"[red]FAILED[/red] {problem}")
    if problems:
        raise typer.Exit(1)
