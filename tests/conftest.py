"""Shared fixtures: a tiny corpus indexed with the hashing embedder (fast, no weights), and the
real corpus indexed with the real model (marked ``model``)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

ROOT = Path(__file__).resolve().parent.parent
FIXTURE_CORPUS = Path(__file__).resolve().parent / "fixtures" / "corpus"
REAL_CORPUS = ROOT / "corpus"


@pytest.fixture(scope="session")
def fixture_corpus(tmp_path_factory) -> Path:
    """A writable copy of the tiny fixture corpus."""
    dest = tmp_path_factory.mktemp("corpus") / "corpus"
    shutil.copytree(FIXTURE_CORPUS, dest)
    return dest


@pytest.fixture(scope="session")
def fixture_settings(fixture_corpus, tmp_path_factory):
    from qa_service.config import Settings

    return Settings(
        corpus_dir=fixture_corpus, index_dir=tmp_path_factory.mktemp("index") / "index", embedder="hash", chunk_words=60
    )


@pytest.fixture(scope="session")
def fixture_service(fixture_settings):
    """QAService over the fixture corpus, with the hashing embedder."""
    from qa_service.index.embedding import HashEmbedder
    from qa_service.service import QAService, ensure_index

    embedder = HashEmbedder()
    ensure_index(fixture_settings, embedder)
    return QAService.open(fixture_settings, embedder)


@pytest.fixture(scope="session")
def real_settings(tmp_path_factory):
    """Settings for the bundled corpus; the index is built once per test session in a temp folder."""
    from qa_service.config import Settings

    return Settings(corpus_dir=REAL_CORPUS, index_dir=tmp_path_factory.mktemp("real-index") / "index")


@pytest.fixture(scope="session")
def real_service(real_settings):
    """QAService over the bundled corpus with the real model (tests using it are marked ``model``)."""
    from qa_service.index.embedding import make_embedder
    from qa_service.service import QAService, ensure_index

    embedder = make_embedder(real_settings.embedder)
    ensure_index(real_settings, embedder)
    return QAService.open(real_settings, embedder)


@pytest.fixture
def fixture_env(monkeypatch, fixture_settings, fixture_service):
    """QA_* variables pointing at the fixture corpus and index (hashing embedder), for tests of the CLI."""
    from qa_service.config import get_settings

    monkeypatch.setenv("QA_EMBEDDER", "hash")
    monkeypatch.setenv("QA_CORPUS_DIR", str(fixture_settings.corpus_dir))
    monkeypatch.setenv("QA_INDEX_DIR", str(fixture_settings.index_dir))
    monkeypatch.setenv("QA_CHUNK_WORDS", str(fixture_settings.chunk_words))
    get_settings.cache_clear()
    yield fixture_settings
    get_settings.cache_clear()
