"""Every damaged-file case: refused with one line naming the file (never a traceback), then rebuilt."""

from __future__ import annotations

import shutil

import pytest

from qa_service.benchmark.reliability import damage_cases, request, running_server, try_damage, wait_healthy
from qa_service.errors import IndexDamagedError
from qa_service.index.embedding import HashEmbedder
from qa_service.index.store import index_folder, load_index
from tests.reliability.conftest import server_env


def _cases(pristine_index):
    return {c.name: c for c in damage_cases(pristine_index)}


def test_there_is_a_case_for_every_file_of_the_index(pristine_index):
    folder = index_folder(pristine_index)
    names = set(_cases(pristine_index))
    for path in folder.rglob("*"):
        if path.is_file():
            assert f"truncated {path.relative_to(folder).as_posix()}" in names
    assert len(names) >= 20


def test_every_damaged_index_is_refused_cleanly_and_rebuilt(pristine_index, rel_settings, tmp_path):
    embedder = HashEmbedder()
    rows = [try_damage(case, pristine_index, tmp_path, rel_settings, embedder) for case in damage_cases(pristine_index)]
    for row in rows:
        assert row["refused"] and row["clean"], row
        # serve / make run rebuild it first; the one damage only a full load sees is repaired by the server itself
        # (test_a_server_without_build_repairs_a_damaged_index_in_the_background).
        assert row["stale"] or row["case"] == "rotated texts, checksums rewritten", row
        assert row["rebuilt"], row
    by_case = {r["case"]: r for r in rows}
    # The message names the damaged file.
    assert "tables.jsonl" in by_case["empty tables.jsonl"]["message"]
    assert "chunks.faiss" in by_case["shuffled vectors"]["message"]
    assert "chunks.jsonl" in by_case["rotated chunk texts"]["message"]
    assert "does not slice back" in by_case["rotated texts, checksums rewritten"]["message"]
    assert "256" in by_case["wrong dimension in manifest"]["message"]
    assert "manifest.json" in by_case["truncated manifest.json"]["message"]


def test_a_refusal_is_the_project_exception_with_one_line(pristine_index, rel_settings, tmp_path):
    shutil.copytree(pristine_index, tmp_path / "index")
    (index_folder(tmp_path / "index") / "units.npy").write_bytes(b"\x93NUMPY")
    with pytest.raises(IndexDamagedError) as info:
        load_index(tmp_path / "index", HashEmbedder(), rel_settings.corpus_dir)
    assert "units.npy" in str(info.value) and "\n" not in str(info.value)


def test_ingest_rebuilds_a_damaged_index_and_says_why(pristine_index, rel_settings, tmp_path):
    """serve and make run go through the same check (ensure_index) before serving."""
    import os
    import subprocess

    from qa_service.benchmark.reliability import qa_service_command

    shutil.copytree(pristine_index, tmp_path / "index")
    (index_folder(tmp_path / "index") / "chunks.faiss").write_bytes(b"")
    env = {**os.environ, **server_env(rel_settings.model_copy(update={"index_dir": tmp_path / "index"}))}
    done = subprocess.run([*qa_service_command(), "ingest"], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    out = " ".join(done.stdout.split())  # rich wraps long lines
    assert "built index" in out and "index is damaged" in out and "chunks.faiss" in out
    assert "Traceback" not in done.stderr
    load_index(tmp_path / "index", HashEmbedder(), rel_settings.corpus_dir)


def test_a_server_without_build_repairs_a_damaged_index_in_the_background(pristine_index, rel_settings, tmp_path):
    shutil.copytree(pristine_index, tmp_path / "index")
    (case,) = [c for c in damage_cases(tmp_path / "index") if c.name == "rotated texts, checksums rewritten"]
    case.apply(tmp_path / "index", index_folder(tmp_path / "index"))
    settings = rel_settings.model_copy(update={"index_dir": tmp_path / "index"})
    with running_server(server_env(settings), "--no-build") as (host, port):
        health = wait_healthy(host, port, timeout=60)  # 503 while rebuilding, then 200
        assert health
        status, _h, body = request(host, port, "POST", "/api/ask", body={"question": "What is a technopark?"})
        assert status == 200, body
    load_index(tmp_path / "index", HashEmbedder(), rel_settings.corpus_dir)


def test_an_index_of_another_embedder_is_rebuilt_beside_it(pristine_index, rel_settings, tmp_path):
    from qa_service.service import ensure_index

    shutil.copytree(pristine_index, tmp_path / "index")
    old = index_folder(tmp_path / "index")
    before = sorted(p.name for p in old.rglob("*"))
    settings = rel_settings.model_copy(update={"index_dir": tmp_path / "index"})
    other = HashEmbedder(dim=128)
    seen: list[bool] = []

    import qa_service.index.layout as layout

    real_publish = layout.publish

    def publish(index_dir, tmp, manifest):
        seen.append(sorted(p.name for p in old.rglob("*")) == before)  # untouched until the new one is complete
        return real_publish(index_dir, tmp, manifest)

    layout.publish = publish
    try:
        built, _reason = ensure_index(settings, other)
    finally:
        layout.publish = real_publish
    assert built and seen == [True]
    new = index_folder(tmp_path / "index")
    assert new != old and load_index(tmp_path / "index", other).manifest["model"]["dim"] == 128
