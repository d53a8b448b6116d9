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
        str, typer.Option(help="Sections to skip, comma-separated: ingest, latency, http, scale, cold_start.")
    ] = "",
    scale_sizes: Annotated[
        str | None, typer.Option(help="Vector counts for the scale section, e.g. 100000,1000000.")
    ] = None,
) -> None:
    """Measure ingest, in-process latency, HTTP load, vector-index scale and cold start against targets."""
    from qa_service.benchmark.report import write_report
    from qa_service.benchmark.runner import SECTIONS, BenchOptions, run_bench
    from qa_service.benchmark.targets import failures, targets

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
    for t in targets(results):
        verdict = "-" if t.met is None else ("[green]met[/green]" if t.met else "[red]missed[/red]")
        console.print(f"{t.figure}: {t.measured} (target {t.target}, baseline {t.baseline}) {verdict}")
    console.print(f"wrote {json_path} and {md_path}")
    problems = failures(results)
    for problem in problems:
        err_console.print(f"[red]FAILED[/red] {problem}")
    if problems:
        raise typer.Exit(1)
