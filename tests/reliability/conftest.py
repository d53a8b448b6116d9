"""Fixtures of the reliability suite: a built fixture-corpus index (hashing embedder) and a server over it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

FIXTURE_CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "corpus"
WORDS = 60


@pytest.fixture(scope="session")
def rel_root(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("reliability")


@pytest.fixture(scope="session")
def rel_settings(rel_root):
    from qa_service.config import Settings

    corpus = rel_root / "corpus"
    shutil.copytree(FIXTURE_CORPUS, corpus)
    # The rules answerer: the suite tests the server, not the answer model, and needs no trained ranker.
    return Settings(
        corpus_dir=corpus, index_dir=rel_root / "index", embedder="hash", chunk_words=WORDS, answerer="rules"
    )


@pytest.fixture(scope="session")
def pristine_index(rel_settings) -> Path:
    """The fixture corpus's index, built once; tests copy it before they damage anything."""
    from qa_service.index.embedding import HashEmbedder
    from qa_service.service import ensure_index

    ensure_index(rel_settings, HashEmbedder())
    return rel_settings.index_dir


def server_env(settings, **extra: str) -> dict[str, str]:
    env = {
        "QA_CORPUS_DIR": str(settings.corpus_dir),
        "QA_INDEX_DIR": str(settings.index_dir),
        "QA_EMBEDDER": "hash",
        "QA_ANSWERER": "rules",
        "QA_CHUNK_WORDS": str(WORDS),
        "QA_RELOAD_INTERVAL": "0.5",
    }
    return {**env, **extra}
