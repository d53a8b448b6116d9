"""Vector-index scale: build time, memory, single-query latency and recall@10 of flat, HNSW and IVF.

Vectors come from ``VectorMixture`` (clusters around real corpus embeddings); queries are drawn from
the same mixture but are never base vectors. Recall@10 is against exact (flat) search. Indexes are
built with all cores and queried one query at a time on one thread, as the service does.
"""

from __future__ import annotations

import gc
import os
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from qa_service.benchmark.stats import PeakMemory, rss_mb, summary
from qa_service.benchmark.synthetic import VectorMixture
from qa_service.index.vector_index import (
    QUERY_THREADS,
    build_vector_index,
    calibrate_search,
    choose_index_type,
    omp_threads,
    recall_at,
    set_search_breadth,
)

KINDS = ("flat", "hnsw", "ivf")
RECALL_GUARD = 0.95
SWEEP = {"hnsw": ("ef_search", (16, 32, 64, 128, 256)), "ivf": ("nprobe", (4, 8, 16, 32, 64, 128))}


def _latency(index: Any, queries: np.ndarray, budget_s: float, minimum: int = 20) -> dict[str, Any]:
    """Single-query latency (k=10) over ``queries``, stopping after ``budget_s`` once ``minimum`` ran."""
    times = []
    start = time.perf_counter()
    for q in queries:
        t = time.perf_counter()
        index.search(q[None, :], 10)
        times.append((time.perf_counter() - t) * 1000)
        if len(times) >= minimum and time.perf_counter() - start > budget_s:
            break
    return summary(times)


def index_mb(index: Any, kind: str) -> float:
    """What the index holds in memory: vectors, graph links (HNSW), list ids and centroids (IVF)."""
    if kind == "hnsw":
        graph = index.hnsw.neighbors.size() * 4 + index.hnsw.levels.size() * 4 + index.hnsw.offsets.size() * 8
        size = index.ntotal * index.d * 4 + graph
    elif kind == "ivf":
        size = index.ntotal * (index.code_size + 8) + index.nlist * index.d * 4
    else:
        size = index.ntotal * index.d * 4
    return round(size / 2**20, 1)


def _data_stats(base: np.ndarray, queries: np.ndarray, exact_scores: np.ndarray) -> dict[str, float]:
    """How clustered the data is: cosine of a query to its 1st and 10th neighbour and to a random vector."""
    rng = np.random.default_rng(5)
    random_rows = base[rng.integers(0, len(base), 1000)]
    return {
        "mean_cos_top1": round(float(exact_scores[:, 0].mean()), 3),
        "mean_cos_top10": round(float(exact_scores[:, -1].mean()), 3),
        "mean_cos_random": round(float((queries[:100] @ random_rows.T).mean()), 3),
    }


def bench_index(
    kind: str, base: np.ndarray, queries: np.ndarray, exact: np.ndarray, latency_budget_s: float, sweep: bool = True
) -> dict[str, Any]:
    """Build one index over ``base`` and measure it against the exact neighbours ``exact``."""
    gc.collect()
    with PeakMemory(interval=0.05) as memory:
        t0 = time.perf_counter()
        index, info = build_vector_index(base, kind, calibrate=False)
        build_s = time.perf_counter() - t0
        calibration_s = 0.0
        if kind != "flat":
            t1 = time.perf_counter()
            info.update(calibrate_search(index, base, kind))
            calibration_s = time.perf_counter() - t1
    with omp_threads(os.cpu_count() or 1):
        _d, found = index.search(queries, exact.shape[1])
    out: dict[str, Any] = {
        "type": kind,
        "params": {k: v for k, v in info.items() if k not in {"type", "vectors", "dim"}},
        "build_s": round(build_s, 2),
        "calibration_s": round(calibration_s, 2),
        "index_mb": index_mb(index, kind),
        "rss_growth_mb": round(memory.end_mb - memory.start_mb, 1),
        "peak_memory_increase_mb": round(memory.peak_delta_mb, 1),
        "recall_at_10": round(recall_at(found, exact), 4),
    }
    with omp_threads(QUERY_THREADS):
        out["latency_ms"] = _latency(index, queries, latency_budget_s)
    if sweep and kind in SWEEP:
        name, steps = SWEEP[kind]
        rows = []
        for value in steps:
            set_search_breadth(index, kind, value)
            with omp_threads(os.cpu_count() or 1):
                _d, found = index.search(queries, exact.shape[1])
            with omp_threads(QUERY_THREADS):
                lat = _latency(index, queries[:200], latency_budget_s / 4)
            rows.append(
                {
                    name: value,
                    "recall_at_10": round(recall_at(found, exact), 4),
                    "p50_ms": lat["p50"],
                    "p95_ms": lat["p95"],
                }
            )
        out["sweep"] = rows
    if kind == "flat":
        with omp_threads(os.cpu_count() or 1):
            out["latency_ms_all_threads"] = _latency(index, queries[:200], latency_budget_s / 2)
    del index
    gc.collect()
    return out


