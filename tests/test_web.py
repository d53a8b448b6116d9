"""The server-rendered pages over the fixture corpus: form, answer card, escaping, not-found, documents, facts."""

from __future__ import annotations

import html
import re

import pytest
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st

from qa_service.schemas import AskResponse, Citation, Conflict, ConflictSide, FactOut
from qa_service.web.app import create_app, get_service


@pytest.fixture(scope="module")
def app(fixture_service):
    return create_app(service=fixture_service)


@pytest.fixture(scope="module")
def client(app):
    with TestClient(app) as c:
        yield c


class CannedService:
    """The fixture service, except that ask() returns a fixed response."""

    def __init__(self, real, response: AskResponse) -> None:
        self.real, self.response = real, response

    def documents(self):
        return self.real.documents()

    def ask(self, question, top_k=5, filters=None, mode="full"):
        return self.response.model_copy(update={"question": question})


@pytest.fixture
def canned(app, fixture_service):
    """Install a canned ask() response for one test: ``canned(response)``."""

    def install(response: AskResponse) -> None:
        app.dependency_overrides[get_service] = lambda: CannedService(fixture_service, response)

    yield install
    app.dependency_overrides.clear()


def _fact(service, doc_id: str, needle: str, value: float, unit: str) -> FactOut:
    text = service.document(doc_id).text
    start = text.index(needle)
    citation = service.citation(doc_id, start, start + len(needle))
    return FactOut(fact_id=f"{doc_id}:{start}", kind="count", text=needle, value=value, unit=unit, citation=citation)


def test_home_has_the_form_examples_and_filters(client):
    r = client.get("/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    page = r.text
    assert '<meta charset="utf-8">' in page
    assert 'name="q"' in page and 'action="/"' in page and 'method="get"' in page
    assert 'href="/?q=How+many+companies' in page or 'href="/?q=How%20many%20companies' in page
    assert 'name="doc" value="alpha"' in page and 'name="doc" value="beta"' in page
    assert 'name="year_from"' in page and 'name="year_to"' in page
    assert 'class="card answer' not in page


def test_stylesheet_has_a_korean_font(client):
    r = client.get("/static/style.css")
    assert r.status_code == 200 and '"NanumGothic"' in r.text


def test_answer_card_renders_the_api_response(client):
    question = "How much did the ministry provide per year to each region?"
    api = client.post("/api/ask", json={"question": question}).json()
    page = client.get("/", params={"q": question}).text
    assert 'class="card answer found"' in page
    assert html.escape(api["answer"]) in page
    assert api["answer_type"] in page and f"confidence {api['confidence'] * 100:.0f}%" in page
    assert f'value="{html.escape(question)}"' in page  # the question stays in the box
    for p in api["passages"]:
        assert html.escape(p["title"]) in page
    # the evidence sentence is highlighted inside its passage, and links to the document view
    first = api["passages"][0]
    assert f"<mark>{html.escape(first['evidence']['text'], quote=False)}</mark>" in page
    ev = first["evidence"]
    assert f'href="/documents/{first["doc_id"]}?start={ev["start"]}&amp;end={ev["end"]}#hl"' in page


def test_answer_card_lists_facts_with_source_links(client, fixture_service):
    question = "How much did the ministry provide per year to each region?"
    api = AskResponse.model_validate(fixture_service.ask(question).model_dump())
    page = client.get("/", params={"q": question}).text
    for f in api.facts:
        c = f.citation
        assert html.escape(f.text, quote=False) in page
        assert f'href="/documents/{c.doc_id}?start={c.start}&amp;end={c.end}#hl"' in page


def test_filters_from_the_form(client):
    r = client.get("/?q=How+many+projects+were+selected%3F&doc=beta&year_from=&year_to=&k=3")
    assert r.status_code == 200
    passages = re.findall(r'<li class="passage">', r.text)
    assert 1 <= len(passages) <= 3
    assert 'value="beta" checked' in r.text and "Notes on the Harbour Cluster Plan" in r.text


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("/?q=", "the question is empty"),
        ("/?q=%20%20", "the question is empty"),
        ("/?q=budget&year_from=2010&year_to=2000", "swap them"),
        ("/?q=budget&year_from=soon", "valid integer"),
        ("/?q=budget&doc=nope", "unknown document id"),
        ("/?q=" + "x" * 1001, "1000"),
        ("/?q=budget&k=99", "less than or equal to 50"),
    ],
)
def test_form_errors_are_shown_in_the_page(client, query, expected):
    r = client.get(query)
    assert r.status_code == 422 and r.headers["content-type"].startswith("text/html")
    assert 'class="card errors"' in r.text and html.escape(expected) in r.text
    assert 'name="q"' in r.text  # the form is still there to fix the question


def test_user_input_is_escaped(client):
    attack = '<script>alert("x")</script> budget <b>bold</b>'
    r = client.get("/", params={"q": attack, "doc": "alpha"})
    assert r.status_code == 200
    assert "<script>alert" not in r.text and "<b>bold</b>" not in r.text
    assert "&lt;script&gt;alert(" in r.text
    r = client.get("/", params={"q": "budget", "doc": "<img src=x onerror=alert(1)>"})
    assert "<img src=x" not in r.text and "&lt;img src=x onerror=alert(1)&gt;" in r.text


def test_not_found_on_the_fixture_corpus(client):
    page = client.get("/", params={"q": "What is the population of Mars in 1850?"}).text
    assert 'class="card answer not-found"' in page and "Not found in the corpus" in page
    assert "Nearest passages" in page and '<li class="passage">' in page


