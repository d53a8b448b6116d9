"""A real server on 127.0.0.1: 32 clients with no errors and no cross-talk, hostile requests and connections,
an index rebuilt and swapped in while it serves."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading

import pytest

from qa_service.benchmark.reliability import (
    load,
    probe_limits,
    qa_service_command,
    request,
    running_server,
    wait_healthy,
)
from tests.reliability.conftest import server_env

HEADER_TIMEOUT = 1.5
MAX_BODY = 1_048_576
QUESTIONS = [
    "What is a technopark?",
    "When was the Regional Innovation Program launched?",
    "How many projects were selected in 2005?",
    "How much did the ministry provide per year to each region?",
]


@pytest.fixture(scope="module")
def server(pristine_index, rel_settings):
    env = server_env(rel_settings, QA_HEADER_TIMEOUT=str(HEADER_TIMEOUT), QA_MAX_BODY_BYTES=str(MAX_BODY))
    with running_server(env, "--no-build") as (host, port):
        wait_healthy(host, port)
        yield host, port


def test_32_clients_get_their_own_answers_without_errors(server):
    host, port = server
    result = load(host, port, QUESTIONS, clients=32, seconds=4.0)
    assert result["errors"] == 0, result["error_examples"]
    assert result["requests"] >= 32
    assert result["latency_ms"]["p95"] < 5000


@pytest.mark.parametrize("probe", range(14))
def test_hostile_requests_and_connections_are_bounded(server, probe, _probes):
    row = _probes[probe]
    assert row.ok, row


@pytest.fixture(scope="module")
def _probes(server):
    host, port = server
    rows = probe_limits(host, port, MAX_BODY, HEADER_TIMEOUT)
    assert len(rows) == 14, [r.name for r in rows]
    return rows


def test_the_server_still_answers_after_the_hostile_ones(server, _probes):
    host, port = server
    status, _h, body = request(host, port, "POST", "/api/ask", body={"question": QUESTIONS[0]})
    assert status == 200 and json.loads(body)["question"] == QUESTIONS[0]


def test_a_rebuild_while_serving_is_swapped_in_and_requests_keep_working(rel_settings, pristine_index, tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(rel_settings.corpus_dir, corpus)
    shutil.copytree(pristine_index, tmp_path / "index")
    settings = rel_settings.model_copy(update={"corpus_dir": corpus, "index_dir": tmp_path / "index"})
    env = server_env(settings)
    with running_server(env, "--no-build") as (host, port):
        before = wait_healthy(host, port)
        result: dict = {}
        clients = threading.Thread(target=lambda: result.update(load(host, port, QUESTIONS, clients=8, seconds=6)))
        clients.start()
        (corpus / "gamma.txt").write_text("Gamma Harbour hosts 40 shipping companies since 2011.\n", encoding="utf-8")
        done = subprocess.run(
            [*qa_service_command(), "ingest"], env={**os.environ, **env}, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr
        clients.join()
        after = wait_healthy(host, port)
        import time

        for _ in range(50):  # the watcher looks every 0.5 s
            status, _h, body = request(host, port, "GET", "/api/documents")
            if status == 200 and any(d["doc_id"] == "gamma" for d in json.loads(body)):
                break
            time.sleep(0.2)
        else:
            pytest.fail(f"the new index was not swapped in: {before} -> {after}")
        assert result["errors"] == 0, result["error_examples"]
