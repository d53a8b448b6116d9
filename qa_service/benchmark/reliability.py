"""The reliability figures: damaged indexes, a killed ingest, load with many clients, hostile connections.

Shared by ``tests/reliability/`` (which asserts on them) and ``qa-service bench --reliability`` (which
writes them to ``eval/reliability.md``). Everything runs on loopback, against a server on a free port of
127.0.0.1 that the caller starts and stops, with bounded loops and timeouts.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from qa_service.benchmark.stats import summary


# -- damaged indexes --------------------------------------------------------------------------------------------
def _truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _shuffle_vectors(folder: Path) -> None:
    import faiss

    index = faiss.read_index(str(folder / "chunks.faiss"))
    vectors = index.reconstruct_n(0, index.ntotal)
    shuffled = faiss.IndexFlatIP(index.d)
    shuffled.add(vectors[np.random.default_rng(0).permutation(len(vectors))])
    faiss.write_index(shuffled, str(folder / "chunks.faiss"))


def _rotate_chunk_texts(folder: Path) -> None:
    path = folder / "chunks.jsonl"
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    texts = [r["text"] for r in rows]
    for row, text in zip(rows, texts[1:] + texts[:1], strict=True):
        row["text"] = text
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


def _random_bytes(path: Path) -> None:
    data = bytearray(path.read_bytes())
    at = len(data) // 2
    data[at : at + 64] = random.Random(0).randbytes(min(64, len(data) - at))
    path.write_bytes(bytes(data))


def _edit_manifest(index_dir: Path, edit: Callable[[dict], None]) -> None:
    path = index_dir / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    edit(manifest)
    path.write_text(json.dumps(manifest), encoding="utf-8")


def _wrong_dim(manifest: dict) -> None:
    manifest["vector_index"]["dim"] = manifest["model"]["dim"] * 2


def _wrong_dim_everywhere(manifest: dict) -> None:  # and the checksums recomputed: only the dimensions can tell
    manifest["model"]["dim"] = manifest["vector_index"]["dim"] = manifest["model"]["dim"] * 2


class Damage(NamedTuple):
    name: str
    apply: Callable[[Path, Path], None]  # (index_dir, version folder)


def damage_cases(index_dir: Path) -> list[Damage]:
    """Every way of damaging the built index in ``index_dir`` that the suite tries (one per file and kind)."""
    from qa_service.index.store import index_folder

    folder = index_folder(index_dir)
    files = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    cases = [Damage(f"truncated {name}", lambda _i, f, n=name: _truncate(f / n)) for name in files]
    cases += [
        Damage("deleted units.npy", lambda _i, f: (f / "units.npy").unlink()),
        Damage("empty tables.jsonl", lambda _i, f: (f / "tables.jsonl").write_bytes(b"")),
        Damage("shuffled vectors", lambda _i, f: _shuffle_vectors(f)),
        Damage("rotated chunk texts", lambda _i, f: _rotate_chunk_texts(f)),
        Damage("random bytes in chunks.faiss", lambda _i, f: _random_bytes(f / "chunks.faiss")),
        Damage("random bytes in units.npy", lambda _i, f: _random_bytes(f / "units.npy")),
        Damage("random bytes in facts.jsonl", lambda _i, f: _random_bytes(f / "facts.jsonl")),
        Damage("truncated manifest.json", lambda i, _f: _truncate(i / "manifest.json")),
        Damage("manifest names no folder", lambda i, _f: _edit_manifest(i, lambda m: m.update(version="../x"))),
        Damage("wrong dimension in manifest", lambda i, _f: _edit_manifest(i, _wrong_dim)),
        Damage("wrong dimension, model too", lambda i, _f: _edit_manifest(i, _wrong_dim_everywhere)),
        Damage("rotated texts, checksums rewritten", lambda i, f: (_rotate_chunk_texts(f), _rehash(i, f))),
    ]
    return cases


def _rehash(index_dir: Path, folder: Path) -> None:
    from qa_service.index.integrity import folder_digests

    _edit_manifest(index_dir, lambda m: m.update(files=folder_digests(folder)))


def try_damage(case: Damage, pristine: Path, work: Path, settings: Any, embedder: Any) -> dict[str, Any]:
    """Damage a copy of the index ``pristine``; check it is refused with one line, then rebuilt and served."""
    from qa_service.errors import QAError
    from qa_service.index.store import index_folder, index_is_current, load_index
    from qa_service.service import ensure_index

    index_dir = work / "index"
    shutil.rmtree(index_dir, ignore_errors=True)
    shutil.copytree(pristine, index_dir)
    case.apply(index_dir, index_folder(index_dir))
    row: dict[str, Any] = {"case": case.name, "refused": False, "clean": False, "message": "", "rebuilt": False}
    try:
        load_index(index_dir, embedder, settings.corpus_dir)
        row["message"] = "loaded (not refused)"
    except QAError as exc:
        row.update(refused=True, message=str(exc), clean="\n" not in str(exc))
    except Exception as exc:  # the failure this suite exists to catch: a parser's traceback
        row["message"] = f"UNCLEAN {type(exc).__name__}: {exc}"
    current, reason = index_is_current(
        index_dir, settings.corpus_dir, embedder, settings.chunk_words, settings.chunk_overlap
    )
    row["stale"] = not current
    t0 = time.perf_counter()
    try:
        # As serve does: rebuild a stale index first; one that only a full load finds damaged is rebuilt by
        # the server's repair (``force``).
        ensure_index(settings.model_copy(update={"index_dir": index_dir}), embedder, force=row["refused"])
        index = load_index(index_dir, embedder, settings.corpus_dir)
        row["rebuilt"] = len(index.chunks) > 0
    except Exception as exc:
        row["message"] += f"; rebuild failed: {type(exc).__name__}: {exc}"
    row["rebuild_s"] = round(time.perf_counter() - t0, 3)
    row["reason"] = reason
    return row


# -- a server on loopback --------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def qa_service_command() -> list[str]:
    return [sys.executable, "-c", "from qa_service.cli import main; main()"]


@contextmanager
def running_server(env: dict[str, str], *args: str, timeout: float = 60.0) -> Iterator[tuple[str, int]]:
    """``qa-service serve`` on 127.0.0.1 and a free port with ``env``; yields (host, port); stops it after."""
    port = free_port()
    full_env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", **env}
    command = [*qa_service_command(), "serve", "--host", "127.0.0.1", "--port", str(port), *args]
    proc = subprocess.Popen(command, env=full_env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"the server exited ({proc.returncode}): {proc.stderr.read().decode()[-2000:]}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"the server did not listen on port {port} in {timeout} s") from None
                time.sleep(0.1)
        yield "127.0.0.1", port
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def request(
    host: str, port: int, method: str, path: str, body: Any = None, headers: dict | None = None, timeout: float = 10
) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        data = json.dumps(body).encode() if body is not None and not isinstance(body, bytes) else body
        all_headers = {"Content-Type": "application/json", **(headers or {})}
        conn.request(method, path, body=data, headers=all_headers)
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


def wait_healthy(host: str, port: int, timeout: float = 60.0) -> dict:
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            status, _h, body = request(host, port, "GET", "/healthz", timeout=2)
            if status == 200:
                return json.loads(body)
            last = status
        except OSError as exc:
            last = exc
        time.sleep(0.2)
    raise TimeoutError(f"/healthz not 200 within {timeout} s (last: {last})")


# -- load ---------------------------------------------------------------------------------------------------------
def load(host: str, port: int, questions: list[str], clients: int = 32, seconds: float = 5.0) -> dict[str, Any]:
    """``clients`` threads, each on its own kept-alive connection, asking its own questions for ``seconds``.

    An error is any status but 200, a broken connection, or an answer to another client's question
    (each question carries its client's and request's number, and the answer must echo it).
    """
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def client(n: int) -> None:
        conn = http.client.HTTPConnection(host, port, timeout=30)
        i = 0
        try:
            while time.monotonic() < stop:
                question = f"{questions[(n + i) % len(questions)]} (client {n} request {i})"
                body = json.dumps({"question": question, "top_k": 3}).encode()
                t0 = time.perf_counter()
                try:
                    conn.request("POST", "/api/ask", body=body, headers={"Content-Type": "application/json"})
                    response = conn.getresponse()
                    data = response.read()
                except (OSError, http.client.HTTPException) as exc:
                    with lock:
                        errors.append(f"client {n}: {type(exc).__name__}: {exc}")
                    conn.close()
                    conn = http.client.HTTPConnection(host, port, timeout=30)
                    continue
                ms = (time.perf_counter() - t0) * 1000
                problem = None
                if response.status != 200:
                    problem = f"status {response.status}: {data[:200]!r}"
                elif json.loads(data).get("question") != question:
                    problem = f"cross-talk: asked {question!r}, answered {json.loads(data).get('question')!r}"
                with lock:
                    latencies.append(ms)
                    if problem:
                        errors.append(f"client {n}: {problem}")
                i += 1
        finally:
            conn.close()

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=seconds + 60)
    wall = time.perf_counter() - t0
    return {
        "clients": clients,
        "seconds": round(wall, 2),
        "requests": len(latencies),
        "errors": len(errors),
        "error_examples": errors[:5],
        "requests_per_s": round(len(latencies) / wall, 1),
        "latency_ms": summary(latencies) if latencies else {},
    }


# -- hostile connections --------------------------------------------------------------------------------------------
def _raw(host: str, port: int, data: bytes, timeout: float = 10.0, read: bool = True) -> tuple[bytes, float]:
    """Send ``data`` on a fresh connection; the response's first bytes and the seconds until the server answered."""
    with socket.create_connection((host, port), timeout=timeout) as sock:
        t0 = time.perf_counter()
        sock.sendall(data)
        if not read:
            return b"", 0.0
        chunks = []
        try:
            while chunk := sock.recv(65536):
                chunks.append(chunk)
                if b"\r\n\r\n" in b"".join(chunks):
                    break
        except (ConnectionResetError, TimeoutError):
            pass
        return b"".join(chunks), time.perf_counter() - t0


