"""The JSON API over the fixture corpus: happy paths, validation messages, error mapping, citation offsets."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient

from qa_service.config import Settings
from qa_service.schemas import AskResponse, DocumentDetail, FactsPage, Health, SearchResponse
from qa_service.web.app import create_app, get_service

QUESTIONS = [
    "When was the Regional Innovation Program launched?",
    "How much did the ministry provide per year to each region?",
    "How many projects were selected in 2005?",
    "How many companies does the harbour area host?",
    "What is the population of Mars in 1850?",
]


@pytest.fixture(scope="module")
def client(fixture_service):
    with TestClient(create_app(service=fixture_service)) as c:
        yield c


def _msgs(response) -> str:
    body = response.json()
    assert isinstance(body["detail"], list) and body["detail"], body
    for item in body["detail"]:
        assert set(item) >= {"loc", "msg", "type"} and item["msg"], item
    return " | ".join(item["msg"] for item in body["detail"])


# -- happy paths ----------------------------------------------------------------------------------------
def test_ask_returns_an_answer_with_cited_passages(client):
    r = client.post("/api/ask", json={"question": "How much did the ministry provide per year to each region?"})
    assert r.status_code == 200
    body = AskResponse.model_validate(r.json())
    assert body.found and body.answer_type == "money"
    assert "3.2 million dollars" in body.answer
    assert body.passages and body.passages[0].rank == 1
    assert {"passages", "facts", "conflicts", "timings_ms", "confidence", "message"} <= set(r.json())


def test_ask_respects_top_k_and_filters(client):
    body = {"question": "How many projects were selected?", "top_k": 2, "doc_ids": ["beta"]}
    r = client.post("/api/ask", json=body)
    assert r.status_code == 200
    passages = r.json()["passages"]
    assert 1 <= len(passages) <= 2 and {p["doc_id"] for p in passages} == {"beta"}
    r = client.post("/api/ask", json={"question": "Technoparks", "year_from": 2009, "year_to": 2009})
    assert r.status_code == 200 and {p["doc_id"] for p in r.json()["passages"]} <= {"alpha"}


def test_search(client):
    r = client.get("/api/search", params={"q": "Technoparks built in rural areas", "k": 3})
    assert r.status_code == 200
    body = SearchResponse.model_validate(r.json())
    assert body.query == "Technoparks built in rural areas" and body.k == 3
    assert 1 <= len(body.hits) <= 3 and "Technoparks" in body.hits[0].text
    r = client.get("/api/search", params=[("q", "projects"), ("doc_id", "beta"), ("doc_id", "alpha")])
    assert r.status_code == 200 and r.json()["hits"]


def test_facts_paging_and_filters(client):
    r = client.get("/api/facts")
    assert r.status_code == 200
    page = FactsPage.model_validate(r.json())
    assert page.total == len(page.items) > 0 and page.offset == 0 and page.limit == 50
    first = page.items[0]
    r = client.get("/api/facts", params={"kind": first.kind, "doc_id": first.citation.doc_id, "limit": 1})
    page = FactsPage.model_validate(r.json())
    assert page.limit == 1 and len(page.items) == 1 and page.items[0].kind == first.kind
    r = client.get("/api/facts", params={"offset": 10_000})
    assert r.status_code == 200 and r.json()["items"] == []


def test_documents_and_document(client):
    r = client.get("/api/documents")
    assert r.status_code == 200
    docs = {d["doc_id"]: d for d in r.json()}
    assert set(docs) == {"alpha", "beta"}
    assert docs["alpha"]["title"] == "Regional Technology Policy in Freedonia" and docs["alpha"]["year"] == 2009
    r = client.get("/api/documents/alpha")
    detail = DocumentDetail.model_validate(r.json())
    assert len(detail.text) == docs["alpha"]["chars"]
    assert [s.title for s in detail.sections][:2] == ["1. Introduction", "2. Budget and Results"]
    table = detail.tables[0]
    assert table.caption == "Employees in the Science Park" and "12,925" in detail.text[table.start : table.end]


def test_healthz_reports_the_manifest(client, fixture_service):
    r = client.get("/healthz")
    assert r.status_code == 200
    health = Health.model_validate(r.json())
    manifest = health.manifest
    assert health.status == "ok"
    assert manifest["model"]["name"] == fixture_service.embedder.name and manifest["model"]["dim"] > 0
    assert manifest["corpus_hash"] and manifest["counts"]["documents"] == 2
    assert {"chunks", "facts", "tables"} <= set(manifest["counts"])
    assert "documents" not in manifest  # the per-document list stays out of the health check


# -- citations ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("question", QUESTIONS)
def test_every_citation_slices_back_to_its_text(client, question):
    body = client.post("/api/ask", json={"question": question, "top_k": 10}).json()
    texts: dict[str, str] = {}

    def text_of(doc_id: str) -> str:
        if doc_id not in texts:
            texts[doc_id] = client.get(f"/api/documents/{doc_id}").json()["text"]
        return texts[doc_id]

    assert body["passages"]
    for p in body["passages"]:
        assert text_of(p["doc_id"])[p["start"] : p["end"]] == p["text"]
        if p["evidence"]:
            ev = p["evidence"]
            assert p["start"] <= ev["start"] <= ev["end"] <= p["end"]
            assert text_of(p["doc_id"])[ev["start"] : ev["end"]] == ev["text"]
    facts = body["facts"] + [side["fact"] for c in body["conflicts"] for side in c["sides"]]
    for fact in facts:
        c = fact["citation"]
        assert text_of(c["doc_id"])[c["start"] : c["end"]] == fact["text"]


def test_search_hits_slice_back_too(client):
    hits = client.get("/api/search", params={"q": "budget universities", "k": 10}).json()["hits"]
    for p in hits:
        text = client.get(f"/api/documents/{p['doc_id']}").json()["text"]
        assert text[p["start"] : p["end"]] == p["text"]


# -- validation -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"question": ""}, "empty"),
        ({"question": "   \n\t "}, "empty"),
        ({"question": "x" * 1001}, "1000"),
        ({"question": 42}, "string"),
        ({}, "required"),
        ({"question": "budget", "top_k": 0}, "greater than or equal to 1"),
        ({"question": "budget", "top_k": 51}, "less than or equal to 50"),
        ({"question": "budget", "top_k": "many"}, "integer"),
        ({"question": "budget", "doc_ids": ["nope"]}, "unknown document id 'nope'"),
        ({"question": "budget", "doc_ids": "alpha"}, "list"),
        ({"question": "budget", "year_from": 2010, "year_to": 2000}, "swap"),
        ({"question": "budget", "year_from": "soon"}, "integer"),
        ({"question": "budget", "colour": "red"}, "Extra inputs are not permitted"),
    ],
)
def test_ask_validation_says_what_to_fix(client, body, expected):
    r = client.post("/api/ask", json=body)
    assert r.status_code == 422
    assert expected in _msgs(r)


def test_unknown_doc_id_lists_the_known_ones(client):
    r = client.post("/api/ask", json={"question": "budget", "doc_ids": ["alpha", "nope"]})
    assert r.status_code == 422
    item = r.json()["detail"][0]
    assert item["type"] == "unknown_document" and item["loc"] == ["body", "doc_ids"]
    assert "known ids: alpha, beta" in item["msg"]


def test_ask_rejects_a_body_that_is_not_json(client):
    r = client.post("/api/ask", content=b"question=budget", headers={"content-type": "text/plain"})
    assert r.status_code == 422
    _msgs(r)


@pytest.mark.parametrize(
    ("path", "params", "expected"),
    [
        ("/api/search", {}, "required"),
        ("/api/search", {"q": ""}, "at least 1 character"),
        ("/api/search", {"q": "   "}, "empty"),
        ("/api/search", {"q": "y" * 1001}, "1000"),
        ("/api/search", {"q": "budget", "k": 0}, "greater than or equal to 1"),
        ("/api/search", {"q": "budget", "k": 51}, "less than or equal to 50"),
        ("/api/search", {"q": "budget", "k": "ten"}, "integer"),
        ("/api/search", {"q": "budget", "doc_id": "nope"}, "unknown document id 'nope'"),
        ("/api/search", {"q": "budget", "year_from": 2010, "year_to": 2000}, "swap"),
        ("/api/facts", {"limit": 0}, "greater than or equal to 1"),
        ("/api/facts", {"limit": 501}, "less than or equal to 500"),
        ("/api/facts", {"offset": -1}, "greater than or equal to 0"),
        ("/api/facts", {"year": "last"}, "integer"),
        ("/api/facts", {"doc_id": "nope"}, "unknown document id 'nope'"),
    ],
)
def test_query_validation_says_what_to_fix(client, path, params, expected):
    r = client.get(path, params=params)
    assert r.status_code == 422
    assert expected in _msgs(r)


def test_year_range_error_points_at_the_query(client):
    r = client.get("/api/search", params={"q": "budget", "year_from": 2010, "year_to": 2000})
    assert r.json()["detail"][0]["loc"][0] == "query"


# -- errors ---------------------------------------------------------------------------------------------
def test_unknown_document_is_404_json(client):
    r = client.get("/api/documents/nope")
    assert r.status_code == 404 and r.headers["content-type"].startswith("application/json")
    assert "unknown document id 'nope'" in _msgs(r)


@pytest.mark.parametrize("path", ["/api/nope", "/api/documents/alpha/extra", "/api"])
def test_unknown_api_path_is_404_json(client, path):
    r = client.get(path)
    assert r.status_code == 404 and r.headers["content-type"].startswith("application/json")
    assert "/docs" in _msgs(r)


def test_wrong_method_is_405_json(client):
    r = client.get("/api/ask")
    assert r.status_code == 405 and "allow" in r.headers
    _msgs(r)


def test_missing_index_is_503_with_what_to_run(fixture_corpus, tmp_path):
    settings = Settings(corpus_dir=fixture_corpus, index_dir=tmp_path / "no-index", embedder="hash")
    with TestClient(create_app(settings=settings)) as c:
        for r in (c.get("/healthz"), c.post("/api/ask", json={"question": "budget"}), c.get("/api/documents")):
            assert r.status_code == 503
            assert "qa-service ingest" in _msgs(r)
        assert c.get("/").status_code == 503  # the page says so too, in HTML


class _Broken:
    def ask(self, *args, **kwargs):
        raise RuntimeError("secret internals")


def test_unexpected_error_is_500_json_without_a_trace(fixture_service):
    app = create_app(service=fixture_service)
    app.dependency_overrides[get_service] = _Broken
    with TestClient(app, raise_server_exceptions=False) as c:
        r = c.post("/api/ask", json={"question": "budget"})
    assert r.status_code == 500
    assert r.json() == {"detail": [{"loc": [], "msg": "internal error; the server log has the details",
                                    "type": "internal_error"}]}  # fmt: skip


def test_openapi_documents_the_error_shape(client):
    spec = client.get("/openapi.json").json()
    assert set(spec["paths"]) == {
        "/api/ask", "/api/search", "/api/facts", "/api/documents", "/api/documents/{doc_id}", "/healthz",
    }  # fmt: skip
    assert {"422", "503"} <= set(spec["paths"]["/api/ask"]["post"]["responses"])
    assert "404" in spec["paths"]["/api/documents/{doc_id}"]["get"]["responses"]
    assert "ErrorResponse" in spec["components"]["schemas"]
    assert client.get("/docs").status_code == 200


# -- concurrency ----------------------------------------------------------------------------------------
def test_concurrent_requests_do_not_interfere(client):
    expected = {q: client.post("/api/ask", json={"question": q}).json()["answer"] for q in QUESTIONS}
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda q: (q, client.post("/api/ask", json={"question": q})), QUESTIONS * 4))
    for question, r in results:
        assert r.status_code == 200 and r.json()["answer"] == expected[question]


def test_undecodable_body_is_the_documented_422_with_a_hint(client):
    r = client.post("/api/ask", content=b'{"question": "\xff\xfe"}', headers={"content-type": "application/json"})
    assert r.status_code == 422
    assert "JSON" in _msgs(r) and r.json()["detail"][0]["type"] == "json_invalid"


@pytest.mark.parametrize("body", [b"{not json", b'{"question": "budget"', b"\xff\xfe"])
def test_a_body_that_is_not_json_is_the_documented_422(client, body):
    r = client.post("/api/ask", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 422 and r.json()["detail"][0]["type"] == "json_invalid"
    assert "send a UTF-8 JSON object" in _msgs(r)
    documented = client.get("/openapi.json").json()["paths"]["/api/ask"]["post"]["responses"]
    assert "422" in documented and "400" not in documented


def test_a_misspelled_fact_kind_is_a_422_listing_the_kinds(client):
    r = client.get("/api/facts", params={"kind": "mony"})
    assert r.status_code == 422
    assert "'money'" in _msgs(r) and "'table_cell'" in _msgs(r)
    assert client.get("/api/facts", params={"kind": "money"}).status_code == 200
    kinds = client.get("/openapi.json").json()["components"]["schemas"]["FactKind"]["enum"]
    assert kinds == ["money", "count", "percent", "area", "population", "date", "period", "entity", "table_cell"]


def test_search_takes_the_clis_modes(client):
    bm25 = client.get("/api/search", params={"q": "Technoparks built in rural areas", "k": 3, "mode": "bm25"}).json()
    assert bm25["hits"] and all(h["dense_score"] is None and h["lexical_score"] is not None for h in bm25["hits"])
    dense = client.get("/api/search", params={"q": "Technoparks built in rural areas", "k": 3, "mode": "dense"}).json()
    assert dense["hits"] and all(h["lexical_score"] is None and h["dense_score"] is not None for h in dense["hits"])
    r = client.get("/api/search", params={"q": "budget", "mode": "semantic"})
    assert r.status_code == 422 and "'hybrid'" in _msgs(r)


def test_operation_ids_are_readable_and_every_score_says_what_it_is(client):
    spec = client.get("/openapi.json").json()
    ids = {f"{method} {path}": op["operationId"] for path, ops in spec["paths"].items() for method, op in ops.items()}
    assert {ids["post /api/ask"], ids["get /api/search"], ids["get /api/facts"]} == {"ask", "search", "facts"}
    assert (ids["get /api/documents"], ids["get /api/documents/{doc_id}"]) == ("documents", "document")
    assert all(re.fullmatch(r"[a-z]+(_[a-z]+)?", i) for i in ids.values()), ids  # not "ask_api_ask_post"
    passage = spec["components"]["schemas"]["Passage"]["properties"]
    for name in ("score", "dense_score", "dense_rank", "lexical_score", "lexical_rank"):
        assert passage[name].get("description"), f"Passage.{name} has no description"
    assert "reciprocal-rank-fusion" in passage["score"]["description"]
    assert "Cosine" in passage["dense_score"]["description"] and "BM25" in passage["lexical_score"]["description"]
    assert spec["components"]["schemas"]["AskResponse"]["properties"]["confidence"]["description"]
