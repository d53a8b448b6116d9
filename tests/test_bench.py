"""The benchmark's pieces on the fixture corpus with the hashing embedder: structure, not speed.

Every figure must be a real, positive, finite measurement; no test asserts how fast anything is.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from qa_service.benchmark.synthetic import VectorMixture, corpus_sentences, make_queries, write_pdf_corpus
from qa_service.index.embedding import HashEmbedder

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = ROOT / "eval" / "questions.jsonl"


def _positive(value) -> bool:
    return isinstance(value, int | float) and math.isfinite(value) and value > 0


def _percentiles_ok(stats: dict) -> bool:
    return (
        stats["n"] > 0
        and all(_positive(stats[k]) for k in ("p50", "p95", "p99"))
        and (stats["p50"] <= stats["p95"] <= stats["p99"])
    )


@pytest.fixture(scope="module")
def sentences(fixture_settings) -> list[str]:
    return corpus_sentences(fixture_settings.corpus_dir)


@pytest.fixture(scope="module")
def queries(sentences) -> list[str]:
    return [q.text for q in make_queries(QUESTIONS, sentences, 40)]


def test_queries_mix_eval_questions_and_corpus_sentences(sentences):
    made = make_queries(QUESTIONS, sentences, 60, seed=3)
    assert len(made) == 60
    assert {q.kind for q in made} >= {"eval", "sentence-topic", "sentence-cloze"}
    assert all(q.text.strip() for q in made)
    assert made == make_queries(QUESTIONS, sentences, 60, seed=3)  # seeded


def test_ingest_of_a_synthetic_pdf_corpus(tmp_path, sentences, fixture_settings):
    from qa_service.benchmark.ingest_bench import bench_ingest

    corpus = write_pdf_corpus(tmp_path / "corpus", sentences, documents=2, pages_per_document=3, words_per_page=80)
    assert corpus.pages == 6 and len(list(corpus.path.glob("*.pdf"))) == 2
    result = bench_ingest(corpus.path, tmp_path / "index", HashEmbedder(), fixture_settings)
    assert result["documents"] == 2 and result["pages"] == 6 and result["skipped_files"] == 0
    for key in ("seconds", "documents_per_s", "pages_per_s", "chunks_per_s", "peak_rss_mb", "embed_share"):
        assert _positive(result[key]), key
    assert 0 < result["embed_share"] < 1


def test_the_large_document_times_every_stage_before_embedding(tmp_path, sentences, fixture_settings):
    from qa_service.benchmark.ingest_bench import LARGE_DOCUMENT_MB, bench_large_document

    assert LARGE_DOCUMENT_MB["full"] >= 20 and LARGE_DOCUMENT_MB["quick"] <= 1  # CI stays fast
    result = bench_large_document(tmp_path, sentences, 0.05, fixture_settings)
    assert result["megabytes"] >= 0.05 and result["chunks"] > 0 and result["facts"] > 0
    assert set(result["stages_s"]) == {
        "read_clean_structure",
        "chunk",
        "evidence_units",
        "aliases",
        "facts",
        "embed_hash",
    }
    assert _positive(result["pre_embedding_s"]) and _positive(result["pre_embedding_mb_per_s"])
    assert not list(tmp_path.glob("*.txt"))  # the document is removed after


def test_latency_reports_every_stage(fixture_service, queries):
    from qa_service.benchmark.latency import bench_embedders, bench_service

    result = bench_service(fixture_service, queries[:20], warmup=2)
    assert _percentiles_ok(result["search"]["wall"]) and _percentiles_ok(result["ask"]["wall"])
    assert set(result["search"]["stages"]) >= {"embed", "dense", "lexical", "fusion", "evidence"}
    assert "answer" in result["ask"]["stages"]
    assert result["ask"]["stages"]["answer"]["n"] == 20 - result["ask"]["refused"]
    embedders = bench_embedders({"hash": HashEmbedder()}, queries, n=10)
    assert _percentiles_ok(embedders["hash"])


def test_naive_baseline_answers_with_a_fixed_size_chunk(fixture_settings, queries, tmp_path):
    from qa_service.benchmark.baseline import NaiveBaseline, bench_baseline, raw_texts

    baseline, result = bench_baseline(raw_texts(fixture_settings.corpus_dir), HashEmbedder(), queries[:10], warmup=1)
    assert result["chunks"] == len(baseline.chunks) > 0
    assert all(len(c.split()) <= 150 for c in baseline.chunks)
    assert _percentiles_ok(result["wall"]) and set(result["stages"]) == {"embed", "dense"}
    baseline.save(tmp_path / "b", "hash")
    assert NaiveBaseline.load(tmp_path / "b").ask(queries[0])[0] in baseline.chunks


def test_vector_mixture_is_clustered_and_normalised():
    mixture = VectorMixture(32, seeds=None, centres=20, spread=0.05, seed=1)
    base, queries = mixture.sample(2000, seed=1), mixture.sample(50, seed=2)
    assert base.dtype == np.float32 and np.allclose(np.linalg.norm(base, axis=1), 1, atol=1e-4)
    top = np.sort(queries @ base.T, axis=1)[:, -1]
    assert top.mean() > (queries @ base.T).mean() + 0.3  # neighbours are much closer than the rest
    assert not np.isin(queries, base).all(axis=1).any()


def test_scale_measures_every_index_type_and_the_guard():
    from qa_service.benchmark.scale import bench_scale

    result = bench_scale([3000], dim=32, seeds=None, n_queries=50, latency_budget_s=0.5, say=lambda _m: None)
    row = result["sizes"][0]
    assert set(row["indexes"]) == {"flat", "hnsw", "ivf"}
    assert row["indexes"]["flat"]["recall_at_10"] == 1.0
    for kind, r in row["indexes"].items():
        assert 0 < r["recall_at_10"] <= 1, kind
        assert _percentiles_ok(r["latency_ms"]) and _positive(r["index_mb"]), kind
    assert {s["ef_search"] for s in row["indexes"]["hnsw"]["sweep"]} >= {16, 64}
    assert row["auto"]["type"] == "flat" and row["auto"]["guard_ok"] is True


@pytest.mark.parametrize("kind", ["hnsw", "ivf"])
def test_approximate_indexes_are_calibrated_and_reload_their_breadth(tmp_path, kind):
    from qa_service.index.vector_index import build_vector_index, load_vector_index, save_vector_index

    vectors = VectorMixture(32, centres=30, seed=2).sample(3000, seed=1)
    index, info = build_vector_index(vectors, kind)
    breadth = "ef_search" if kind == "hnsw" else "nprobe"
    assert info["type"] == kind and info[breadth] >= 1 and 0 < info["recall_at_10"] <= 1
    save_vector_index(index, tmp_path / "v.faiss")
    loaded = load_vector_index(tmp_path / "v.faiss", info)
    assert (loaded.hnsw.efSearch if kind == "hnsw" else loaded.nprobe) == info[breadth]


def test_index_type_follows_corpus_size():
    from qa_service.index.vector_index import HNSW_FROM, choose_index_type, ivf_nlist

    assert choose_index_type(HNSW_FROM - 1) == "flat" and choose_index_type(HNSW_FROM) == "hnsw"
    assert ivf_nlist(1_000_000) == 4096 and ivf_nlist(1000) * 39 <= 1000


def test_cold_start_and_http_load_against_a_real_server(fixture_service, fixture_settings, queries, tmp_path):
    from qa_service.benchmark.cold_start import cold_start_cli, cold_start_server
    from qa_service.benchmark.http_load import bench_http

    cli = cold_start_cli(fixture_settings, queries[0], runs=1)
    assert _positive(cli["median_s"]) and len(cli["runs_s"]) == 1
    server = cold_start_server(fixture_settings, queries[0], tmp_path, runs=1)
    assert _positive(server["median_s"])
    result = bench_http(
        fixture_settings, queries, tmp_path / "http", workers=(1,), users=(2,), seconds=2, say=lambda _m: None
    )
    (run,) = result["runs"]
    assert run["failures"] == 0 and run["errors"] == {} and run["requests"] > 0
    assert set(run["by_endpoint"]) == {"POST /api/ask", "GET /api/search"}
    assert _positive(run["requests_per_s"]) and _percentiles_ok(run["latency_ms"])
    assert _positive(run["loadgen_cpu_percent"])
    probe = result["keep_alive_probe"]["1"]
    assert _positive(probe["keep_alive_p50_ms"]) and _positive(probe["new_connection_p50_ms"])
    (plain,) = result["plain_stack_runs"]  # the same load on uvicorn's h11/asyncio stack, for comparison
    assert plain["failures"] == 0 and plain["users"] == 2 and _positive(plain["requests_per_s"])


@pytest.fixture
def cli():
    """Invoke ``qa-service`` in-process, with the bench command registered."""
    from typer.testing import CliRunner

    from qa_service.cli import app, bench_cmd

    assert bench_cmd  # importing the module registers the command
    return lambda *args: CliRunner().invoke(app, list(args))


def test_bench_command_writes_json_and_markdown(cli, fixture_settings, tmp_path, monkeypatch):
    from qa_service.config import get_settings

    for key, value in fixture_settings.model_dump().items():
        if value is not None:  # an unset optional setting stays unset (str(None) would be a path named "None")
            monkeypatch.setenv(f"QA_{key.upper()}", str(value))
    get_settings.cache_clear()
    try:
        result = cli("bench", "--quick", "--skip", "http,scale,cold_start", "--out", str(tmp_path))
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    data = json.loads((tmp_path / "bench.json").read_text())
    assert data["meta"]["quick"] is True and data["failures"] == [] and data["errors"] == {}
    assert data["ingest"]["synthetic"]["pages"] == 50
    assert data["ingest"]["large_document"]["megabytes"] >= 0.5  # the quick plan's large document
    assert data["latency"]["queries"]["n"] == 50 and "hash" in data["latency"]["service"]
    assert any(t["figure"].startswith("`ask` in-process") and t["met"] is not None for t in data["targets"])
    stores = data["stores"]  # FAISS and Milvus Lite side by side, at the quick plan's size
    assert stores["chunks"] == 2_000 and set(stores["stores"]) == {"faiss", "milvus"}
    for store in stores["stores"].values():
        assert _positive(store["ingest"]["chunks_per_s"])
        for kind in ("dense", "bm25"):
            assert set(store["search_ms"][kind]) == {"1", "8", "32"}
            assert all(_percentiles_ok(r) and _positive(r["qps"]) for r in store["search_ms"][kind].values())
    markdown = (tmp_path / "bench.md").read_text()
    assert "## Stores: FAISS and Milvus (2,000 synthetic chunks" in markdown
    assert "| figure | measured | target | baseline (same run) | met? |" in markdown
    assert "Skipped (`--skip http`)" in markdown


def test_bench_command_refuses_an_unknown_section(cli, tmp_path):
    result = cli("bench", "--skip", "nope", "--out", str(tmp_path))
    assert result.exit_code == 2 and "nope" in result.output
