"""kill -9 while an upload is being indexed: the index on disk stays the one served before, and a restarted
server serves exactly the documents of the corpus folder."""

from __future__ import annotations

import shutil

from qa_service.benchmark.reliability import kill_during_upload
from tests.reliability.conftest import WORDS


def test_kill_9_during_an_upload_keeps_the_old_index_and_a_consistent_corpus(rel_settings, pristine_index, tmp_path):
    corpus, index_dir = tmp_path / "corpus", tmp_path / "index"
    shutil.copytree(rel_settings.corpus_dir, corpus)
    shutil.copytree(pristine_index, index_dir)
    # A bibliography of about 1 MB: indexing it takes seconds (its facts are looked for, and skipped), so the
    # kill lands in the middle of it, while the restart's rebuild stays quick (a reference list has no
    # evidence units to embed or parse).
    lines = [
        f'- Author{i}, A. and Writer, B., {1950 + i % 70}, "Regional clusters, part {i}", Journal of Policy '
        f"{i % 40}({i % 4 + 1}), pp. {i % 300}-{i % 300 + 20}."
        for i in range(9000)
    ]
    data = ("Works cited\n\nThe works the programme office cites.\n\nReferences\n\n" + "\n".join(lines)).encode()
    env = {"QA_EMBEDDER": "hash", "QA_CHUNK_WORDS": str(WORDS), "QA_ANSWERER": "rules", "QA_RELOAD_INTERVAL": "0"}
    rows = kill_during_upload(env, index_dir, corpus, data, delays=[0.1, 1.0])
    for row in rows:
        assert not row["upload_finished"], row  # killed while indexing
        assert row["loads"] and row["old_index_kept"], row
        assert row["consistent_after_restart"], row
        assert not [n for n in row["leftovers"] if n.startswith(".tmp-")], row  # the restart's build cleaned them
