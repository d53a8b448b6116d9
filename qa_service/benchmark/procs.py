"""Child processes of the benchmark: the `qa-service` command, a server on a free port, its environment."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from qa_service.config import Settings


def qa_command(*args: str) -> list[str]:
    """``qa-service ARGS`` as the installed console script (next to this Python), or through the interpreter."""
    script = Path(sys.executable).with_name("qa-service")
    if script.exists():
        return [str(script), *args]
    found = shutil.which("qa-service")
    if found:
        return [found, *args]
    return [sys.executable, "-c", "from qa_service.cli import main; main()", *args]


def settings_env(settings: Settings, **overrides: Any) -> dict[str, str]:
    """This environment plus ``QA_*`` variables that reproduce ``settings`` in a child process."""
    env = dict(os.environ)
    for key, value in {**settings.model_dump(), **overrides}.items():
        if value is None:
            env.pop(f"QA_{key.upper()}", None)
        else:
            env[f"QA_{key.upper()}"] = json.dumps(value) if isinstance(value, list | dict | tuple) else str(value)
    env.setdefault("HF_HUB_OFFLINE", "1")
    env.setdefault("TRANSFORMERS_OFFLINE", "1")
    return env


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def post_json(url: str, payload: dict, timeout: float = 30.0) -> tuple[int, dict | None]:
    """POST ``payload`` as JSON; (status, body) with status 0 when nothing answered."""
    data = json.dumps(payload).encode()
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, None
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return 0, None


class Server:
    """A running ``qa-service serve`` child: its URL, process and the seconds it took to answer."""

    def __init__(self, process: subprocess.Popen, url: str, log_path: Path) -> None:
        self.process = process
        self.url = url
        self.log_path = log_path
        self.ready_s: float | None = None

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def start_server(
    settings: Settings, workers: int, log_path: Path, extra_env: dict[str, str] | None = None, stack: str = "fast"
) -> Server:
    """Spawn ``qa-service serve --no-build`` on 127.0.0.1 and a free port, in its own process group."""
    port = free_port()
    env = {**settings_env(settings), **(extra_env or {})}
    cmd = qa_command(
        "serve", "--no-build", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers), "--stack", stack
    )
    log = log_path.open("w")
    process = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    log.close()
    return Server(process, f"http://127.0.0.1:{port}", log_path)


def wait_until_answers(server: Server, question: str, timeout: float, started: float | None = None) -> float:
    """Poll POST /api/ask until it answers 200; the seconds from ``started`` (default: now) to that answer."""
    started = time.perf_counter() if started is None else started
    while time.perf_counter() - started < timeout:
        if server.process.poll() is not None:
            raise RuntimeError(f"the server exited with {server.process.returncode}:\n{server.log_tail()}")
        status, _body = post_json(f"{server.url}/api/ask", {"question": question}, timeout=timeout)
        if status == 200:
            server.ready_s = time.perf_counter() - started
            return server.ready_s
        time.sleep(0.05)
    raise TimeoutError(f"the server did not answer within {timeout:.0f} s:\n{server.log_tail()}")


def stop_server(server: Server, timeout: float = 15.0) -> None:
    """SIGTERM the server's process group (uvicorn and its workers), SIGKILL it if it lingers."""
    if server.process.poll() is not None:
        return
    pgid = server.process.pid  # start_new_session made the server the leader of its own group
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGTERM)
    try:
        server.process.wait(timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGKILL)
        server.process.wait(5)


@contextlib.contextmanager
def running_server(
    settings: Settings, workers: int, log_path: Path, question: str, timeout: float = 120.0, stack: str = "fast"
) -> Iterator[Server]:
    """A server that has answered one question; stopped when the block ends, whatever happens in it."""
    started = time.perf_counter()
    server = start_server(settings, workers, log_path, stack=stack)
    try:
        wait_until_answers(server, question, timeout, started)
        yield server
    finally:
        stop_server(server)