def _status(raw: bytes) -> int | None:
    try:
        return int(raw.split(b" ", 2)[1])
    except (IndexError, ValueError):
        return None


class Probe(NamedTuple):
    name: str
    expected: str
    got: str
    ok: bool


def probe_limits(host: str, port: int, max_body: int, header_timeout: float) -> list[Probe]:
    """Oversize, malformed, slow and idle requests against a running server; what each got."""
    out: list[Probe] = []

    def add(name: str, expected: str, got: Any, ok: bool) -> None:
        out.append(Probe(name, expected, str(got), bool(ok)))

    # A body declared too large is refused from its headers: the server answers before the body is sent.
    head = (
        f"POST /api/ask HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {max_body + 1}\r\n\r\n"
    )
    raw, seconds = _raw(host, port, head.encode())
    add("declared oversize body (headers only sent)", "413 at once", f"{_status(raw)} in {seconds:.2f} s",
        _status(raw) == 413 and seconds < 5)  # fmt: skip
    # A chunked body that grows past the limit.
    chunk = b"x" * 65536
    count = max_body // len(chunk) + 2
    body = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(count)) + b"0\r\n\r\n"
    head = b"POST /api/ask HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    raw, _s = _raw(host, port, head + body)
    add("streamed (chunked) oversize body", "413", _status(raw), _status(raw) == 413)
    status, _h, _b = request(host, port, "POST", "/api/ask", body=b'{"question": "half')
    add("malformed JSON", "422", status, status == 422)
    status, _h, _b = request(host, port, "POST", "/api/ask", body=b'{"question": "\xff\xfe"}')
    add("body not UTF-8", "422", status, status == 422)
    status, _h, _b = request(host, port, "POST", "/api/ask", body=[1, 2, 3])
    add("JSON array instead of object", "422", status, status == 422)
    ids = [f"d{i}" for i in range(50_000)]
    status, _h, _b = request(host, port, "POST", "/api/ask", body={"question": "What?", "doc_ids": ids})
    add("50,000 doc_ids", "422", status, status == 422)
    raw, _s = _raw(host, port, b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 200_000 + b"\r\n\r\n")
    add("200 kB header", "431", _status(raw), _status(raw) == 431)
    raw, _s = _raw(host, port, b"\x16\x03\x01\x00\xa5garbage\r\n\r\n")
    add("not HTTP (a TLS hello)", "400", _status(raw), _status(raw) == 400)
    status, headers, body_bytes = request(host, port, "HEAD", "/healthz")
    add("HEAD /healthz", "200, no body", f"{status}, {len(body_bytes)} bytes", status == 200 and not body_bytes)
    status, headers, _b = request(host, port, "GET", "/api/documents/", headers={"Host": "evil.example"})
    location = headers.get("location", "")
    add("redirect with a forged Host", "Location without the host", location or status, "evil" not in location)
    status, headers, _b = request(host, port, "GET", "/")
    wanted = ("content-security-policy", "x-content-type-options", "x-frame-options", "referrer-policy")
    missing = [h for h in wanted if h not in headers]
    add("security headers on /", "all four", f"missing {missing}" if missing else "all four", not missing)
    out += _slow_and_idle(host, port, header_timeout)
    return out


