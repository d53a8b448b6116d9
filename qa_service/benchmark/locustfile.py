"""The load that ``http_load`` runs through locust: half POST /api/ask, half GET /api/search.

Users wait no time between requests (a closed loop: concurrency = users). Besides locust's CSV, every
request's exact response time and the load generator's mean CPU use are written to ``BENCH_SAMPLES`` when
the run ends (locust rounds its own percentiles). Questions come from the JSON list in
``BENCH_QUESTIONS``.
"""

from __future__ import annotations

import json
import os
import random
import time
from pathlib import Path

import psutil
from locust import FastHttpUser, constant, events, task

QUESTIONS: list[str] = json.loads(Path(os.environ["BENCH_QUESTIONS"]).read_text(encoding="utf-8"))
SAMPLES: list[list] = []
START: dict[str, float] = {}


@events.request.add_listener
def _record(request_type: str, name: str, response_time: float, exception: object, **_kw: object) -> None:
    SAMPLES.append([name, round(response_time, 3), exception is None, None if exception is None else str(exception)])


def _cpu_seconds() -> float:
    times = psutil.Process().cpu_times()
    return times.user + times.system


@events.test_start.add_listener
def _start(environment: object, **_kw: object) -> None:
    START.update(wall=time.perf_counter(), cpu=_cpu_seconds())


@events.quitting.add_listener
def _dump(environment: object, **_kw: object) -> None:
    # The load generator's own CPU use, in percent of one core over the run.
    cpu = 100 * (_cpu_seconds() - START["cpu"]) / max(time.perf_counter() - START["wall"], 1e-9) if START else None
    Path(os.environ["BENCH_SAMPLES"]).write_text(json.dumps({"samples": SAMPLES, "loadgen_cpu_percent": cpu}))


class QAUser(FastHttpUser):
    wait_time = constant(0)

    @task
    def ask(self) -> None:
        self.client.post("/api/ask", json={"question": random.choice(QUESTIONS)}, name="POST /api/ask")

    @task
    def search(self) -> None:
        self.client.get("/api/search", params={"q": random.choice(QUESTIONS), "k": 10}, name="GET /api/search")
