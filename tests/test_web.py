"""The server-rendered pages over the fixture corpus: form, answer states, escaping, not-found, conflicts, citations,
search, documents, facts and their export; and the view logic (highlights, markers, calibration line) on its own."""

from __future__ import annotations

import html
import re

import pytest
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st

from qa_service import calibration, export
from qa_service.schemas import (
    MAX_QUESTION_CHARS,
    AskResponse,
    Citation,
    Conflict,
    ConflictSide,
    FactOut,
    Passage,
    Span,
    confidence_level,
)
from qa_service.web import views
from qa_service.web.app import create_app, get_service


@pytest.fixture(scope="module")
def web_service(fixture_settings, fixture_service):  # fixture_service builds the index
    """The fixture index answered by the rules (the page renders whatever answerer filled the response)."""
    from qa_service.index.embedding import HashEmbedder
    from qa_service.service import QAService

    return QAService.open(fixture_settings.model_copy(update={"answerer": "rules"}), HashEmbedder())


@pytest.fixture(scope="module")
def app(web_service):
    return create_app(service=web_service)


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

    @property
    def settings(self):
        return self.real.settings

    def ask(self, question, top_k=5, filters=None, mode="full"):
        return self.response.model_copy(update={"question": question})

    def abstain_threshold(self, answerer=None):
        return self.real.abstain_threshold(answerer)


@pytest.fixture
def canned(app, web_service):
    """Install a canned ask() response for one test: ``canned(response)``."""

    def install(response: AskResponse) -> None:
        app.dependency_overrides[get_service] = lambda: CannedService(web_service, response)

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
    assert f'class="card answer found {api["confidence_level"]}"' in page
    assert html.escape(api["answer"]) in page
    assert api["answer_type"] in page and f"Confidence {api['confidence'] * 100:.0f}%" in page
    assert f'value="{html.escape(question)}"' in page  # the question stays in the box
    for p in api["passages"]:
        assert html.escape(p["title"]) in page
    # the evidence sentence is highlighted inside its passage, and links to the document view
    first = api["passages"][0]
    marks = re.findall(r"<mark>(.*?)</mark>", page, flags=re.S)
    assert any(html.escape(first["evidence"]["text"], quote=False) in m for m in marks)
    ev = first["evidence"]
    assert f'href="/documents/{first["doc_id"]}?start={ev["start"]}&amp;end={ev["end"]}&amp;from=' in page


def test_answer_card_lists_facts_with_source_links(client, web_service):
    question = "How much did the ministry provide per year to each region?"
    api = AskResponse.model_validate(web_service.ask(question).model_dump())
    page = client.get("/", params={"q": question}).text
    for f in api.facts:
        c = f.citation
        assert html.escape(f.text, quote=False) in page
        assert f'href="/documents/{c.doc_id}?start={c.start}&amp;end={c.end}&amp;from=' in page


def test_filters_from_the_form(client):
    r = client.get("/?q=How+many+projects+were+selected%3F&doc=beta&year_from=&year_to=&k=3")
    assert r.status_code == 200
    passages = re.findall(r'<li class="passage[ "]', r.text)
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
        ("/?q=" + "x" * 1001, "the limit is 1000"),
        ("/?q=budget&k=99", "less than or equal to 50"),
    ],
)
def test_form_errors_are_shown_in_the_page(client, query, expected):
    r = client.get(query)
    assert r.status_code == 422 and r.headers["content-type"].startswith("text/html")
    assert 'class="card errors"' in r.text and html.escape(expected).lower() in r.text.lower()
    assert 'class="field-error"' in r.text  # said at the field to fix
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
    assert "Nearest passages" in page and '<li class="passage" id="p-1">' in page


