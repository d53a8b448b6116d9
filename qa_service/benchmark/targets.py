"""The verdict of a benchmark run: each targeted figure next to its target and baseline, and what fails it."""

from __future__ import annotations

from typing import Any, NamedTuple


class Target(NamedTuple):
    figure: str
    measured: float | None
    target: str
    baseline: float | None
    met: bool | None  # None: no target, or not measured
    hard: bool = False  # a miss fails the benchmark (errors, the recall guard), not just the target


def _get(data: Any, *path: Any) -> Any:
    for key in path:
        if data is None:
            return None
        if isinstance(data, dict):
            data = data.get(key)
        elif isinstance(data, list) and isinstance(key, int) and -len(data) <= key < len(data):
            data = data[key]
        else:
            return None
    return data


def _at_most(value: float | None, limit: float) -> bool | None:
    return None if value is None else value <= limit


def targets(results: dict[str, Any]) -> list[Target]:
    """Every figure the issue sets a target for, next to the naive baseline of the same run."""
    out: list[Target] = []
    configured = _get(results, "meta", "embedder")
    latency = results.get("latency") or {}
    for kind, service in (latency.get("service") or {}).items():
        label = f"`ask` in-process, {kind}" + (" (configured)" if kind == configured else "")
        baseline = _get(latency, "baseline", kind, "wall")
        for stat, limit in (("p50", 20), ("p95", 50)):
            measured = _get(service, "ask", "wall", stat)
            out.append(
                Target(f"{label}: {stat} ms", measured, f"<= {limit}", _get(baseline, stat), _at_most(measured, limit))
            )
    for run in _get(results, "http", "runs") or []:
        if run["users"] == 8:
            measured = _get(run, "latency_ms", "p95")
            out.append(
                Target(
                    f"HTTP p95 ms at concurrency 8, {run['workers']} worker(s)",
                    measured,
                    "<= 100",
                    None,
                    _at_most(measured, 100),
                )
            )
    if _get(results, "http", "runs"):
        failures = sum(r["failures"] for r in results["http"]["runs"])
        out.append(Target("HTTP errors, all runs", failures, "0", None, failures == 0, hard=True))
    sizes = _get(results, "scale", "sizes") or []
    for row in sizes:
        auto = row["auto"]
        flat = _get(row, "indexes", "flat") or {}
        n = f"{row['vectors']:,} vectors"
        out.append(
            Target(
                f"{n}: recall@10 of the chosen index ({auto['type']})",
                auto["recall_at_10"],
                ">= 0.95",
                flat.get("recall_at_10"),
                auto["guard_ok"],
                hard=True,
            )
        )
        if row is sizes[-1]:
            out.append(
                Target(
                    f"{n}: search p50 ms of the chosen index ({auto['type']})",
                    auto["p50_ms"],
                    "<= 5" if row["vectors"] >= 1_000_000 else "<= 5 (target is at 1M)",
                    _get(flat, "latency_ms", "p50"),
                    _at_most(auto["p50_ms"], 5),
                )
            )
    cold = results.get("cold_start") or {}
    baseline_cold = _get(cold, "baseline", "median_s")
    for kind, cli in (cold.get("cli") or {}).items():
        label = f"cold start `qa-service ask`, {kind}" + (" (configured)" if kind == configured else "")
        out.append(Target(f"{label}: median s", cli["median_s"], "<= 3", baseline_cold, _at_most(cli["median_s"], 3)))
    if cold.get("server"):
        out.append(Target("cold start server, spawn to first /api/ask: s", cold["server"]["median_s"], "-", None, None))
    return out


def failures(results: dict[str, Any]) -> list[str]:
    """What makes the benchmark fail: a section that crashed, an HTTP error, a recall guard missed."""
    out = [f"{section} failed: {message}" for section, message in (results.get("errors") or {}).items()]
    for t in targets(results):
        if t.hard and t.met is False:
            out.append(f"{t.figure}: {t.measured} (required {t.target})")
    for run in _get(results, "http", "runs") or []:
        for error, count in run["errors"].items():
            out.append(f"HTTP {run['workers']}w x {run['users']} users: {count} x {error}")
    return out