def _slow_and_idle(host: str, port: int, header_timeout: float, idle: int = 200) -> list[Probe]:
    out = []
    # Slow headers: a byte every 0.2 s; the server must hang up within its header timeout.
    with socket.create_connection((host, port), timeout=header_timeout + 10) as sock:
        t0 = time.perf_counter()
        closed_at = None
        for byte in b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"y" * 10_000:
            try:
                sock.sendall(bytes([byte]))
            except OSError:
                closed_at = time.perf_counter() - t0
                break
            time.sleep(0.2)
            if time.perf_counter() - t0 > header_timeout + 5:
                break
        if closed_at is None:
            sock.settimeout(2)
            try:
                sock.recv(1024)
                sock.recv(1024)
                closed_at = time.perf_counter() - t0
            except OSError:
                closed_at = time.perf_counter() - t0
    ok = closed_at is not None and closed_at <= header_timeout + 3
    out.append(Probe("slow headers (1 byte / 0.2 s)", f"closed within {header_timeout:g} s", f"{closed_at:.1f} s", ok))
    # Idle connections: they are closed after the header timeout, and a new client is served meanwhile.
    socks = []
    try:
        for _ in range(idle):
            socks.append(socket.create_connection((host, port), timeout=5))
        t0 = time.perf_counter()
        status, _h, _b = request(host, port, "GET", "/healthz", timeout=5)
        served = f"{status} in {time.perf_counter() - t0:.2f} s"
        out.append(Probe(f"a new client while {idle} connections idle", "200", served, status == 200))
        time.sleep(header_timeout + 1.5)
        still_open = 0
        for sock in socks:
            sock.settimeout(0.5)
            try:
                if sock.recv(1) != b"":
                    still_open += 1
            except TimeoutError:
                still_open += 1
            except OSError:
                pass
        out.append(
            Probe(
                f"{idle} idle connections",
                f"all closed after {header_timeout:g} s",
                f"{still_open} still open",
                still_open == 0,
            )
        )
    finally:
        for sock in socks:
            sock.close()
    return out