def test_not_found_state_renders_a_canned_response(client, canned, web_service):
    nearest = web_service.search("harbour companies", k=2).hits
    fact = _fact(web_service, "alpha", "48 projects", 48, "projects")
    canned(AskResponse(question="", found=False, confidence=0.12, message="Nothing in the corpus says so.",
                       passages=nearest, facts=[fact]))  # fmt: skip
    page = client.get("/", params={"q": "Who won the 1998 world cup?"}).text
    assert 'class="card answer not-found"' in page and '<p class="short">Not found in the corpus</p>' in page
    assert "Nothing in the corpus says so." in page and "Confidence 12%" in page
    assert 'class="card answer found' not in page
    assert len(re.findall(r'<li class="passage"', page)) == 2
    # facts that read like partial answers are not shown, nor markers, nor "match" words
    assert '<table class="facts">' not in page and 'class="ref"' not in page and "strong match" not in page
    # the threshold the answerer really applies: the learned one's comes from its ranker file, not the setting
    threshold = web_service.abstain_threshold("learned")
    assert f"Below {threshold:.0%} the service does not answer" in page
    rules = AskResponse(question="", found=False, confidence=0.12, answerer="rules", passages=nearest)
    canned(rules)
    page = client.get("/", params={"q": "Who won the 1998 world cup?"}).text
    assert f"Below {web_service.settings.abstain_threshold:.0%} the service does not answer" in page


def test_conflicts_are_shown_side_by_side(client, canned, web_service):
    a = _fact(web_service, "alpha", "48 projects", 48, "projects")
    b = _fact(web_service, "beta", "39 projects", 39, "projects")
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
        assert f'href="/documents/{c.doc_id}?start={c.start}&amp;end={c.end}&amp;from=' in side
        assert f'<p class="value">{fact.value:g}</p>' in side
        assert f"<mark>{fact.text}</mark>" in side  # the fact highlighted in its own sentence
    assert '<p class="disagree"><strong>Sources disagree:</strong> ' in page


def test_document_view_highlights_the_span(client, web_service):
    text = web_service.document("alpha").text
    start = text.index("twelve Technoparks")
    end = start + len("twelve Technoparks were built")
    r = client.get(f"/documents/alpha?start={start}&end={end}")
    assert r.status_code == 200
    assert '<mark id="hl">twelve Technoparks were built</mark>' in r.text
    assert "Regional Technology Policy in Freedonia" in r.text
    assert 'href="#sec-0" aria-current="location">1. Introduction</a>' in r.text and 'id="sec-0"' in r.text
    assert r.text.count('aria-current="location"') == 1 and "a.back" not in r.text
    assert "Employees in the Science Park" in r.text and "<td>12,925</td>" in r.text  # the table


def test_document_view_span_across_a_heading(client, web_service):
    detail = web_service.document("alpha")
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


def test_facts_page_lists_and_links_facts(client, web_service):
    everything = web_service.facts(limit=500)
    r = client.get("/facts")
    assert r.status_code == 200
    assert f"of {everything.total} facts" in r.text
    for f in everything.items[:50]:
        c = f.citation
        assert f'href="/documents/{c.doc_id}?start={c.start}&amp;end={c.end}#hl"' in r.text


def test_facts_page_filters(client, web_service):
    kind = web_service.facts().items[0].kind
    r = client.get("/facts", params={"kind": kind, "doc": "alpha", "entity": "", "year": ""})
    assert r.status_code == 200
    expected = web_service.facts(kind=kind, doc_id="alpha")
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


# -- the answer's states, the confidence line, citations and exports ----------------------------------------


@pytest.mark.parametrize(
    ("found", "confidence", "level"),
    [(True, 0.7, "confident"), (True, 0.95, "confident"), (True, 0.69, "tentative"), (True, 0.25, "tentative"),
     (True, 0.2, "not_found"), (False, 0.9, "not_found")],
)  # fmt: skip
def test_confidence_level_from_the_two_thresholds(found, confidence, level):
    assert confidence_level(found, confidence, abstain=0.25, confident=0.7) == level


def test_the_service_fills_the_level_and_the_page_shows_the_same(client, web_service):
    for question in ("How many projects were selected in 2005?", "Why did the program fail?", "Mars in 1850?"):
        api = client.post("/api/ask", json={"question": question}).json()
        s = web_service.settings
        assert api["confidence_level"] == confidence_level(
            api["found"], api["confidence"], s.abstain_threshold, s.confident_threshold
        )
        page = client.get("/", params={"q": question}).text
        css = f"found {api['confidence_level']}" if api["found"] else "not-found"
        assert f'class="card answer {css}"' in page


