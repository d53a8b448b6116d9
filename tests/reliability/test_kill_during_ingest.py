"""kill -9 during an ingest: the index on disk stays loadable (the old one or a complete new one), and the
next build removes what the killed one left."""

from __future__ import annotations

import shutil

from qa_service.benchmark.reliability import kill_during_ingest
from qa_service.index.embedding import HashEmbedder
from qa_service.index.store import build_index, load_index
from tests.reliability.conftest import WORDS


def test_kill_9_during_ingest_never_leaves_a_broken_index(rel_settings, pristine_index, tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(rel_settings.corpus_dir, corpus)
    # More text, so the build takes long enough to be killed in the middle of it.
    text = (corpus / "alpha.txt").read_text(encoding="utf-8")
    for i in range(30):
        (corpus / f"copy{i:02d}.txt").write_text(f"Copy {i}\n\n" + text * 4, encoding="utf-8")
    index_dir = tmp_path / "index"
    shutil.copytree(pristine_index, index_dir)
    env = {"QA_EMBEDDER": "hash", "QA_CHUNK_WORDS": str(WORDS)}
    rows = kill_during_ingest(env, index_dir, corpus, delays=[0.3, 1.0, 1.8, 2.6, 3.5, None])
    for row in rows:
        assert row["loads"], row  # every checksum and cross-check passes: the old index or the complete new one
    assert not rows[0]["new_index"]  # killed long before the swap: the old index is served
    assert rows[-1]["finished_first"] and rows[-1]["new_index"]  # the build given time completes and swaps
    # The next build cleans the temporaries of the killed ones and keeps at most two versions.
    build_index(corpus, index_dir, HashEmbedder(), WORDS, 1)
    assert not [p.name for p in index_dir.iterdir() if p.name.startswith(".tmp-")]
    assert len([p for p in index_dir.iterdir() if p.name.startswith("v-")]) <= 2
    assert len(load_index(index_dir, HashEmbedder(), corpus).documents) == 32
