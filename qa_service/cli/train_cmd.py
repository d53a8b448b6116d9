"""The ``train`` command: fit the learned answerer on the labelled questions and report cross-validated figures."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from qa_service.cli.app import app
from qa_service.cli.common import console, err_console, fail_on_errors, settings_or_exit
from qa_service.config import ROOT


@app.command("train")
def train(
    sets: Annotated[Path, typer.Option(help="Training sets: corpus folders and their questions (JSON).")] = ROOT / "eval" / "training.json",
    out: Annotated[Path | None, typer.Option(help="Where to write the ranker (default: the shipped model file).")] = None,
    report_dir: Annotated[Path, typer.Option(help="Folder for training-report.md/.json and reliability.png.")] = ROOT / "eval",
    scorers: Annotated[str, typer.Option(help="Scorer kinds to cross-validate, comma-separated; the best is kept: "
                                         "softmax, logreg, lightgbm, lambdarank.")] = "softmax",
) -> None:  # fmt: skip
    """Train the candidate ranker; k-fold by document, calibrated on held-out folds; writes the model and a report."""
    from qa_service.evaluation import train_and_report

    settings = settings_or_exit()
    kinds = [k.strip() for k in scorers.split(",") if k.strip()]
    from qa_service.evaluation import SCORER_KINDS

    bad = [k for k in kinds if k not in SCORER_KINDS]
    if bad or not kinds:
        err_console.print(
            f"[red]error:[/red] unknown scorer {', '.join(bad) or '(none)'}; use {', '.join(SCORER_KINDS)}"
        )
        raise typer.Exit(2)
    if not sets.is_file():
        err_console.print(f"[red]error:[/red] {sets}: no such training-sets file")
        raise typer.Exit(2)
    with fail_on_errors():
        ranker, target, paths, n = train_and_report(settings, sets, out, report_dir, kinds)
    overall = ranker.report["cross_validated"][ranker.report["kept"]]["overall"]
    console.print(f"{n} questions; kept {ranker.report['kept']}; cross-validated answer accuracy "
                  f"{overall['answer_accuracy']}, decision accuracy {overall['decision_accuracy']}, "
                  f"threshold {ranker.threshold}")  # fmt: skip
    console.print(f"wrote {target} and {', '.join(str(p) for p in paths)}")
