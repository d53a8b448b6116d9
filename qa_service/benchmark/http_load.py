"""HTTP load: a real ``qa-service serve`` and locust (headless, in another process) against it."""

from __future__ import annotations

import csv
import http.client
import json
import os
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from qa_service.benchmark.procs import running_server
from qa_service.benchmark.stats import summary
from qa_service.config import Settings

LOCUSTFILE = Path(__file__).with_name("locustfile.py")


def run_locust(url: str, users: int, seconds: float, questions_file: Path, out_prefix: Path) -> dict[str, Any]:
    """One locust run of ``users`` concurrent users for ``seconds``; throughput, percentiles and errors."""
    samples_file = out_prefix.with_suffix(".samples.json")
    cmd = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(LOCUSTFILE),
        "--headless",
        "-u",
        str(users),
        "-r",
        str(users),
        "-t",
        f"{seconds:g}s",
        "--host",
        url,
        "--csv",
        str(out_prefix),
        "--only-summary",
        "--loglevel",
        "WARNING",
        "--stop-timeout",
        "10",
        "--exit-code-on-error",
        "0",
    ]
    env = {"BENCH_QUESTIONS": str(questions_file), "BENCH_SAMPLES": str(samples_file)}
    done = subprocess.run(
        cmd, env={**os.environ, **env}, capture_output=True, text=True, timeout=seconds + 120, check=False
    )
    if done.returncode != 0 or not samples_file.exists():
        raise RuntimeError(f"locust failed ({done.returncode}): {done.stderr[-2000:]}")
    data = json.loads(samples_file.read_text())
    samples = data["samples"]
    aggregated = _csv_row(Path(f"{out_prefix}_stats.csv"), "Aggregated")
    ok = [s for s in samples if s[2]]
    errors: dict[str, int] = {}
    for s in samples:
        if not s[2]:
            key = f"{s[0]}: {s[3]}"
            errors[key] = errors.get(key, 0) + 1
    by_endpoint = {
        name: {"requests": sum(1 for s in samples if s[0] == name), **summary([s[1] for s in ok if s[0] == name])}
        for name in sorted({s[0] for s in samples})
    }
    return {
        "users": users,
        "seconds": seconds,
        "requests": len(samples),
        "failures": len(samples) - len(ok),
        "requests_per_s": round(float(aggregated["Requests/s"]), 2) if aggregated else None,
        "latency_ms": summary([s[1] for s in ok]),
        "by_endpoint": by_endpoint,
        "errors": errors,
        "loadgen_cpu_percent": None if data["loadgen_cpu_percent"] is None else round(data["loadgen_cpu_percent"], 1),
    }


def probe_keepalive(url: str, question: str, n: int = 20) -> dict[str, float | None]:
    """p50 of GET /api/search, one request at a time, on one kept-alive connection and on a new one each.

    On a healthy server the kept-alive connection is the faster. ~40 ms more means Nagle's algorithm is
    on for the server's sockets and each response waits for the client's delayed ACK.
    """
    host, port = url.removeprefix("http://").rsplit(":", 1)
    path = f"/api/search?{urllib.parse.urlencode({'q': question, 'k': 10})}"
    out: dict[str, float | None] = {}
    for mode in ("keep_alive", "new_connection"):
        conn, times = None, []
        for _ in range(n):
            if conn is None or mode == "new_connection":
                conn = http.client.HTTPConnection(host, int(port), timeout=30)
            t = time.perf_counter()
            conn.request("GET", path)
            response = conn.getresponse()
            response.read()
            times.append((time.perf_counter() - t) * 1000)
            if mode == "new_connection" or response.status != 200:
                conn.close()
        out[f"{mode}_p50_ms"] = summary(times).get("p50")
    return out


def _csv_row(path: Path, name: str) -> dict[str, str] | None:
    if not path.exists():
        return None
    with path.open(newline="") as fh:
        return next((row for row in csv.DictReader(fh) if row.get("Name") == name), None)


def bench_http(
    settings: Settings,
    questions: Sequence[str],
    work_dir: Path,
    workers: Sequence[int] = (1, 2),
    users: Sequence[int] = (1, 8, 32),
    seconds: float = 15.0,
    say: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Throughput and latency at each concurrency, for a server with each number of workers.

    The server is started with ``--no-build`` over ``settings.index_dir`` and stopped after its runs.
    """
    work_dir.mkdir(parents=True, exist_ok=True)
    questions_file = work_dir / "questions.json"
    questions_file.write_text(json.dumps(list(questions), ensure_ascii=False), encoding="utf-8")

    def load(server, stack: str, n_workers: int, n_users: int) -> dict[str, Any]:
        prefix = work_dir / f"locust-{stack}-{n_workers}w-{n_users}u"
        result = {**run_locust(server.url, n_users, seconds, questions_file, prefix), "workers": n_workers}
        lat = result["latency_ms"]
        say(
            f"http: {stack} stack, {n_workers}w x {n_users} users: {result['requests_per_s']} req/s, "
            f"p50 {lat.get('p50')} p95 {lat.get('p95')} ms, {result['failures']} failure(s)"
        )
        return result

    runs, probes = [], {}
    for n_workers in workers:
        log_path = work_dir / f"server-{n_workers}w.log"
        with running_server(settings, n_workers, log_path, questions[0]) as server:
            say(f"http: server with {n_workers} worker(s) answered after {server.ready_s:.1f} s")
            probes[str(n_workers)] = probe_keepalive(server.url, questions[0])
            runs += [load(server, "fast", n_workers, n_users) for n_users in users]
    # The same load on uvicorn's default stack (h11, asyncio), 1 worker: what `serve --stack fast` buys.
    compare = sorted({u for u in users if u > 1}) or list(users)
    with running_server(settings, 1, work_dir / "server-plain.log", questions[0], stack="plain") as server:
        plain = [load(server, "plain", 1, n_users) for n_users in compare]
    return {
        "endpoints": ["POST /api/ask", "GET /api/search"],
        "runs": runs,
        "keep_alive_probe": probes,
        "plain_stack_runs": plain,
    }
