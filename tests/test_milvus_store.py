"""The Milvus store against Milvus Lite: as a local file, and through its gRPC server on 127.0.0.1.

The answering layer must not know which store serves it: the fixture questions get the same answers,
citations and facts from both. Uses the hashing embedder (no model weights).
"""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

pytest.importorskip("pymilvus")
pytest.importorskip("milvus_lite")

QUESTIONS = Path(__file__).resolve().parent / "fixtures" / "eval_questions.jsonl"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lite_settings(fixture_settings, tmp_path_factory):
    uri = str(tmp_path_factory.mktemp("milvus") / "qa.db")
    return fixture_settings.model_copy(update={"store": "milvus", "milvus_uri": uri, "milvus_collection": "qa_test"})


@pytest.fixture(scope="module")
def grpc_server(tmp_path_factory):
    """Milvus Lite's embedded gRPC server on a free port of 127.0.0.1, stopped after the module."""
    from milvus_lite.adapter.grpc.server import start_server_in_thread

    port = _free_port()
    server, db, bound = start_server_in_thread(str(tmp_path_factory.mktemp("milvus-grpc") / "data"), "127.0.0.1", port)
    yield f"http://127.0.0.1:{bound}"
    server.stop(grace=0)
    db.close()


@pytest.fixture(scope="module")
def milvus_service(lite_settings):
    from qa_service.index.embedding import HashEmbedder
    from qa_service.service import QAService, ensure_index

    embedder = HashEmbedder()
    built, _reason = ensure_index(lite_settings, embedder)
    assert built
    return QAService.open(lite_settings, embedder)


def _questions() -> list[str]:
    return [json.loads(line)["question"] for line in QUESTIONS.read_text(encoding="utf-8").splitlines() if line]


def _answer_view(resp) -> dict:
    return {
        "answer": resp.answer,
        "found": resp.found,
        "confidence": round(resp.confidence, 4),
        "passages": [
            (p.chunk_id, p.start, p.end, p.page, p.evidence and (p.evidence.start, p.evidence.end))
            for p in resp.passages
        ],
        "facts": sorted(f.fact_id for f in resp.facts),
    }


def test_both_retrievers_satisfy_the_protocols(fixture_service, milvus_service):
    from qa_service.retrieval.milvus import MilvusRetriever
    from qa_service.retrieval.protocols import DocumentStore, Retriever
    from qa_service.retrieval.retriever import Retriever as EmbeddedRetriever

    assert isinstance(fixture_service.retriever, EmbeddedRetriever)
    assert isinstance(milvus_service.retriever, MilvusRetriever)
    for service in (fixture_service, milvus_service):
        assert isinstance(service.retriever, Retriever)
        assert isinstance(service.index, DocumentStore)
    assert not isinstance(object(), Retriever)


def test_same_answers_citations_and_facts_on_both_stores(fixture_service, milvus_service):
    questions = _questions()
    assert len(questions) >= 10
    for q in questions:
        # The rules answerer: the learned one's ranker file is trained separately (answering/model/).
        faiss_resp, milvus_resp = fixture_service.ask(q, answerer="rules"), milvus_service.ask(q, answerer="rules")
        assert _answer_view(milvus_resp) == _answer_view(faiss_resp), q


@pytest.mark.parametrize("mode", ["bm25", "dense", "full", "hybrid"])
def test_same_rankings_on_both_stores(fixture_service, milvus_service, mode):
    for q in _questions():
        a = [p.chunk_id for p in fixture_service.search(q, k=5, mode=mode).hits]
        b = [p.chunk_id for p in milvus_service.search(q, k=5, mode=mode).hits]
        assert a == b, (mode, q)  # hybrid too: Milvus' RRF ranker, its ties broken as fusion.rrf breaks them


def test_filters_are_milvus_expressions(fixture_service, milvus_service):
    from qa_service.retrieval.milvus import filter_expression
    from qa_service.retrieval.retriever import Filters
    from qa_service.schemas import Filters as ApiFilters

    assert (
        filter_expression(Filters(doc_ids=("alpha",), year_to=2005))
        == 'doc_id in ["alpha"] and year >= 0 and year <= 2005'
    )
    assert filter_expression(Filters()) is None
    doc = sorted(fixture_service.index.documents)[0]
    q = _questions()[0]
    hits = milvus_service.search(q, k=5, filters=ApiFilters(doc_ids=[doc])).hits
    assert hits and {h.doc_id for h in hits} == {doc}
    assert [h.chunk_id for h in hits] == [
        h.chunk_id for h in fixture_service.search(q, k=5, filters=ApiFilters(doc_ids=[doc])).hits
    ]
    assert milvus_service.search(q, k=5, filters=ApiFilters(year_from=2999)).hits == []