def bench_scale(
    sizes: Sequence[int],
    dim: int,
    seeds: np.ndarray | None,
    n_queries: int = 1000,
    kinds: Sequence[str] = KINDS,
    latency_budget_s: float = 20.0,
    build_budget_s: float = 1800.0,
    spread: float = 0.04,
    say: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Every index type at every size, and the automatic choice checked against the recall guard.

    An index whose build, extrapolated from the previous size, would exceed ``build_budget_s`` is
    skipped and reported as such.
    """
    out: dict[str, Any] = {
        "dim": dim,
        "queries": n_queries,
        "spread": spread,
        "seeded_from_corpus": seeds is not None,
        "query_threads": QUERY_THREADS,
        "sizes": [],
    }
    previous: dict[str, tuple[int, float]] = {}
    for n in sorted(sizes):
        centres = int(min(4000, max(10, n // 25)))
        mixture = VectorMixture(dim, seeds, centres=centres, spread=spread, seed=n)
        t0 = time.perf_counter()
        base = mixture.sample(n, seed=1)
        queries = mixture.sample(n_queries, seed=2)
        generate_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        import faiss

        with omp_threads(os.cpu_count() or 1):
            exact_scores, exact = faiss.knn(queries, base, min(10, n), metric=faiss.METRIC_INNER_PRODUCT)
        row: dict[str, Any] = {
            "vectors": n,
            "centres": centres,
            "base_mb": round(base.nbytes / 2**20, 1),
            "generate_s": round(generate_s, 2),
            "exact_knn_s": round(time.perf_counter() - t0, 2),
            "data": _data_stats(base, queries, exact_scores),
            "rss_mb_before": round(rss_mb(), 1),
            "indexes": {},
        }
        say(f"scale: {n:,} vectors ({centres} clusters) generated in {generate_s:.1f} s")
        for kind in kinds:
            if kind in previous:
                n_prev, t_prev = previous[kind]
                estimate = t_prev * (n / n_prev) * 1.3
                if estimate > build_budget_s:
                    row["indexes"][kind] = {
                        "type": kind,
                        "skipped": f"estimated build {estimate:.0f} s > budget {build_budget_s:.0f} s",
                    }
                    say(f"scale: {kind} at {n:,} skipped (estimated {estimate:.0f} s)")
                    continue
            result = bench_index(kind, base, queries, exact, latency_budget_s)
            previous[kind] = (n, result["build_s"])
            row["indexes"][kind] = result
            say(
                f"scale: {kind} at {n:,}: build {result['build_s']} s, recall@10 {result['recall_at_10']}, "
                f"p50 {result['latency_ms']['p50']} ms, {result['index_mb']} MB"
            )
        auto = choose_index_type(n)
        chosen = row["indexes"].get(auto, {})
        row["auto"] = {
            "type": auto,
            "recall_at_10": chosen.get("recall_at_10"),
            "p50_ms": chosen.get("latency_ms", {}).get("p50"),
            "p95_ms": chosen.get("latency_ms", {}).get("p95"),
            "guard_ok": chosen.get("recall_at_10") is not None and chosen["recall_at_10"] >= RECALL_GUARD,
        }
        out["sizes"].append(row)
        del base
        gc.collect()
    return out