def _canned_found(web_service, confidence: float, level: str) -> AskResponse:
    hits = web_service.search("projects selected 2005", k=3).hits
    return AskResponse(question="", found=True, answer="48 projects", answer_type="count", confidence=confidence,
                       confidence_level=level, passages=hits)  # fmt: skip


def test_tentative_and_confident_look_different(client, canned, web_service):
    canned(_canned_found(web_service, 0.5, "tentative"))
    page = client.get("/", params={"q": "How many projects were selected in 2005?"}).text
    assert 'class="card answer found tentative"' in page and "The closest passage says:" in page
    assert "Tentative answer" in page
    canned(_canned_found(web_service, 0.9, "confident"))
    page = client.get("/", params={"q": "How many projects were selected in 2005?"}).text
    assert 'class="card answer found confident"' in page and "The closest passage says" not in page
    # the marker ties the answer to the passage that says it; match words, raw scores behind a toggle
    assert '<a class="ref" href="#p-1" aria-label="passage 1">[1]</a>' in page
    assert "strong match" in page and "<summary>Scores and BibTeX</summary>" in page


def test_not_found_with_filters_offers_to_search_all(client):
    page = client.get("/", params={"q": "What is the population of Mars in 1850?", "doc": "alpha"}).text
    assert '<p class="short">Not found in the selected documents</p>' in page
    link = re.search(r'<a class="button-link" href="([^"]+)">Search all documents instead</a>', page)
    assert link and "doc=" not in link.group(1) and "q=What+is+the+population" in html.unescape(link.group(1))


def test_calibration_explanation_reads_the_table(tmp_path):
    file = tmp_path / "ranker.json"
    file.write_text('{"calibration": {"bins": [{"low": 0.7, "high": 0.8, "n": 10, "correct": 8},'
                    ' {"low": 0.9, "high": 1.0, "n": 30, "accuracy": 0.9}, {"low": 0.3, "high": 0.4, "n": 2,'
                    ' "correct": 1}]}}')  # fmt: skip
    bins = calibration.load_bins([tmp_path / "missing.json", file])
    assert len(bins) == 3
    line = calibration.explain("confident", bins, 0.25, 0.7)
    assert line == "Answers at this level (70% or more) were right about 9 times in 10 on our evaluation (40 answers)."
    # 2 answers between the thresholds are too few: no rate is claimed, and no number made up
    tentative = calibration.explain("tentative", bins, 0.25, 0.7)
    assert "not been measured yet" in tentative and "times in 10" not in tentative
    assert "not been measured yet" in calibration.explain("confident", [], 0.25, 0.7)
    assert "does not answer" in calibration.explain("not_found", bins, 0.25, 0.7)
    file.write_text("{not json")
    import os

    os.utime(file, ns=(1, 1))  # another mtime: read again, and an unreadable table is no table
    assert calibration.load_bins([file]) == []


def _passage(text: str, start: int, ev: tuple[int, int] | None) -> Passage:
    evidence = Span(start=ev[0], end=ev[1], text=text[ev[0] - start : ev[1] - start]) if ev else None
    return Passage(rank=1, chunk_id="c", doc_id="d", title="T", start=start, end=start + len(text), text=text,
                   evidence=evidence, score=0.05)  # fmt: skip