def test_second_ingest_keeps_the_index_and_a_new_build_swaps_the_alias(lite_settings, milvus_service):
    from qa_service.index.embedding import HashEmbedder
    from qa_service.index.milvus_store import _served_manifest, build_milvus_index, connect

    client = connect(lite_settings.milvus_uri)
    before = _served_manifest(client, lite_settings.milvus_collection)
    manifest, built = build_milvus_index(lite_settings, HashEmbedder(), client=client)
    assert not built and manifest["build"] == before["build"]
    # Another chunk size is another build: written beside the served one, then the alias moves to it.
    other = lite_settings.model_copy(update={"chunk_words": 40})
    manifest, built = build_milvus_index(other, HashEmbedder(), client=client)
    assert built and manifest["build"] != before["build"]
    assert _served_manifest(client, lite_settings.milvus_collection)["build"] == manifest["build"]
    assert not client.has_collection(before["collections"]["chunks"])  # the old build is dropped after the swap


def test_interrupted_ingest_resumes_by_chunk_id(fixture_settings, tmp_path):
    from qa_service.index import milvus_store
    from qa_service.index.embedding import HashEmbedder

    settings = fixture_settings.model_copy(
        update={"store": "milvus", "milvus_uri": str(tmp_path / "r.db"), "milvus_collection": "qa_resume"}
    )
    client = milvus_store.connect(settings.milvus_uri)
    real_upsert, calls = milvus_store._upsert, []

    def crash_after_first(client_, name, rows, desc, show):
        calls.append(name)
        if "_units_" in name:
            raise KeyboardInterrupt  # the power goes out after the chunks are written
        real_upsert(client_, name, rows, desc, show)

    milvus_store._upsert = crash_after_first
    try:
        with pytest.raises(KeyboardInterrupt):
            milvus_store.build_milvus_index(settings, HashEmbedder(), client=client)
    finally:
        milvus_store._upsert = real_upsert
    assert milvus_store._served_manifest(client, "qa_resume") is None  # nothing half-built is served
    manifest, built = milvus_store.build_milvus_index(settings, HashEmbedder(), client=client)
    assert built and manifest["counts"]["resumed_chunks"] == manifest["counts"]["chunks"] > 0


def test_grpc_server_serves_the_same_answers(fixture_settings, fixture_service, grpc_server):
    from qa_service.index.embedding import HashEmbedder
    from qa_service.service import QAService, ensure_index

    settings = fixture_settings.model_copy(
        update={"store": "milvus", "milvus_uri": grpc_server, "milvus_collection": "qa_net"}
    )
    ensure_index(settings, HashEmbedder())
    service = QAService.open(settings, HashEmbedder())
    for q in _questions()[:5]:
        assert _answer_view(service.ask(q, answerer="rules")) == _answer_view(fixture_service.ask(q, answerer="rules"))


def test_index_built_with_another_dimension_is_refused(lite_settings, milvus_service):
    from qa_service.errors import IndexMismatchError
    from qa_service.index.embedding import HashEmbedder
    from qa_service.index.milvus_store import load_milvus_index

    with pytest.raises(IndexMismatchError, match=r"256d\).*\(128d\)"):
        load_milvus_index(lite_settings, HashEmbedder(dim=128))


def test_unreachable_milvus_is_one_clear_error_naming_the_uri(fixture_settings):
    from qa_service.errors import StoreUnavailableError
    from qa_service.service import QAService

    uri = f"http://127.0.0.1:{_free_port()}"
    settings = fixture_settings.model_copy(update={"store": "milvus", "milvus_uri": uri})
    with pytest.raises(StoreUnavailableError, match=f"cannot reach Milvus at {uri}"):
        QAService.open(settings)


def test_milvus_settings_are_validated():
    from pydantic import ValidationError

    from qa_service.config import Settings

    with pytest.raises(ValidationError, match="QA_STORE"):
        Settings(store="elastic")
    with pytest.raises(ValidationError, match="QA_MILVUS_URI"):
        Settings(milvus_uri="milvus-somewhere")
    assert Settings(store="milvus", milvus_uri="http://milvus:19530").milvus_uri == "http://milvus:19530"


def test_released_collections_are_loaded_when_the_service_opens(lite_settings):
    """Collections persisted by an earlier run start released (as after a server restart): open() loads them."""
    from qa_service.index.embedding import HashEmbedder
    from qa_service.index.milvus_store import connect
    from qa_service.service import QAService, ensure_index

    settings = lite_settings.model_copy(update={"milvus_collection": "qa_reload"})
    assert ensure_index(settings, HashEmbedder())[0]
    first = QAService.open(settings, HashEmbedder())
    client = connect(settings.milvus_uri)
    for name in first.index.collections.values():
        client.release_collection(name)
    built, _reason = ensure_index(settings, HashEmbedder())
    assert not built  # the served build was recognised, not rebuilt
    service = QAService.open(settings, HashEmbedder())
    q = "Regional Innovation Program"
    assert [h.chunk_id for h in service.search(q, k=3).hits] == [h.chunk_id for h in first.search(q, k=3).hits]