# -- kill -9 during ingest --------------------------------------------------------------------------------------------
def kill_during_ingest(
    env: dict[str, str], index_dir: Path, corpus_dir: Path, delays: list[float | None]
) -> list[dict]:
    """Start ``qa-service ingest --force`` and SIGKILL it after each of ``delays`` seconds (None: let it end);
    after each kill the index on disk must still load (the old one or a complete new one)."""
    from qa_service.index.embedding import make_embedder
    from qa_service.index.store import load_index
    from qa_service.ingest import corpus_hash

    embedder = make_embedder(env.get("QA_EMBEDDER", "hash"))
    rows = []
    full_env = {**os.environ, **env, "QA_INDEX_DIR": str(index_dir), "QA_CORPUS_DIR": str(corpus_dir)}
    for delay in delays:
        proc = subprocess.Popen([*qa_service_command(), "ingest", "--force"], env=full_env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        if delay is None:  # let this one finish (bounded): the build that completes must have swapped in
            proc.wait(timeout=300)
        else:
            time.sleep(delay)
        finished = proc.poll() is not None
        proc.kill()
        proc.wait(timeout=30)
        row = {"delay_s": delay, "finished_first": finished, "loads": False, "message": ""}
        try:  # valid and complete (every checksum, every cross-check); stale or not is a separate question
            index = load_index(index_dir, embedder)
            row.update(loads=True, version=index.manifest.get("version"), chunks=len(index.chunks))
            row["new_index"] = index.manifest.get("corpus_hash") == corpus_hash(corpus_dir)
        except Exception as exc:
            row["message"] = f"{type(exc).__name__}: {exc}"
        row["leftovers"] = sorted(p.name for p in index_dir.iterdir() if p.name.startswith(".tmp-"))
        rows.append(row)
    return rows


def _multipart(name: str, data: bytes) -> tuple[bytes, str]:
    boundary = "qa-reliability-boundary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
            "Content-Type: text/plain\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


def _serve(env: dict[str, str], *args: str) -> tuple[subprocess.Popen, int]:
    port = free_port()
    full_env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", **env}
    command = [*qa_service_command(), "serve", "--host", "127.0.0.1", "--port", str(port), *args]
    return subprocess.Popen(command, env=full_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL), port


def _stop(proc: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    if proc.poll() is None:
        proc.send_signal(sig)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=15)


def kill_during_upload(
    env: dict[str, str], index_dir: Path, corpus_dir: Path, data: bytes, delays: list[float]
) -> list[dict]:
    """Upload ``data`` to a server (``QA_UPLOADS=1``) and SIGKILL it ``delay`` seconds after the file reached the
    corpus folder, while the upload is being indexed. Then: the index on disk must be the one served before
    (the upload never finished), and a restarted server must serve exactly the documents of the corpus folder."""
    from qa_service.index.embedding import make_embedder
    from qa_service.index.store import load_index, read_manifest
    from qa_service.ingest.corpus import corpus_files

    embedder = make_embedder(env.get("QA_EMBEDDER", "hash"))
    env = {**env, "QA_INDEX_DIR": str(index_dir), "QA_CORPUS_DIR": str(corpus_dir), "QA_UPLOADS": "1"}
    rows = []
    for i, delay in enumerate(delays):
        name = f"upload{i:02d}.txt"
        before = {f.doc_id for f in corpus_files(corpus_dir)}
        version = (read_manifest(index_dir) or {}).get("version")
        proc, port = _serve(env, "--no-build")
        row: dict[str, Any] = {"delay_s": delay, "upload_finished": False, "old_index_kept": False, "loads": False}
        try:
            wait_healthy("127.0.0.1", port)
            body, content_type = _multipart(name, f"Upload {i}\n\n".encode() + data)  # never a duplicate
            answer: list[int] = []

            def upload(body: bytes = body, content_type: str = content_type, port: int = port, answer=answer) -> None:
                try:
                    headers = {"Content-Type": content_type}
                    answer.append(request("127.0.0.1", port, "POST", "/api/documents", body, headers, 120)[0])
                except OSError:
                    pass  # the server was killed under it

            thread = threading.Thread(target=upload, daemon=True)
            thread.start()
            deadline = time.monotonic() + 60
            while not (corpus_dir / name).exists() and thread.is_alive() and time.monotonic() < deadline:
                time.sleep(0.01)
            time.sleep(delay)
            row["upload_finished"] = bool(answer)
            row["status"] = answer[0] if answer else None
            proc.kill()
            proc.wait(timeout=30)
            thread.join(timeout=30)
        finally:
            _stop(proc, signal.SIGKILL)
        try:
            index = load_index(index_dir, embedder)
            row["loads"] = True
            row["old_index_kept"] = index.manifest.get("version") == version and set(index.documents) == before
        except Exception as exc:
            row["message"] = f"{type(exc).__name__}: {exc}"
        # The restart: whatever the killed upload left in the corpus folder is indexed, nothing else.
        proc, port = _serve(env)
        try:
            wait_healthy("127.0.0.1", port, timeout=180)
            status, _h, listed = request("127.0.0.1", port, "GET", "/api/documents")
            served = {d["doc_id"] for d in json.loads(listed)} if status == 200 else set()
        finally:
            _stop(proc)
        on_disk = {f.doc_id for f in corpus_files(corpus_dir)}
        row["consistent_after_restart"] = served == on_disk
        row["upload_kept"] = name.removesuffix(".txt") in served
        row["leftovers"] = sorted(p.name for p in [*corpus_dir.iterdir(), *index_dir.iterdir()] if ".part-" in p.name
                                  or p.name.startswith(".tmp-"))  # fmt: skip
        rows.append(row)
    return rows


# -- the whole run, and its report ---------------------------------------------------------------------------------
def run_reliability(settings: Any, folder: Path, say: Callable[[str], None] = print, seconds: float = 10.0) -> dict:
    """Every reliability case over the bundled corpus (hashing embedder: the server is under test, not the
    model) in ``folder``; the figures as one JSON-ready dict."""
    from qa_service.index.embedding import HashEmbedder
    from qa_service.service import ensure_index

    embedder = HashEmbedder()
    folder = Path(folder)
    base = settings.model_copy(update={"index_dir": folder / "pristine", "embedder": "hash", "answerer": "rules"})
    ensure_index(base, embedder, force=True)
    t0 = time.perf_counter()
    cases = damage_cases(base.index_dir)
    say(f"reliability: {len(cases)} damaged-index cases")
    damaged = [try_damage(c, base.index_dir, folder / "work", base, embedder) for c in cases]

    say("reliability: kill -9 during ingest")
    corpus = folder / "corpus"
    shutil.copytree(settings.corpus_dir, corpus)
    for path in sorted(Path(settings.corpus_dir).glob("*.txt"))[:1]:
        for i in range(20):
            (corpus / f"copy{i:02d}.txt").write_text(path.read_text(encoding="utf-8") * 3, encoding="utf-8")
    killed_dir = folder / "killed"
    shutil.copytree(base.index_dir, killed_dir)
    env = {"QA_EMBEDDER": "hash", "QA_CHUNK_WORDS": str(settings.chunk_words), "QA_ANSWERER": "rules"}
    killed = kill_during_ingest(env, killed_dir, corpus, delays=[0.5, 1.5, 2.5, 3.5, 5.0, None])

    say("reliability: kill -9 during an upload")
    lines = [f'- Author{i}, A., {1950 + i % 70}, "Regional clusters, part {i}", Journal {i % 40}, pp. {i % 300}-{i % 300 + 9}.'
             for i in range(9000)]  # fmt: skip
    upload_dir = folder / "upload"
    shutil.copytree(settings.corpus_dir, upload_dir / "corpus")
    shutil.copytree(base.index_dir, upload_dir / "index")
    data = ("Works cited\n\nThe works the programme office cites.\n\nReferences\n\n" + "\n".join(lines)).encode()
    uploaded = kill_during_upload({**env, "QA_RELOAD_INTERVAL": "0"}, upload_dir / "index", upload_dir / "corpus",
                                  data, delays=[0.1, 1.0, 2.0])  # fmt: skip

    header_timeout = 2.0
    server_env = {
        **env,
        "QA_CORPUS_DIR": str(settings.corpus_dir),
        "QA_INDEX_DIR": str(base.index_dir),
        "QA_HEADER_TIMEOUT": str(header_timeout),
    }
    from qa_service.benchmark.synthetic import corpus_sentences

    questions = [s[:200].strip() for s in corpus_sentences(settings.corpus_dir)[:64]] or ["What is a cluster?"]
    with running_server(server_env, "--no-build") as (host, port):
        wait_healthy(host, port)
        say(f"reliability: 32 clients for {seconds:g} s")
        loaded = load(host, port, questions, clients=32, seconds=seconds)
        say("reliability: hostile requests and connections")
        probes = [p._asdict() for p in probe_limits(host, port, settings.max_body_bytes, header_timeout)]
    return {
        "damaged": damaged,
        "killed": killed,
        "killed_upload": uploaded,
        "load": loaded,
        "probes": probes,
        "settings": {"max_body_bytes": settings.max_body_bytes, "header_timeout_s": header_timeout},
        "seconds": round(time.perf_counter() - t0, 1),
    }


def failures(results: dict) -> list[str]:
    out = [f"damaged index not refused cleanly or not rebuilt: {r['case']}" for r in results["damaged"]
           if not (r["refused"] and r["clean"] and r["rebuilt"])]  # fmt: skip
    out += [f"index unloadable after kill -9 at {r['delay_s']} s: {r['message']}" for r in results["killed"]
            if not r["loads"]]  # fmt: skip
    out += [f"kill -9 during an upload at {r['delay_s']} s: old index kept {r['old_index_kept']}, consistent after "
            f"restart {r['consistent_after_restart']}" for r in results.get("killed_upload", [])
            if not (r["old_index_kept"] or r["upload_finished"]) or not r["consistent_after_restart"]]  # fmt: skip
    if results["load"]["errors"]:
        out.append(f"{results['load']['errors']} errors under load: {results['load']['error_examples'][:2]}")
    out += [f"{p['name']}: expected {p['expected']}, got {p['got']}" for p in results["probes"] if not p["ok"]]
    return out


def write_report(results: dict, path: Path) -> Path:
    """``eval/reliability.md``: the figures and a table per part."""
    load_ = results["load"]
    lat = load_.get("latency_ms", {})
    problems = failures(results)
    damaged, killed, probes = results["damaged"], results["killed"], results["probes"]
    uploads = results.get("killed_upload", [])
    lines = [
        "# Reliability",
        "",
        "Written by `qa-service bench --reliability` (the same cases as `tests/reliability/`, which CI runs). "
        "The bundled corpus, the hashing embedder (the server and the index are under test, not the model), a "
        "server on 127.0.0.1.",
        "",
        "| figure | value |",
        "|---|---|",
        f"| damaged-index cases tried | {len(damaged)} |",
        f"| refused with one clean line / rebuilt | {sum(r['refused'] and r['clean'] for r in damaged)} / "
        f"{sum(r['rebuilt'] for r in damaged)} |",
        f"| kill -9 during ingest: tries / index still loadable | {len(killed)} / "
        f"{sum(r['loads'] for r in killed)} (the new one: {sum(bool(r.get('new_index')) for r in killed)}) |",
        f"| kill -9 during an upload: tries / old index kept / consistent after restart | "
        f"{len(uploads)} / {sum(r['old_index_kept'] for r in uploads)} / "
        f"{sum(r['consistent_after_restart'] for r in uploads)} |",
        f"| load: clients, seconds, requests | {load_['clients']}, {load_['seconds']}, {load_['requests']:,} |",
        f"| load: errors (incl. cross-talk) | {load_['errors']} |",
        f"| load: p50 / p95 / p99 ms | {lat.get('p50')} / {lat.get('p95')} / {lat.get('p99')} |",
        f"| load: requests/s | {load_['requests_per_s']} |",
        f"| hostile requests and connections: tried / as expected | {len(probes)} / {sum(p['ok'] for p in probes)} |",
        f"| failures | {len(problems)} |",
        "",
        "## Damaged indexes",
        "",
        "| case | refused | one line | stale (rebuilt before serving) | rebuilt | message |",
        "|---|---|---|---|---|---|",
    ]
    for r in damaged:
        message = r["message"].replace("|", "\\|")[:160]
        lines.append(
            f"| {r['case']} | {_yes(r['refused'])} | {_yes(r['clean'])} | {_yes(r['stale'])} | {_yes(r['rebuilt'])} "
            f"| {message} |"
        )
    lines += ["", "## kill -9 during ingest", "",
              "| after s | build had finished | index loads | the new index | leftovers (the next build removes them) |",
              "|---|---|---|---|---|"]  # fmt: skip
    for r in killed:
        loads = _yes(r["loads"]) if r["loads"] else f"NO: {r['message']}"
        lines.append(
            f"| {r['delay_s']} | {_yes(r['finished_first'])} | {loads} | {_yes(r.get('new_index'))} "
            f"| {', '.join(r['leftovers']) or '-'} |"
        )
    lines += ["", "## kill -9 during an upload", "",
              "A 1 MB upload killed while it was being indexed, then the server restarted (it indexes what the corpus "
              "folder holds).", "",
              "| after s | upload had finished | index on disk: the one served before | served after restart = corpus "
              "folder | the upload served after restart |", "|---|---|---|---|---|"]  # fmt: skip
    for r in uploads:
        lines.append(
            f"| {r['delay_s']} | {_yes(r['upload_finished'])} | {_yes(r['old_index_kept'])} "
            f"| {_yes(r['consistent_after_restart'])} | {_yes(r['upload_kept'])} |"
        )
    lines += ["", "## Hostile requests and connections", "", "| probe | expected | got | ok |", "|---|---|---|---|"]
    for p in probes:
        lines.append(f"| {p['name']} | {p['expected']} | {p['got']} | {_yes(p['ok'])} |")
    if problems:
        lines += ["", "## Failures", "", *[f"- {p}" for p in problems]]
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    path.with_suffix(".json").write_text(json.dumps(results, indent=1, default=str), encoding="utf-8")
    return path


def _yes(value: Any) -> str:
    return "yes" if value else "no"
