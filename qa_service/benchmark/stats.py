"""Small measuring tools: percentiles, a peak-memory sampler, machine facts."""

from __future__ import annotations

import os
import platform
import threading
import time
from collections.abc import Sequence
from typing import Any

import numpy as np


def summary(values_ms: Sequence[float]) -> dict[str, float | int]:
    """n, p50, p95, p99, mean and max of ``values_ms`` (milliseconds, 3 decimals)."""
    if not len(values_ms):
        return {"n": 0}
    a = np.asarray(values_ms, dtype=np.float64)
    p50, p95, p99 = np.percentile(a, [50, 95, 99])
    return {
        "n": len(a),
        "p50": round(float(p50), 3),
        "p95": round(float(p95), 3),
        "p99": round(float(p99), 3),
        "mean": round(float(a.mean()), 3),
        "max": round(float(a.max()), 3),
    }


def rss_mb(pid: int | None = None) -> float:
    """Resident memory of a process (this one by default), in MiB."""
    import psutil

    return psutil.Process(pid).memory_info().rss / 2**20


class PeakMemory:
    """Samples this process's resident memory every ``interval`` seconds while the block runs.

    ``start_mb``, ``peak_mb`` and ``end_mb`` are resident set sizes; ``peak_delta_mb`` is the peak minus
    the start. A sampler misses spikes shorter than its interval, so the peak is a lower bound.
    """

    def __init__(self, interval: float = 0.01) -> None:
        self.interval = interval
        self.start_mb = self.peak_mb = self.end_mb = 0.0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _run(self) -> None:
        import psutil

        proc = psutil.Process()
        while not self._stop.wait(self.interval):
            self.peak_mb = max(self.peak_mb, proc.memory_info().rss / 2**20)

    def __enter__(self) -> PeakMemory:
        self.start_mb = self.peak_mb = rss_mb()
        self._thread = threading.Thread(target=self._run, name="peak-memory", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join()
        self.end_mb = rss_mb()
        self.peak_mb = max(self.peak_mb, self.end_mb)

    @property
    def peak_delta_mb(self) -> float:
        return self.peak_mb - self.start_mb


def machine() -> dict[str, Any]:
    """What the figures were measured on, and how busy it was when the run started."""
    import psutil

    load = os.getloadavg() if hasattr(os, "getloadavg") else (0.0, 0.0, 0.0)
    return {
        "cpus": os.cpu_count(),
        "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_average_at_start": [round(x, 2) for x in load],
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else []
