"""Cold start: wall-clock seconds from spawning a process to its first answer."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from qa_service.benchmark.procs import qa_command, settings_env, start_server, stop_server, wait_until_answers
from qa_service.config import Settings


def _summary(runs: list[float]) -> dict[str, Any]:
    return {
        "runs_s": [round(r, 3) for r in runs],
        "median_s": round(statistics.median(runs), 3),
        "min_s": round(min(runs), 3),
        "max_s": round(max(runs), 3),
    }


def cold_start_cli(settings: Settings, question: str, runs: int = 3) -> dict[str, Any]:
    """``qa-service ask QUESTION --json`` over a current index: spawn to exit, per run.

    ``qa-service ingest`` runs first, untimed: an index that the code on disk finds stale (say, the
    pipeline changed since the benchmark built it) would otherwise be rebuilt inside the first timed run.
    """
    cmd = qa_command("ask", question, "--json")
    env = settings_env(settings)
    prepare = subprocess.run(qa_command("ingest"), env=env, capture_output=True, text=True, timeout=3600, check=False)
    if prepare.returncode != 0:
        raise RuntimeError(f"`qa-service ingest` exited with {prepare.returncode}: {prepare.stderr[-2000:]}")
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300, check=False)
        times.append(time.perf_counter() - t0)
        if done.returncode != 0:
            raise RuntimeError(f"`qa-service ask` exited with {done.returncode}: {done.stderr[-2000:]}")
        if "built the index" in done.stderr:
            raise RuntimeError(f"`qa-service ask` rebuilt the index, so it did not time a start: {done.stderr[-500:]}")
        json.loads(done.stdout)  # it must have printed a whole answer
    return {"command": "qa-service ask QUESTION --json", "embedder": settings.embedder, **_summary(times)}


def cold_start_server(settings: Settings, question: str, work_dir: Path, runs: int = 1) -> dict[str, Any]:
    """``qa-service serve --no-build`` (1 worker): spawn to the first 200 from POST /api/ask, per run."""
    times = []
    for i in range(runs):
        t0 = time.perf_counter()
        server = start_server(settings, 1, work_dir / f"cold-server-{i}.log")
        try:
            times.append(wait_until_answers(server, question, timeout=300, started=t0))
        finally:
            stop_server(server)
    return {"command": "qa-service serve --no-build --workers 1", "embedder": settings.embedder, **_summary(times)}


def cold_start_baseline(baseline_dir: Path, question: str, runs: int = 3) -> dict[str, Any]:
    """The naive baseline as a script: load the model and the flat index, answer once."""
    cmd = [sys.executable, "-m", "qa_service.benchmark.baseline", str(baseline_dir), question]
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=False)
        times.append(time.perf_counter() - t0)
        if done.returncode != 0:
            raise RuntimeError(f"the baseline script exited with {done.returncode}: {done.stderr[-2000:]}")
    return {"command": "python -m qa_service.benchmark.baseline DIR QUESTION", **_summary(times)}