def test_not_found_state_renders_a_canned_response(client, canned, fixture_service):
    nearest = fixture_service.search("harbour companies", k=2).hits
    canned(AskResponse(question="", found=False, confidence=0.12, message="Nothing in the corpus says so.",
                       passages=nearest))  # fmt: skip
    page = client.get("/", params={"q": "Who won the 1998 world cup?"}).text
    assert 'class="card answer not-found"' in page and '<h1 class="short">Not found in the corpus</h1>' in page
    assert "Nothing in the corpus says so." in page and "confidence 12%" in page
    assert 'class="card answer found"' not in page
    assert page.count('<li class="passage">') == 2


def test_conflicts_are_shown_side_by_side(client, canned, fixture_service):
    a = _fact(fixture_service, "alpha", "48 projects", 48, "projects")
    b = _fact(fixture_service, "beta", "39 projects", 39, "projects")
    conflict = Conflict(about="projects selected in 2005", sides=[ConflictSide(value="48", fact=a),
                                                                  ConflictSide(value="39", fact=b)])  # fmt: skip
    canned(AskResponse(question="", found=True, answer="48 projects", answer_type="count", confidence=0.8,
                       facts=[a], conflicts=[conflict]))  # fmt: skip
    page = client.get("/", params={"q": "How many projects were selected in 2005?"}).text
    assert "Sources disagree" in page and "projects selected in 2005" in page
    sides = re.findall(r'<div class="side">(.*?)</div>', page, flags=re.S)
    assert len(sides) == 2
    for side, fact in zip(sides, (a, b), strict=True):
        c: Citation = fact.citation
        assert f'href="/documents/{c.doc_id}?start={c.start}&amp;end={c.end}#hl"' in side
        assert f'<p class="value">{fact.value:g}</p>' in side


def test_document_view_highlights_the_span(client, fixture_service):
    text = fixture_service.document("alpha").text
    start = text.index("twelve Technoparks")
    end = start + len("twelve Technoparks were built")
    r = client.get(f"/documents/alpha?start={start}&end={end}")
    assert r.status_code == 200
    assert '<mark id="hl">twelve Technoparks were built</mark>' in r.text
    assert "Regional Technology Policy in Freedonia" in r.text
    assert 'href="#sec-0">1. Introduction</a>' in r.text and 'id="sec-0"' in r.text
    assert "Employees in the Science Park" in r.text and "<td>12,925</td>" in r.text  # the table


def test_document_view_span_across_a_heading(client, fixture_service):
    detail = fixture_service.document("alpha")
    section = detail.sections[1]
    r = client.get(f"/documents/alpha?start={section.start - 5}&end={section.start + 5}")
    assert r.text.count('<mark id="hl">') == 1 and r.text.count("<mark") == 2  # split around the anchor


@pytest.mark.parametrize("query", ["?start=5000&end=6000", "?start=10&end=5", "?start=x&end=3"])
def test_document_view_bad_span(client, query):
    r = client.get(f"/documents/alpha{query}")
    if "x" in query:
        assert r.status_code == 422 and "start must be a whole number" in r.text
    else:
        assert r.status_code == 200 and "not inside this document" in r.text and "<mark" not in r.text


def test_documents_list_and_unknown_document(client):
    r = client.get("/documents")
    assert r.status_code == 200
    assert 'href="/documents/alpha"' in r.text and 'href="/documents/beta"' in r.text
    r = client.get("/documents/nope")
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert "unknown document id" in r.text


def test_unknown_page_is_an_html_404(client):
    r = client.get("/no/such/page")
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert "no such page" in r.text


def test_facts_page_lists_and_links_facts(client, fixture_service):
    everything = fixture_service.facts(limit=500)
    r = client.get("/facts")
    assert r.status_code == 200
    assert f"of {everything.total} facts" in r.text
    for f in everything.items[:50]:
        c = f.citation
        assert f'href="/documents/{c.doc_id}?start={c.start}&amp;end={c.end}#hl"' in r.text


def test_facts_page_filters(client, fixture_service):
    kind = fixture_service.facts().items[0].kind
    r = client.get("/facts", params={"kind": kind, "doc": "alpha", "entity": "", "year": ""})
    assert r.status_code == 200
    expected = fixture_service.facts(kind=kind, doc_id="alpha")
    assert r.text.count('<span class="tag">') == len(expected.items)
    assert f'<option value="{kind}" selected>' in r.text
    r = client.get("/facts", params={"offset": expected.total + 5})
    assert r.status_code == 200 and "← previous" in r.text
    r = client.get("/facts", params={"year": "soon"})
    assert r.status_code == 422 and "year must be a whole number" in r.text
    r = client.get("/facts", params={"doc": "nope"})
    assert r.status_code == 422 and "unknown document id" in r.text


@settings(max_examples=30, deadline=None)
@given(q=st.text(max_size=60), year=st.one_of(st.none(), st.text(max_size=6)))
def test_the_form_never_fails(client, q, year):
    params = {"q": q} if year is None else {"q": q, "year_from": year}
    r = client.get("/", params=params)
    assert r.status_code in (200, 422)


def test_span_helpers_keep_every_character():
    from qa_service.web.pages import segments, split_span, tidy

    assert split_span("abcdef", 10, 12, 14) == ("ab", "cd", "ef")
    assert split_span("abcdef", 10, 8, 12) is None and split_span("abcdef", 10, 14, 12) is None
    segs = segments("0123456789", {3: "sec-0", 6: "sec-1"}, (2, 8))
    assert "".join(s.text for s in segs) == "0123456789"
    assert "".join(s.text for s in segs if s.mark) == "234567"
    assert [s.mark_id for s in segs if s.mark_id] == ["hl"]
    assert [s.anchor for s in segs if s.anchor] == ["sec-0", "sec-1"]
    assert tidy("a\n\n\n\n\tb") == "a\n\n\tb"
