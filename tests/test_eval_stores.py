"""The eval on both stores in one report (Milvus Lite as a local file, the hashing embedder)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("pymilvus")
pytest.importorskip("milvus_lite")

QUESTIONS = Path(__file__).resolve().parent / "fixtures" / "eval_questions.jsonl"


@pytest.fixture(scope="module")
def store_settings(fixture_settings, tmp_path_factory):
    folder = tmp_path_factory.mktemp("stores")
    return fixture_settings.model_copy(
        update={"index_dir": folder / "index", "milvus_uri": str(folder / "qa.db"), "milvus_collection": "qa_eval"}
    )


def test_both_stores_in_one_report_within_one_point(store_settings, tmp_path):
    from qa_service.evaluation import load_questions
    from qa_service.evaluation.stores import run_store_eval, write_store_reports
    from qa_service.index.embedding import HashEmbedder

    questions = load_questions(QUESTIONS)
    result = run_store_eval(store_settings, HashEmbedder(), questions, ["faiss", "milvus"])
    assert result["stores"] == ["faiss", "milvus"]
    metrics = result["comparison"]["metrics"]
    assert {"full.recall@1", "hybrid.mrr@10", "answer_accuracy", "citation_accuracy"} <= set(metrics)
    assert metrics["full.recall@5"]["faiss"] is not None
    assert result["comparison"]["within_budget"], result["comparison"]["max_gap"]
    assert result["comparison"]["answers_differ"] == []
    paths = write_store_reports(result, tmp_path)
    markdown = paths["md"].read_text(encoding="utf-8")
    assert "| mode | metric | faiss | milvus | gap |" in markdown and "| hybrid | recall@1 |" in markdown
    assert json.loads(paths["json"].read_text())["runs"]["milvus"]["store"]["name"] == "milvus"


def test_unknown_store_is_a_usage_error():
    from qa_service.evaluation.stores import parse_stores

    assert parse_stores("faiss, milvus,faiss") == ["faiss", "milvus"]
    with pytest.raises(ValueError, match="nope"):
        parse_stores("faiss,nope")


def test_eval_command_with_stores(store_settings, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from qa_service.cli import app, eval_cmd
    from qa_service.config import get_settings

    assert eval_cmd
    for key in ("corpus_dir", "index_dir", "embedder", "chunk_words", "milvus_uri", "milvus_collection"):
        monkeypatch.setenv(f"QA_{key.upper()}", str(getattr(store_settings, key)))
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        bad = runner.invoke(app, ["eval", "--stores", "faiss,nope", "--questions", str(QUESTIONS)])
        ok = runner.invoke(
            app, ["eval", "--stores", "faiss,milvus", "--questions", str(QUESTIONS), "--out", str(tmp_path)]
        )
    finally:
        get_settings.cache_clear()
    assert bad.exit_code == 2 and "nope" in bad.output
    assert ok.exit_code == 0, ok.output
    assert (tmp_path / "stores.md").exists() and "largest gap between stores" in ok.output