def test_a_list_answer_highlights_the_list_not_just_its_heading():
    text = "3. Problems\n\nThe review found three problems:\nToo many ministries.\nSlow grants.\nToo many reports.\n\nNext."
    heading = text.index("The review")
    p = _passage(text, 100, (100 + heading, 100 + heading + len("The review found three problems:")))
    answer = "The review found three problems: Too many ministries; Slow grants; Too many reports."
    [v] = views.passage_views([p], answer, found=True)
    lo, hi = v.highlight
    assert text[lo - 100 : hi - 100] == text[heading : text.index("\n\nNext")]
    assert v.supports
    # a passage that does not say the answer keeps its evidence sentence, and is not a support
    other = _passage("Unrelated words here. Another sentence.", 500, (500, 521))
    shown = views.passage_views([p, other], answer, found=True)
    assert shown[1].highlight == (500, 521) and not shown[1].supports
    # not found: evidence only, words about nearness
    [nf] = views.passage_views([p], None, found=False)
    assert nf.highlight == (p.evidence.start, p.evidence.end) and nf.match == "nearest" and not nf.supports


def test_answer_span_tolerates_punctuation_and_numbers():
    p = _passage("In 2005, 48 projects were selected from 120 proposals.", 0, None)
    assert views.answer_span(p, "48 projects") == (9, 20)
    assert views.answer_span(p, "49 projects") is None and views.answer_span(p, "") is None


def test_conflict_sentence_names_the_sources_plainly():
    from qa_service.schemas import DocumentSummary

    def doc(doc_id, year, kind):
        return DocumentSummary(doc_id=doc_id, title=doc_id.title(), year=year, kind=kind, source="x", chars=1,
                               pages=1, chunks=1, tables=0)  # fmt: skip

    docs = {"s": doc("s", 2007, "conference slides (2nd Cluster Day)"), "p": doc("p", 2009, "journal article"),
            "r": doc("r", None, None)}  # fmt: skip

    def side(doc_id, value):
        c = Citation(doc_id=doc_id, title=doc_id, start=0, end=2)
        return ConflictSide(value=value, fact=FactOut(fact_id=doc_id, kind="count", text=value, citation=c))

    conflict = Conflict(about="teams", sides=[side("s", "39"), side("p", "43")])
    assert views.conflict_sentence(conflict, docs) == "The 2007 slides say 39; the 2009 paper says 43."
    conflict = Conflict(about="teams", sides=[side("r", "39"), side("p", "43"), side("p", "44")])
    assert views.conflict_sentence(conflict, docs) == (
        "“R” says 39; the 2009 paper (p) says 43; the 2009 paper (p) says 44."
    )


def test_korean_runs_get_lang_and_html_is_escaped():
    out = str(views.ko("RIS <b> 사업의 성과는 2005년에 평가되었다. Then English."))
    assert out == 'RIS &lt;b&gt; <span lang="ko">사업의 성과는 2005년에 평가되었다.</span> Then English.'
    assert views.is_korean("대전의 산업 클러스터 정책은?") and not views.is_korean("RIS 사업 budget in 2005")


def test_field_errors_name_the_limit():
    from pydantic import ValidationError

    from qa_service.schemas import AskRequest

    with pytest.raises(ValidationError) as info:
        AskRequest(question="x" * (MAX_QUESTION_CHARS + 5))
    assert views.field_errors(info.value) == {
        "q": [f"The question has {MAX_QUESTION_CHARS + 5} characters; the limit is {MAX_QUESTION_CHARS}. Shorten it."]
    }
    with pytest.raises(ValidationError) as info:
        AskRequest(question="ok", year_from=2010, year_to=2000)
    assert list(views.field_errors(info.value)) == ["year_to"]


def test_the_field_says_its_limit_and_the_api_refuses_with_it(client):
    page = client.get("/").text
    assert f'required maxlength="{MAX_QUESTION_CHARS}"' in page and f"Up to {MAX_QUESTION_CHARS} characters" in page
    r = client.post("/api/ask", json={"question": "x" * (MAX_QUESTION_CHARS + 1)})
    assert r.status_code == 422 and any(str(MAX_QUESTION_CHARS) in e["msg"] for e in r.json()["detail"])


