"""Versioned index folders: one atomic swap, the previous version kept, stale temporaries removed."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from qa_service.index import layout
from qa_service.index.embedding import HashEmbedder
from qa_service.index.store import build_index, index_folder, load_index

FIXTURE_CORPUS = Path(__file__).resolve().parent / "fixtures" / "corpus"


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_rebuilds_swap_the_manifest_keep_one_previous_version_and_clean_the_rest(tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(FIXTURE_CORPUS, corpus)
    index_dir = tmp_path / "index"
    versions = []
    for _ in range(3):
        manifest, _errors = build_index(corpus, index_dir, HashEmbedder(), 60, 1)
        versions.append(manifest["version"])
        pointer = json.loads((index_dir / "manifest.json").read_text(encoding="utf-8"))
        assert pointer["version"] == manifest["version"] == index_folder(index_dir).name
    assert len(set(versions)) == 3
    assert sorted(p.name for p in index_dir.iterdir() if p.name.startswith("v-")) == sorted(versions[1:])
    # A dead build's temporaries go with the next build; a live process's stay.
    dead, live = _dead_pid(), os.getpid() + 0
    (index_dir / f".tmp-{dead}").mkdir()
    (index_dir / f".tmp-{dead}" / "chunks.jsonl").write_text("half", encoding="utf-8")
    (index_dir / f".manifest.json.tmp-{dead}").write_text("{", encoding="utf-8")
    (tmp_path / f".index.tmp-{dead}").mkdir()  # the old two-rename layout's leftovers
    parent_pid = os.getppid()
    (index_dir / f".tmp-{parent_pid}").mkdir()
    removed = layout.clean_stale(index_dir)
    assert sorted(removed) == sorted([f".tmp-{dead}", f".manifest.json.tmp-{dead}", f".index.tmp-{dead}"])
    assert (index_dir / f".tmp-{parent_pid}").exists() and live
    load_index(index_dir, HashEmbedder(), corpus)


def test_a_format_1_flat_index_is_rebuilt_and_its_files_removed(tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(FIXTURE_CORPUS, corpus)
    index_dir = tmp_path / "index"
    index_dir.mkdir()
    (index_dir / "manifest.json").write_text(json.dumps({"format_version": 1}), encoding="utf-8")
    (index_dir / "chunks.jsonl").write_text("{}\n", encoding="utf-8")
    (index_dir / "bm25").mkdir()
    build_index(corpus, index_dir, HashEmbedder(), 60, 1)
    assert not (index_dir / "chunks.jsonl").exists() and not (index_dir / "bm25").exists()
    load_index(index_dir, HashEmbedder(), corpus)


def test_a_version_name_in_the_manifest_is_never_a_path(tmp_path):
    import pytest

    from qa_service.errors import IndexDamagedError

    for name in ("../../etc", "/tmp/x", "v-1", None):
        with pytest.raises(IndexDamagedError, match="names no valid version folder"):
            layout.version_folder(tmp_path, {"version": name})
