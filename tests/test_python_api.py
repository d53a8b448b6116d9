"""A notebook session with the public Python API only: ``from qa_service import QAService, Document``.

The fixture corpus and the hashing embedder keep it fast; nothing here imports a module behind the facade.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from qa_service import AskResponse, Document, FactsPage, QAError, QAService, SearchResponse


@pytest.fixture(scope="module")
def corpus(fixture_corpus) -> Path:
    return fixture_corpus  # a writable copy of tests/fixtures/corpus


@pytest.fixture(scope="module")
def svc(corpus) -> QAService:
    return QAService.from_folder(corpus, corpus.parent / "index", embedder="hash", chunk_words=60)


def test_import_qa_service_loads_none_of_the_pipeline():
    code = (
        "import sys, qa_service; "
        "print([m for m in ('qa_service.service', 'numpy', 'faiss', 'fastapi', 'pydantic', 'torch') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_python_dash_m_runs_the_cli():
    result = subprocess.run([sys.executable, "-m", "qa_service", "--help"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert all(command in result.stdout for command in ("ingest", "ask", "search", "facts", "eval"))


def test_ask_gives_the_apis_model_with_cited_passages(svc):
    response = svc.ask("How much did the ministry provide per year to each region?")
    assert isinstance(response, AskResponse)
    assert response.found and "3.2 million dollars" in response.answer
    first = response.passages[0]
    assert svc.document(first.doc_id).text[first.start : first.end] == first.text
    assert json.loads(response.model_dump_json())["answer"] == response.answer


def test_search_in_each_mode(svc):
    bm25 = svc.search("Technoparks built in rural areas", k=3, mode="bm25")
    assert isinstance(bm25, SearchResponse) and 1 <= len(bm25.hits) <= 3
    assert all(h.lexical_score is not None and h.dense_score is None for h in bm25.hits)
    dense = svc.search("Technoparks built in rural areas", k=3, mode="dense")
    assert all(h.dense_score is not None and h.lexical_score is None for h in dense.hits)
    with pytest.raises(QAError, match="bm25, dense, hybrid, full"):
        svc.search("Technoparks", mode="semantic")


def test_facts_by_kind_and_a_misspelled_kind(svc):
    page = svc.facts(kind="money")
    assert isinstance(page, FactsPage) and page.total > 0
    assert {f.kind for f in page.items} == {"money"}
    with pytest.raises(QAError, match="money, count, percent"):
        svc.facts(kind="mony")


def test_from_folder_reuses_the_index_it_built(svc, corpus):
    again = QAService.from_folder(corpus, corpus.parent / "index", embedder="hash", chunk_words=60)
    assert again.health().manifest["built_at"] == svc.health().manifest["built_at"]


def test_from_folder_keeps_its_index_in_a_cache_folder_by_default(corpus, tmp_path, monkeypatch):
    monkeypatch.setenv("QA_CACHE_DIR", str(tmp_path / "cache"))
    svc = QAService.from_folder(corpus, embedder="hash", chunk_words=60)
    index_dir = Path(svc.settings.index_dir)
    assert index_dir.parent == tmp_path / "cache" and index_dir.name.startswith("corpus-")
    assert (index_dir / "manifest.json").is_file()


def test_load_an_index_folder_without_its_corpus(svc):
    loaded = QAService.load(svc.settings.index_dir, chunk_words=60)
    question = "How many projects were selected in 2005?"
    assert loaded.ask(question).answer == svc.ask(question).answer
    assert "documents" in repr(loaded)


def test_load_and_from_folder_say_what_is_missing(tmp_path):
    with pytest.raises(QAError, match="no index in"):
        QAService.load(tmp_path / "nothing-here")
    with pytest.raises(QAError, match="no corpus folder"):
        QAService.from_folder(tmp_path / "no-corpus", embedder="hash")


def test_a_document_is_text_or_a_path_with_free_form_metadata(tmp_path):
    doc = Document(text="The DST was designated in 2005.", doc_id="note", metadata={"year": 2005, "team": "RIS"})
    assert doc.metadata["team"] == "RIS"
    assert Document(path=tmp_path / "paper.pdf").doc_id is None
    with pytest.raises(ValueError, match="exactly one of"):
        Document(text="both", path=tmp_path / "x.txt", doc_id="x")
    with pytest.raises(ValueError, match="needs a doc_id"):
        Document(text="no id")
