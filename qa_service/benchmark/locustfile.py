"""The load that ``http_load`` runs through locust: half POST /api/ask, half GET /api/search.

Users wait no time between requests (a closed loop: concurrency = users). Besides locust's CSV, every
request's exact response time and the load generator's CPU use are written to ``BENCH_SAMPLES`` when
the run ends (locust rounds its own percentiles). Questions come from the JSON list in
``BENCH_QUESTIONS``.
"""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

from locust import FastHttpUser, constant, events, task

QUESTIONS: list[str] = json.loads(Path(os.environ["BENCH_QUESTIONS"]).read_text(encoding="utf-8"))
SAMPLES: list[list] = []
CPU: list[float] = []


@events.request.add_listener
def _record(request_type: str, name: str, response_time: float, exception: object, **_kw: object) -> None:
    SAMPLES.append([name, round(response_time, 3), exception is None, None if exception is None else str(exception)])


@events.usage_monitor.add_listener
def _cpu(environment: object, cpu_usage: float, **_kw: object) -> None:
    CPU.append(cpu_usage)


@events.quitting.add_listener
def _dump(environment: object, **_kw: object) -> None:
    Path(os.environ["BENCH_SAMPLES"]).write_text(json.dumps({"samples": SAMPLES, "cpu_percent": CPU}))


class QAUser(FastHttpUser):
    wait_time = constant(0)

    @task
    def ask(self) -> None:
        self.client.post("/api/ask", json={"question": random.choice(QUESTIONS)}, name="POST /api/ask")

    @task
    def search(self) -> None:
        self.client.get("/api/search", params={"q": random.choice(QUESTIONS), "k": 10}, name="GET /api/search")