def test_citations_plain_and_bibtex(client, web_service):
    from qa_service.schemas import DocumentSummary

    p = web_service.search("projects selected 2005", k=1).hits[0]
    doc = next(d for d in web_service.documents() if d.doc_id == p.doc_id)
    url = "http://x/documents/alpha?start=1&end=2#hl"
    line = views.citation_text(p, doc, url)
    assert line.startswith(f"A. Tester ({p.year}). {p.title}.") and line.endswith(url)
    bib = views.bibtex(p, doc, url)
    assert bib.startswith(f"@misc{{{p.doc_id}") and f"year = {{{p.year}}}" in bib and f"url = {{{url}}}" in bib
    assert views.citation_text(p, None, url).startswith(f"({p.year}). ")
    assert isinstance(doc, DocumentSummary)
    page = client.get("/", params={"q": "How many projects were selected in 2005?"}).text
    assert 'class="citation" id="cite-1"' in page and 'data-copy="bib-1" hidden' in page


def test_view_json_is_the_api_response(client):
    question = "How many projects were selected in 2005?"
    page = client.get("/", params={"q": question}).text
    link = html.unescape(re.search(r'<a href="([^"]+)">View JSON</a>', page).group(1))
    data = client.get(link).json()
    api = client.post("/api/ask", json={"question": question}).json()
    drop = ("timings_ms",)
    assert {k: v for k, v in data.items() if k not in drop} == {k: v for k, v in api.items() if k not in drop}
    assert client.get("/?q=&format=json").status_code == 422


def test_search_page_renders_the_api_search(client):
    page = client.get("/search", params={"q": "projects selected"}).text
    api = client.get("/api/search", params={"q": "projects selected"}).json()
    assert len(re.findall(r'<li class="passage', page)) == len(api["hits"]) > 0
    assert 'aria-current="page">Search passages</a>' in page
    assert "View JSON" in page and client.get("/search?q=x&k=99").status_code == 422


def test_facts_export_csv_and_jsonl(client, web_service):
    import csv
    import io
    import json

    total = web_service.facts(limit=1).total
    r = client.get("/facts/export", params={"format": "csv"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert 'filename="facts.csv"' in r.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert len(rows) == total and tuple(rows[0]) == export.COLUMNS
    first = web_service.facts(limit=1).items[0]
    assert rows[0]["fact_id"] == first.fact_id and rows[0]["doc_id"] == first.citation.doc_id
    r = client.get("/facts/export", params={"format": "jsonl", "doc": "alpha"})
    lines = [json.loads(line) for line in r.text.splitlines()]
    assert len(lines) == web_service.facts(doc_id="alpha").total and all(
        x["citation"]["doc_id"] == "alpha" for x in lines
    )
    assert client.get("/facts/export", params={"format": "xml"}).status_code == 422
    assert client.get("/facts/export", params={"doc": "nope"}).status_code == 422
    page = client.get("/facts", params={"kind": "count"}).text
    assert 'href="/facts/export?format=csv&amp;kind=count"' in page


def test_export_pages_through_everything():
    from qa_service.schemas import FactsPage

    facts = [FactOut(fact_id=str(i), kind="count", text=f"{i}", citation=Citation(doc_id="d", title="t", start=0, end=1))
             for i in range(7)]  # fmt: skip
    calls = []

    def fetch(offset, limit):
        calls.append(offset)
        return FactsPage(total=7, offset=offset, limit=limit, items=facts[offset : offset + limit])

    assert [f.fact_id for f in export.all_facts(fetch, page_size=3)] == [str(i) for i in range(7)]
    assert calls == [0, 3, 6]
    with pytest.raises(ValueError, match="csv, jsonl"):
        export.serialise(facts, "xml")


@pytest.mark.parametrize("path", ["/", "/?q=How+many+projects+were+selected%3F", "/search", "/search?q=budget",
                                  "/documents", "/documents/alpha", "/facts", "/?q=", "/no/such/page"])  # fmt: skip
def test_one_h1_per_page(client, path):
    assert client.get(path).text.count("<h1") == 1


def test_api_docs_are_served_without_a_cdn(client):
    page = client.get("/docs").text
    assert "/static-offline-docs/swagger-ui-bundle.js" in page and "cdn" not in page.lower()
    assert client.get("/static-offline-docs/swagger-ui-bundle.js").status_code == 200
