"""The index on disk: manifest, round trip, atomic builds, and refusing a mismatched model or corpus."""

from __future__ import annotations

import json
import shutil
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest

import qa_service.index.store as store
from qa_service.config import Settings
from qa_service.errors import EmptyCorpusError, IndexDamagedError, IndexMismatchError, IndexMissingError
from qa_service.index.chunking import chunk_document
from qa_service.index.embedding import HashEmbedder
from qa_service.index.store import (
    REQUIRED_FILES,
    build_index,
    embedding_text,
    index_folder,
    index_is_current,
    load_index,
    vectors_of,
)
from qa_service.ingest import corpus_hash, load_corpus
from qa_service.service import ensure_index

FIXTURE_CORPUS = Path(__file__).resolve().parent / "fixtures" / "corpus"
WORDS, OVERLAP = 60, 1


class OtherEmbedder(HashEmbedder):
    """Same vectors as the hashing embedder, under another model name."""

    name = "other-embedder"


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, Path, dict]:
    """A corpus copy and its index, built once; tests that change them work on copies."""
    root = tmp_path_factory.mktemp("store")
    corpus = root / "corpus"
    shutil.copytree(FIXTURE_CORPUS, corpus)
    manifest, errors = build_index(corpus, root / "index", HashEmbedder(), WORDS, OVERLAP)
    assert errors == []
    return corpus, root / "index", manifest


@pytest.fixture
def work(built, tmp_path) -> tuple[Path, Path]:
    """A private copy of the corpus and of its built index."""
    corpus, index, _ = built
    shutil.copytree(corpus, tmp_path / "corpus")
    shutil.copytree(index, tmp_path / "index")
    return tmp_path / "corpus", tmp_path / "index"


def _leftovers(index_dir: Path) -> list[str]:
    """Temporaries of a build and version folders beyond the current one and the one it replaced."""
    siblings = [
        p.name
        for p in index_dir.parent.iterdir()
        if p.name.startswith(f".{index_dir.name}.") and not p.name.endswith(".embed-cache")  # kept on purpose
    ]
    inside = [p.name for p in index_dir.iterdir() if p.name.startswith((".tmp-", ".manifest.json.tmp-"))]
    versions = [p.name for p in index_dir.iterdir() if p.name.startswith("v-")]
    return sorted(siblings + inside + (versions if len(versions) > 2 else []))


def _snapshot(index_dir: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(index_dir)): p.read_bytes()
        for p in sorted(index_dir.rglob("*"))
        if p.is_file() and p.name != ".lock"
    }


def test_manifest_describes_model_corpus_counts_and_build(built):
    corpus, index, manifest = built
    assert json.loads((index / "manifest.json").read_text(encoding="utf-8")) == manifest
    assert manifest["model"] == {"name": "hash-embedder", "version": "1", "dim": 256}
    assert manifest["corpus_hash"] == corpus_hash(corpus)
    assert manifest["config"] == {"chunk_words": WORDS, "chunk_overlap": OVERLAP}
    docs, _ = load_corpus(corpus)
    chunks = [c for d in docs for c in chunk_document(d, WORDS, OVERLAP)]
    counts = manifest["counts"]
    assert (counts["documents"], counts["chunks"], counts["tables"]) == (2, len(chunks), 1)
    assert counts["skipped_files"] == 0
    assert datetime.fromisoformat(manifest["built_at"]).tzinfo is not None
    assert {d["doc_id"] for d in manifest["documents"]} == {"alpha", "beta"}
    folder = index_folder(index)
    assert folder.parent == index and folder.name == manifest["version"]
    for name in REQUIRED_FILES:
        assert (folder / name).exists(), name
        assert any(f == name or f.startswith(f"{name}/") for f in manifest["files"]), name
    for name, info in manifest["files"].items():
        assert info["size"] == (folder / name).stat().st_size and len(info["sha256"]) == 64
    assert _leftovers(index) == []


def test_index_files_are_plain_json_and_arrays(built):
    _, index, _ = built
    folder = index_folder(index)
    for name in ("documents.jsonl", "chunks.jsonl", "tables.jsonl", "facts.jsonl"):
        lines = (folder / name).read_text(encoding="utf-8").splitlines()
        assert all(isinstance(json.loads(line), dict) for line in lines)
    np.load(folder / "units.npy", allow_pickle=False)  # never a pickle


def test_round_trip(built):
    corpus, index_dir, manifest = built
    embedder = HashEmbedder()
    index = load_index(index_dir, embedder, corpus)
    docs, _ = load_corpus(corpus)
    assert {d.doc_id: d for d in docs} == index.documents  # text, pages, sections, tables and cells
    chunks = [c for d in docs for c in chunk_document(d, WORDS, OVERLAP)]
    assert index.chunks == chunks
    for chunk in index.chunks:
        assert index.documents[chunk.doc_id].text[chunk.start : chunk.end] == chunk.text
    assert index.dense.ntotal == len(chunks) == manifest["counts"]["chunks"]
    expected = embedder.encode([embedding_text(c) for c in chunks])
    np.testing.assert_allclose(vectors_of(index), expected, atol=1e-6)
    assert len(index.facts) == manifest["counts"]["facts"]
    assert index.lexical.scores(["technopark"]).shape == (len(chunks),)
    assert "alpha#t00" in index.tables


def test_load_refuses_another_dimension(built):
    corpus, index, _ = built
    with pytest.raises(IndexMismatchError) as info:
        load_index(index, HashEmbedder(dim=128), corpus)
    message = str(info.value)
    assert "256d" in message and "128d" in message and "ingest --force" in message


