"""How often answers at a confidence level were right on the evaluation: the line shown under a confidence.

The numbers come from a calibration table in a JSON file, never from the confidence itself::

    {"calibration": {"bins": [{"low": 0.7, "high": 1.0, "n": 92, "correct": 83}, ...]}}

(``accuracy`` may stand for ``correct``; ``calibration`` may be the list itself). The trained ranker file carries
one when it exists (measured on its held-out folds); ``qa-service eval`` writes one in ``eval/report.json``. With
no table, or no evaluated answer at a level, the explanation says so in words and gives no number.
"""

from __future__ import annotations

import json
import logging
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

log = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parent.parent
DEFAULT_RANKER_FILE = Path(__file__).resolve().parent / "answering" / "model" / "ranker.json"
EVAL_REPORT = ROOT / "eval" / "report.json"
MIN_ANSWERS = 5  # fewer evaluated answers at a level than this: no rate is claimed


class Bin(NamedTuple):
    """Evaluated answers whose confidence was in [low, high), and how many of them were right."""

    low: float
    high: float
    n: int
    correct: float


def _bins(data: Any) -> list[Bin]:
    table = data.get("calibration") if isinstance(data, dict) else None
    rows = table.get("bins") if isinstance(table, dict) else table
    out = []
    for row in rows if isinstance(rows, list) else []:
        try:
            n = int(row["n"])
            correct = float(row["correct"]) if "correct" in row else float(row["accuracy"]) * n
            out.append(Bin(float(row["low"]), float(row["high"]), n, correct))
        except (KeyError, TypeError, ValueError):
            continue
    return out


@lru_cache(maxsize=8)
def _read(path: Path, mtime_ns: int) -> tuple[Bin, ...]:
    try:
        return tuple(_bins(json.loads(path.read_text(encoding="utf-8"))))
    except (OSError, ValueError) as exc:
        log.warning("no calibration table in %s: %s", path, exc)
        return ()


def load_bins(paths: list[Path]) -> list[Bin]:
    """The calibration table of the first file in ``paths`` that has one (re-read when the file changes)."""
    for path in paths:
        try:
            mtime = path.stat().st_mtime_ns
        except OSError:
            continue
        bins = _read(path, mtime)
        if bins:
            return list(bins)
    return []


def calibration_files(ranker_file: Path | None) -> list[Path]:
    """Where a calibration table is looked for: the shipped ranker's file, then the last evaluation report; a ranker
    file set by the operator alone."""
    if ranker_file:  # a ranker chosen by the operator: its own table or none, never another run's
        return [Path(ranker_file)]
    return [DEFAULT_RANKER_FILE, EVAL_REPORT]


def accuracy_between(bins: list[Bin], low: float, high: float) -> tuple[float, int] | None:
    """(share right, answers) over the bins whose middle lies in [low, high]; None below MIN_ANSWERS answers."""
    inside = [b for b in bins if low <= (b.low + b.high) / 2 <= high]
    n = sum(b.n for b in inside)
    if n < MIN_ANSWERS:
        return None
    return sum(b.correct for b in inside) / n, n


def _times_in_ten(share: float) -> str:
    tens = round(share * 10)
    if tens >= 10:
        return "right almost every time"
    if tens <= 0:
        return "rarely right"
    return f"right about {tens} time{'s' if tens != 1 else ''} in 10"


def explain(level: str, bins: list[Bin], abstain: float, confident: float) -> str:
    """One line that says what a confidence at ``level`` has meant on the evaluation."""
    if level == "not_found":
        return (
            f"Below {abstain:.0%} the service does not answer; the passages below are the nearest it found, "
            "not an answer."
        )
    low, high = (confident, 1.0) if level == "confident" else (abstain, confident)
    measured = accuracy_between(bins, low, high)
    band = f"{low:.0%} or more" if level == "confident" else f"{low:.0%} to {high:.0%}"
    if measured is None:
        return (
            f"The answerer's estimate of the chance that this answer is right ({band}); how often answers at "
            "this level are right has not been measured yet."
        )
    share, n = measured
    return f"Answers at this level ({band}) were {_times_in_ten(share)} on our evaluation ({n} answers)."
