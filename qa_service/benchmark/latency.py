"""In-process latency of ``search`` and ``ask``: wall clock per call and the time of each stage."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Mapping, Sequence
from typing import Any

from qa_service.benchmark.stats import summary
from qa_service.errors import InvalidQueryError
from qa_service.index.embedding import Embedder
from qa_service.service import QAService

STAGES = ("embed", "dense", "lexical", "fusion", "evidence", "answer")


def bench_service(service: QAService, queries: Sequence[str], warmup: int = 10) -> dict[str, Any]:
    """p50/p95/p99 of ``service.search`` (k=10) and ``service.ask`` (top_k=5) over ``queries``.

    ``wall`` is measured around the call; ``stages`` come from each response's ``timings_ms``. Queries
    the service refuses (InvalidQueryError) are counted, not timed.
    """
    service.warm_up()  # what a server does before it listens: the parse models and the ranker are loaded
    for q in queries[:warmup]:
        for call in (service.search, service.ask):
            with contextlib.suppress(InvalidQueryError):
                call(q)
    out: dict[str, Any] = {"embedder": service.embedder.name, "queries": len(queries)}
    for op in ("search", "ask"):
        walls: list[float] = []
        stages: dict[str, list[float]] = {}
        refused = found = 0
        for q in queries:
            t = time.perf_counter()
            try:
                response = service.search(q, k=10) if op == "search" else service.ask(q, top_k=5)
            except InvalidQueryError:
                refused += 1
                continue
            walls.append((time.perf_counter() - t) * 1000)
            for name, value in response.timings_ms.items():
                stages.setdefault(name, []).append(value)
            found += bool(getattr(response, "found", response.hits if op == "search" else False))
        out[op] = {
            "wall": summary(walls),
            "stages": {name: summary(stages[name]) for name in (*STAGES, "total") if name in stages},
            "refused": refused,
            "answered" if op == "ask" else "with_hits": found,
        }
    return out


def bench_embedders(embedders: Mapping[str, Embedder], queries: Sequence[str], n: int = 100) -> dict[str, Any]:
    """Latency of embedding one query, for each embedder (the stage that dominates ``ask``)."""
    out = {}
    for label, embedder in embedders.items():
        embedder.encode(["warm-up"])
        times = []
        for q in queries[:n]:
            t = time.perf_counter()
            embedder.encode([q])
            times.append((time.perf_counter() - t) * 1000)
        out[label] = {"embedder": embedder.name, **summary(times)}
    return out