def test_load_refuses_another_model(built):
    corpus, index, _ = built
    with pytest.raises(IndexMismatchError, match=r"hash-embedder 1 \(256d\) but the service uses other-embedder 1"):
        load_index(index, OtherEmbedder(), corpus)


def test_load_refuses_a_changed_corpus(work):
    corpus, index = work
    (corpus / "beta.md").write_text("# Changed\n\nA different text now.", encoding="utf-8")
    with pytest.raises(IndexMismatchError, match="another version of"):
        load_index(index, HashEmbedder(), corpus)
    load_index(index, HashEmbedder())  # without a corpus to check, it loads


def test_load_reports_a_missing_or_unreadable_manifest(tmp_path, work):
    with pytest.raises(IndexMissingError, match="qa-service ingest"):
        load_index(tmp_path / "nothing-here", HashEmbedder())
    _, index = work
    (index / "manifest.json").write_text("{half", encoding="utf-8")
    with pytest.raises(IndexDamagedError, match=r"manifest\.json: unreadable"):
        load_index(index, HashEmbedder())


def test_load_refuses_an_incomplete_index(work):
    corpus, index = work
    (index_folder(index) / "chunks.jsonl").unlink()
    with pytest.raises(IndexDamagedError, match=r"missing chunks\.jsonl"):
        load_index(index, HashEmbedder(), corpus)
    assert index_is_current(index, corpus, HashEmbedder(), WORDS, OVERLAP) == (False, "index is incomplete")


def test_load_refuses_vectors_that_do_not_match_the_chunks(work):
    corpus, index = work
    chunks = index_folder(index) / "chunks.jsonl"
    lines = chunks.read_text(encoding="utf-8").splitlines(keepends=True)
    chunks.write_text("".join(lines[:-1]), encoding="utf-8")
    with pytest.raises(IndexDamagedError, match=r"chunks\.jsonl: \d+ bytes, the manifest says"):
        load_index(index, HashEmbedder(), corpus)


def test_load_refuses_another_format(work):
    corpus, index = work
    manifest = json.loads((index / "manifest.json").read_text(encoding="utf-8"))
    manifest["format_version"] = 999
    (index / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(IndexMismatchError, match="format 999"):
        load_index(index, HashEmbedder(), corpus)
    assert index_is_current(index, corpus, HashEmbedder(), WORDS, OVERLAP) == (False, "index format changed")


def test_index_is_current_and_why_not(built, tmp_path):
    corpus, index, _ = built
    embedder = HashEmbedder()
    assert index_is_current(index, corpus, embedder, WORDS, OVERLAP) == (True, "index is up to date")
    assert index_is_current(tmp_path / "none", corpus, embedder, WORDS, OVERLAP) == (False, "no index yet")
    assert index_is_current(index, corpus, embedder, WORDS + 1, OVERLAP) == (False, "chunking settings changed")
    current, reason = index_is_current(index, corpus, OtherEmbedder(), WORDS, OVERLAP)
    assert not current and "hash-embedder" in reason
    # another dimension of the same model is stale too (load_index would refuse it)
    current, reason = index_is_current(index, corpus, HashEmbedder(dim=128), WORDS, OVERLAP)
    assert not current and "256d" in reason


def test_a_failing_build_step_leaves_the_previous_index_intact(work, monkeypatch):
    corpus, index = work
    before = _snapshot(index)
    (corpus / "gamma.txt").write_text("A new document about harbours.", encoding="utf-8")

    def broken(*_args, **_kwargs):
        raise RuntimeError("disk full while writing the vectors")

    monkeypatch.setattr(store, "save_vector_index", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        build_index(corpus, index, HashEmbedder(), WORDS, OVERLAP)
    assert _snapshot(index) == before
    assert _leftovers(index) == []
    monkeypatch.undo()
    assert "gamma" not in load_index(index, HashEmbedder()).documents


def test_a_failing_swap_puts_the_previous_index_back(work, monkeypatch):
    corpus, index = work
    before = _snapshot(index)
    real_rename = Path.rename

    def rename(self: Path, target):
        if ".tmp-" in self.name:  # the new index moving into place
            raise OSError("rename refused")
        return real_rename(self, target)

    monkeypatch.setattr(Path, "rename", rename)
    with pytest.raises(OSError, match="rename refused"):
        build_index(corpus, index, HashEmbedder(), WORDS, OVERLAP)
    monkeypatch.undo()
    assert _snapshot(index) == before
    assert _leftovers(index) == []


def test_a_successful_rebuild_replaces_the_index_and_cleans_up(work):
    corpus, index = work
    (corpus / "gamma.txt").write_text("A new document about harbours.", encoding="utf-8")
    manifest, _ = build_index(corpus, index, HashEmbedder(), WORDS, OVERLAP)
    assert manifest["counts"]["documents"] == 3
    assert "gamma" in load_index(index, HashEmbedder(), corpus).documents
    assert _leftovers(index) == []


def test_nothing_indexable_raises_and_writes_nothing(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "fake.pdf").write_bytes(b"not a pdf at all")
    with pytest.raises(EmptyCorpusError, match=r"2 file\(s\) skipped"):
        build_index(corpus, tmp_path / "index", HashEmbedder())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corpus"]


def test_ensure_index_builds_only_when_stale(work, tmp_path):
    corpus, _ = work
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "fresh", embedder="hash", chunk_words=WORDS)
    embedder = HashEmbedder()
    assert ensure_index(settings, embedder) == (True, "no index yet")
    assert ensure_index(settings, embedder) == (False, "index is up to date")
    assert ensure_index(settings, embedder, force=True) == (True, "forced")
    (corpus / "gamma.md").write_text("# Gamma\n\nNew text.", encoding="utf-8")
    assert ensure_index(settings, embedder) == (True, "corpus changed")
