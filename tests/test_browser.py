"""End to end in a real browser: real servers (subprocesses of `qa-service serve`) driven by Debian's chromium.

Two kinds of server:
- over the fixture corpus ``tests/fixtures/conflict_corpus`` (two documents written to disagree on one count and
  to agree on others; a list; a wide table; Korean text), with the hashing embedder and the rule answerer, so
  the states are deterministic and need no model;
- over the real corpus with the real model (the tests marked ``model``).

Every page is checked at desktop size and at 390 px (mobile), and with axe-core (no serious or critical
violations). Screenshots go to test-output/ (gitignored). Needs /usr/bin/chromium (``make browser-deps``); never
``playwright install``, which downloads a browser.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.error import URLError
from urllib.parse import urlencode, urlsplit

import pytest

pytestmark = [pytest.mark.browser]

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "test-output"
CHROMIUM = "/usr/bin/chromium"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
CONFLICT_CORPUS = FIXTURES / "conflict_corpus"
CALIBRATION = FIXTURES / "calibration.json"
QUESTION = "How many companies do Korea's 30 industrial complexes host?"
KOREAN = "대전의 산업 클러스터 정책은 무엇인가?"

# Questions over the conflict corpus.
CONFLICT_Q = "How many project teams did the Harbour Cluster Pilot Program select in 2004?"
AGREE_Q = "When did the Harbour Technopark open?"  # both documents say 2001
PER_PROVINCE_Q = "How many project teams was each province asked to propose?"  # a per-province figure: no conflict
CONFIDENT_Q = "How much did the ministry spend on the program?"
LIST_Q = "What problems did the evaluation find with the program?"
NOT_FOUND_Q = "What is the population of Mars in 1850?"
KOREAN_Q = "항만 클러스터 시범사업은 무엇을 평가하는가?"
LIST_ITEMS = (
    "Too many ministries ran overlapping programs.",
    "Project teams waited five months for their grants.",
    "Reporting four times a year was too often for small firms.",
)
DESKTOP = {"width": 1200, "height": 900}
MOBILE = {"width": 390, "height": 844}
# Controls a finger must hit: at least 44 x 44 CSS px at 390 px.
TAP_TARGETS = (
    "header a, .tabs a, button, input:not([type=checkbox]), select, summary, "
    ".check, a.cite, .button-link, ul.examples a, .toc a, .pager a, .answer-links a"
)


# -- servers ---------------------------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_healthy(url: str, proc: subprocess.Popen, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with code {proc.returncode} before it was healthy")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as r:
                if r.status == 200:
                    return
        except (URLError, OSError):
            pass
        time.sleep(0.3)
    raise TimeoutError(f"{url}/healthz did not answer within {timeout:.0f} s")


@contextlib.contextmanager
def _serve(env: dict[str, str], log: Path) -> Iterator[str]:
    """`qa-service serve --no-build` on a free port of 127.0.0.1; stopped when the block ends."""
    port = _free_port()
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", **env}
    # The CLI's own entry point, importing the same qa_service as these tests.
    cmd = [sys.executable, "-c", "from qa_service.cli import main; main()",
           "serve", "--no-build", "--host", "127.0.0.1", "--port", str(port)]  # fmt: skip
    with log.open("wb") as fh:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=fh, stderr=subprocess.STDOUT)
        try:
            try:
                _wait_healthy(f"http://127.0.0.1:{port}", proc)
            except (RuntimeError, TimeoutError) as exc:
                pytest.fail(f"{exc}\n--- server log ---\n{log.read_text(errors='replace')}")
            yield f"http://127.0.0.1:{port}"
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@pytest.fixture(scope="module")
def conflict_index(tmp_path_factory) -> dict[str, str]:
    """The conflict corpus indexed with the hashing embedder; the settings a server over it needs."""
    from qa_service.config import Settings
    from qa_service.index.embedding import HashEmbedder
    from qa_service.service import ensure_index

    base = tmp_path_factory.mktemp("conflict")
    shutil.copytree(CONFLICT_CORPUS, base / "corpus")
    env = {"QA_CORPUS_DIR": str(base / "corpus"), "QA_INDEX_DIR": str(base / "index"), "QA_EMBEDDER": "hash",
           "QA_ANSWERER": "rules"}  # fmt: skip
    settings = Settings(corpus_dir=base / "corpus", index_dir=base / "index", embedder="hash", answerer="rules")
    ensure_index(settings, HashEmbedder())
    return env


@pytest.fixture(scope="module")
def server(conflict_index, tmp_path_factory):
    """The fixture corpus with the default thresholds and a calibration table (90 of 100 right at >= 0.7)."""
    env = {**conflict_index, "QA_RANKER_FILE": str(CALIBRATION)}
    with _serve(env, tmp_path_factory.mktemp("server") / "server.log") as url:
        yield url


@pytest.fixture(scope="module")
def strict_server(conflict_index, tmp_path_factory):
    """The same index with QA_CONFIDENT_THRESHOLD=0.99 (answers below it are tentative) and no calibration table."""
    env = {**conflict_index, "QA_CONFIDENT_THRESHOLD": "0.99", "QA_RANKER_FILE": str(FIXTURES / "no-such-file.json")}
    with _serve(env, tmp_path_factory.mktemp("strict") / "server.log") as url:
        yield url


@pytest.fixture(scope="module")
def real_server(real_service, real_settings, tmp_path_factory):
    """The real `qa-service serve --no-build` over the index the `real_service` fixture built, with the default
    (learned) answerer once its trained ranker ships, the rules until then."""
    from qa_service.calibration import DEFAULT_RANKER_FILE

    env = {"QA_INDEX_DIR": str(real_settings.index_dir), "QA_CORPUS_DIR": str(real_settings.corpus_dir)}
    if not DEFAULT_RANKER_FILE.exists():
        env["QA_ANSWERER"] = "rules"
    with _serve(env, tmp_path_factory.mktemp("real") / "server.log") as url:
        yield url


# -- browser ---------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make browser-deps` (Debian's chromium and fonts-nanum)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            yield browser
        finally:
            browser.close()


def _context(browser, viewport: dict, **kwargs):
    context = browser.new_context(viewport=viewport, locale="en-US", **kwargs)
    # No request leaves 127.0.0.1: every page must work offline.
    blocked: list[str] = []

    def only_local(route):
        if urlsplit(route.request.url).hostname in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    context.route("**/*", only_local)
    context.blocked = blocked
    return context


def _page(context):
    page = context.new_page()
    page.set_default_timeout(30_000)
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.dialogs = dialogs
    return page


@pytest.fixture(params=["desktop", "mobile"])
def page(request, browser):
    """A page at desktop size and at 390 px; ``page.size`` says which."""
    context = _context(browser, DESKTOP if request.param == "desktop" else MOBILE)
    page = _page(context)
    page.size = request.param
    yield page
    assert context.blocked == [], f"requests left 127.0.0.1: {context.blocked}"
    context.close()


@pytest.fixture
def desktop(browser):
    context = _context(browser, DESKTOP)
    yield _page(context)
    context.close()


@pytest.fixture
def mobile(browser):
    context = _context(browser, MOBILE)
    yield _page(context)
    context.close()


def _ask(page, server: str, question: str, **params) -> None:
    page.goto(f"{server}/?{urlencode({'q': question, **params}, doseq=True)}")


def _shot(page, name: str) -> None:
    OUT.mkdir(exist_ok=True)
    size = getattr(page, "size", None) or ("mobile" if page.viewport_size["width"] < 500 else "desktop")
    page.screenshot(path=OUT / f"{name}-{size}.png", full_page=True)


def _axe_clean(page) -> None:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    bad = [v for v in results.response["violations"] if v.get("impact") in ("serious", "critical")]
    summary = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in bad]
    assert not bad, f"axe-core on {page.url}: {summary}"


def _no_horizontal_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    viewport = page.evaluate("window.innerWidth")
    assert width <= viewport, f"{page.url} scrolls sideways: {width} px wide in a {viewport} px viewport"


def _one_h1(page) -> None:
    assert page.locator("h1").count() == 1, f"{page.url} has {page.locator('h1').count()} <h1>"


def _api_level(page, server: str, question: str) -> dict:
    r = page.request.post(f"{server}/api/ask", data=json.dumps({"question": question}),
                          headers={"content-type": "application/json"})  # fmt: skip
    assert r.ok, r.text()
    return r.json()


# -- the three states ------------------------------------------------------------------------------------
def test_confident_answer(page, server):
    from playwright.sync_api import expect

    _ask(page, server, CONFIDENT_Q)
    card = page.locator("section.answer")
    expect(card).to_have_class("card answer found confident")
    expect(card.locator(".kicker")).to_have_text("Answer")
    expect(card.locator(".short")).to_contain_text("120 billion won")
    assert card.locator(".lead-in").count() == 0  # no "the closest passage says"
    # the calibrated confidence, explained from the calibration table (90 of 100 right at >= 70%)
    api = _api_level(page, server, CONFIDENT_Q)
    assert api["confidence_level"] == "confident"
    expect(card.locator(".confidence")).to_contain_text(f"Confidence {api['confidence'] * 100:.0f}%")
    expect(card.locator(".explain")).to_have_text(
        "Answers at this level (70% or more) were right about 9 times in 10 on our evaluation (100 answers)."
    )
    # the marker [1] ties the answer to its passage, whose match is said in words, raw scores behind a toggle
    ref = card.locator(".short a.ref").first
    expect(ref).to_have_text("[1]")
    assert ref.get_attribute("href") == "#p-1"
    expect(page.locator("#p-1 .match")).to_contain_text("strong match")
    expect(page.locator("#p-1 .scores")).to_be_hidden()
    page.locator("#p-1 details.more summary").click()
    expect(page.locator("#p-1 .scores")).to_be_visible()
    ranks = [int(t.strip("[]")) for t in page.locator(".passage .rank").all_inner_texts()]
    assert ranks == sorted(ranks) and ranks[0] == 1  # rank order
    expect(page.locator("#p-1 mark")).to_contain_text("120 billion won")
    _one_h1(page)
    _no_horizontal_scroll(page)
    _axe_clean(page)
    _shot(page, "confident")


def test_tentative_answer(page, strict_server):
    from playwright.sync_api import expect

    api = _api_level(page, strict_server, AGREE_Q)
    assert api["found"] and api["confidence"] < 0.99 and api["confidence_level"] == "tentative"
    _ask(page, strict_server, AGREE_Q)
    card = page.locator("section.answer")
    expect(card).to_have_class("card answer found tentative")  # the page agrees with the API
    expect(card.locator(".lead-in")).to_have_text("The closest passage says:")
    expect(card.locator(".kicker")).to_contain_text("Tentative")
    expect(card.locator(".short")).to_contain_text("2001")
    # no calibration table on this server: plain words, no number
    explain = card.locator(".explain").inner_text()
    assert "has not been measured yet" in explain and "times in 10" not in explain
    # looks different from a confident answer: a dashed border of another colour
    style = card.evaluate("e => getComputedStyle(e).borderLeftStyle")
    assert style == "dashed"
    _one_h1(page)
    _no_horizontal_scroll(page)
    _axe_clean(page)
    _shot(page, "tentative")


def test_not_found_shows_nearest_passages_and_no_facts(page, server):
    from playwright.sync_api import expect

    _ask(page, server, NOT_FOUND_Q)
    card = page.locator("section.answer")
    expect(card).to_have_class("card answer not-found")
    expect(card.locator(".short")).to_have_text("Not found in the corpus")
    expect(card.locator("h3", has_text="Nearest passages")).to_be_visible()
    assert card.locator(".passage").count() >= 1
    assert card.locator("table.facts").count() == 0 and card.locator(".conflicts").count() == 0
    assert card.locator("a.ref").count() == 0  # nothing cited as if it answered
    assert "strong match" not in card.inner_text()
    assert card.locator(".button-link", has_text="Search all").count() == 0  # no filters: nothing to widen
    _one_h1(page)
    _no_horizontal_scroll(page)
    _axe_clean(page)
    _shot(page, "not-found")


def test_not_found_with_filters_offers_to_search_all(page, server):
    from playwright.sync_api import expect

    _ask(page, server, NOT_FOUND_Q, doc="harbour-2007-slides")
    card = page.locator("section.answer")
    expect(card.locator(".short")).to_have_text("Not found in the selected documents")
    link = card.locator("a.button-link", has_text="Search all documents")
    expect(link).to_be_visible()
    _axe_clean(page)
    _shot(page, "not-found-filtered")
    with page.expect_navigation():
        link.click()
    assert "doc=" not in page.url
    expect(page.locator("section.answer .short")).to_have_text("Not found in the corpus")
    assert page.locator("input[name=doc]:checked").count() == 0


# -- conflicts -------------------------------------------------------------------------------------------
def test_conflict_each_side_with_its_sentence_and_source(page, server):
    from playwright.sync_api import expect

    _ask(page, server, CONFLICT_Q)
    card = page.locator("section.answer")
    expect(card.locator(".disagree")).to_have_text(
        "Sources disagree: The 2007 slides say 39 project teams; the 2009 paper says 43 project teams."
    )
    sides = card.locator(".conflicts .side")
    expect(sides).to_have_count(2)
    for i, (value, doc) in enumerate((("39", "harbour-2007-slides"), ("43", "harbour-2009-paper"))):
        side = sides.nth(i)
        expect(side.locator(".quote mark")).to_have_text(f"{value} project teams")
        expect(side.locator(".quote")).to_contain_text("selected")
        assert f"/documents/{doc}?" in side.locator("a.cite").get_attribute("href")
    _no_horizontal_scroll(page)
    _axe_clean(page)
    _shot(page, "conflict")
    # the second side's source link lands on its own sentence, and leads back to the answer
    with page.expect_navigation():
        sides.nth(1).locator("a.cite").click()
    expect(page.locator("mark#hl")).to_have_text("43 project teams")
    expect(page.locator("mark#hl")).to_be_in_viewport()
    expect(page.locator(".toc li.current")).to_have_text("2. Project Teams")
    back = page.locator("a.back")
    with page.expect_navigation():
        back.click()
    expect(page.locator("section.answer .disagree")).to_be_visible()


@pytest.mark.parametrize("question", [AGREE_Q, PER_PROVINCE_Q], ids=["same-value", "per-province"])
def test_no_conflict_when_sources_agree_or_count_another_thing(desktop, server, question):
    from playwright.sync_api import expect

    _ask(desktop, server, question)
    expect(desktop.locator("section.answer")).to_have_class("card answer found confident")
    assert desktop.locator(".conflicts").count() == 0 and desktop.locator(".disagree").count() == 0
    _shot(desktop, f"no-conflict-{'agree' if question == AGREE_Q else 'province'}")


# -- evidence --------------------------------------------------------------------------------------------
def test_list_answer_highlights_the_list(page, server):
    from playwright.sync_api import expect

    _ask(page, server, LIST_Q)
    first = page.locator("#p-1")
    marked = " ".join(first.locator("mark").all_inner_texts())
    for item in LIST_ITEMS:
        assert item in " ".join(marked.split()), f"{item!r} is not highlighted: {marked!r}"
    _shot(page, "list-answer")
    with page.expect_navigation():
        first.locator("a.cite").click()
    in_doc = " ".join(" ".join(page.locator(".doctext mark").all_inner_texts()).split())
    for item in LIST_ITEMS:
        assert item in in_doc
    expect(page.locator(".toc li.current")).to_have_text("3. Problems")
    expect(page.locator(".toc li.current a")).to_have_attribute("aria-current", "location")
    expect(page.locator("a.back")).to_have_attribute("href", "/?" + urlencode({"q": LIST_Q}) + "#answer")
    _one_h1(page)
    _no_horizontal_scroll(page)
    _axe_clean(page)
    _shot(page, "document-view")


# -- the page as a product -------------------------------------------------------------------------------
def test_copy_citation_with_javascript(browser, server):
    context = _context(browser, DESKTOP)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server)
    page = _page(context)
    try:
        _ask(page, server, CONFIDENT_Q)
        line = page.locator("#cite-1").inner_text()
        assert "S. Park" in line or "J. Kim" in line
        assert "/documents/" in line and line.strip().startswith(("J. Kim", "S. Park"))
        page.locator("button[data-copy=cite-1]").click()
        page.wait_for_function("document.querySelector('button[data-copy=cite-1]').textContent === 'Copied'")
        assert page.evaluate("navigator.clipboard.readText()") == line.strip()
        page.locator("button[data-copy=bib-1]").click()
        bib = page.evaluate("navigator.clipboard.readText()")
        assert bib.startswith("@misc{") and "year = {2007}" in bib and "url = {http://127.0.0.1" in bib
    finally:
        context.close()


def test_without_javascript_the_citation_line_is_selectable(browser, server):
    context = _context(browser, DESKTOP, java_script_enabled=False)
    page = _page(context)
    try:
        _ask(page, server, CONFIDENT_Q)
        assert page.locator("button[data-copy]").first.is_hidden()  # no dead buttons
        line = page.locator("#cite-1")
        assert line.is_visible() and line.evaluate("e => getComputedStyle(e).userSelect") == "all"
        # "view JSON" gives the same data the page rendered
        href = page.locator("a", has_text="View JSON").get_attribute("href")
        data = page.request.get(server + href).json()
        assert data["confidence_level"] == "confident" and data["answer"] in page.locator(".short").inner_text()
    finally:
        context.close()


def test_search_tab(page, server):
    from playwright.sync_api import expect

    page.goto(f"{server}/")
    with page.expect_navigation():
        page.locator(".tabs a", has_text="Search").click()
    page.fill("#q", "project teams selected")
    with page.expect_navigation():
        page.locator("form button[type=submit]").click()
    hits = page.locator(".results .passage")
    assert hits.count() >= 2
    api = page.request.get(f"{server}/api/search?" + urlencode({"q": "project teams selected"})).json()
    titles = [t for t in page.locator(".results .passage .source strong").all_inner_texts()]
    assert titles == [h["title"] for h in api["hits"]]
    expect(page.locator(".tabs a[aria-current=page]")).to_have_text("Search passages")
    _one_h1(page)
    _no_horizontal_scroll(page)
    _axe_clean(page)
    _shot(page, "search")


def test_question_limit_is_said_in_the_form_and_the_api(page, server):
    from playwright.sync_api import expect

    page.goto(f"{server}/")
    box = page.locator("#q")
    assert box.get_attribute("maxlength") == "1000" and box.get_attribute("required") is not None
    expect(page.locator("#q-hint")).to_contain_text("Up to 1000 characters")
    box.fill("How many teams?")
    expect(page.locator("#q-hint .counter")).to_contain_text("15 / 1000")
    # a longer question (a pasted link, a script) is refused with the limit named, next to the field
    _ask(page, server, "x" * 1001)
    expect(page.locator("#q-error")).to_have_text("The question has 1001 characters; the limit is 1000. Shorten it.")
    assert box.get_attribute("aria-invalid") == "true" and "q-error" in box.get_attribute("aria-describedby")
    expect(page.locator(".errors a[href='#q']")).to_be_visible()
    _no_horizontal_scroll(page)
    _axe_clean(page)
    _shot(page, "question-too-long")
    r = page.request.post(f"{server}/api/ask", data=json.dumps({"question": "x" * 1001}),
                          headers={"content-type": "application/json"})  # fmt: skip
    assert r.status == 422
    assert any("1000" in e["msg"] and e["loc"][-1] == "question" for e in r.json()["detail"])


def test_year_error_is_shown_at_its_field(desktop, server):
    from playwright.sync_api import expect

    _ask(desktop, server, "project teams", year_from="2010", year_to="2000")
    expect(desktop.locator("#year_to-error")).to_contain_text("swap them")
    assert desktop.locator("#year_to").get_attribute("aria-invalid") == "true"
    expect(desktop.locator("details.filters")).to_have_attribute("open", "")


def test_mobile_no_sideways_scroll_tap_targets_and_korean(mobile, server):
    pages = [
        "/",
        "/?" + urlencode({"q": CONFLICT_Q}),
        "/?" + urlencode({"q": KOREAN_Q}),
        "/search?" + urlencode({"q": "firms in the cluster"}),
        "/documents",
        "/documents/harbour-2007-slides",
        "/documents/harbour-2009-paper",
        "/facts",
        "/?q=",
    ]
    for path in pages:
        mobile.goto(server + path)
        _no_horizontal_scroll(mobile)
        _one_h1(mobile)
        small = mobile.evaluate(
            """sel => [...document.querySelectorAll(sel)].filter(e => e.offsetParent !== null).map(e => {
                const r = e.getBoundingClientRect();
                return [e.tagName + '.' + e.className + ' ' + e.textContent.trim().slice(0, 30), r.width, r.height];
              }).filter(([, w, h]) => w < 44 || h < 44)""",
            TAP_TARGETS,
        )
        assert small == [], f"{path}: tap targets under 44 px: {small[:5]}"
    # the wide table scrolls inside its box, not the page
    mobile.goto(server + "/documents/harbour-2007-slides")
    box = mobile.locator(".tablebox").first
    assert box.evaluate("e => e.scrollWidth > e.clientWidth") and box.evaluate(
        "e => getComputedStyle(e).overflowX"
    ) in ("auto", "scroll")
    _shot(mobile, "wide-table")
    # Korean: marked lang="ko", never broken inside a word
    mobile.goto(server + "/?" + urlencode({"q": KOREAN_Q}))
    korean = mobile.locator(".passage blockquote [lang=ko]", has_text="논문은").first
    assert korean.count() == 1 and "평가한다" in korean.inner_text()
    assert korean.evaluate("e => getComputedStyle(e).wordBreak") == "keep-all"
    assert mobile.locator("#q").get_attribute("lang") == "ko"
    _axe_clean(mobile)
    _shot(mobile, "korean")


def test_documents_and_facts_pages_are_accessible(page, server):
    for path in ("/documents", "/facts", "/documents/harbour-2009-paper"):
        page.goto(server + path)
        _one_h1(page)
        _no_horizontal_scroll(page)
        _axe_clean(page)
    page.goto(server + "/facts")
    link = page.locator("a.button-link", has_text="CSV")
    r = page.request.get(server + link.get_attribute("href"))
    assert r.ok and r.headers["content-type"].startswith("text/csv") and r.text().startswith("fact_id,kind,")
    _shot(page, "facts")


def test_api_docs_render_offline(page, server):
    """Every request outside 127.0.0.1 is aborted (the ``page`` fixture fails the test if one was tried)."""
    from playwright.sync_api import expect

    page.goto(f"{server}/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("qa-service")
    expect(page.locator(".opblock").first).to_be_visible()
    assert page.locator(".opblock").count() >= 5
    _shot(page, "api-docs")


# -- the real corpus and model ---------------------------------------------------------------------------
@pytest.mark.model
def test_ask_then_follow_the_citation(desktop, real_server):
    from playwright.sync_api import expect

    desktop.goto(f"{real_server}/")
    desktop.fill("#q", QUESTION)
    with desktop.expect_navigation():
        desktop.click("form button[type=submit]")
    card = desktop.locator("section.answer")
    expect(card).to_be_visible()
    assert "found" in card.get_attribute("class").split()
    assert "26,768" in desktop.locator("section.answer .short").inner_text()
    evidence = desktop.locator(".passage mark").first
    expect(evidence).to_be_visible()
    cited = evidence.inner_text()
    assert cited.strip()
    _shot(desktop, "real-answer")

    link = desktop.locator(".passage a.cite").first
    href = link.get_attribute("href")
    assert href.startswith("/documents/") and href.endswith("#hl")
    with desktop.expect_navigation():
        link.click()
    highlight = desktop.locator("mark#hl")
    expect(highlight).to_be_visible()
    expect(highlight).to_be_in_viewport()
    shown = " ".join(" ".join(desktop.locator(".doctext mark").all_inner_texts()).split())
    assert " ".join(cited.split()) in shown
    _shot(desktop, "real-document")


@pytest.mark.model
def test_korean_question(page, real_server):
    from playwright.sync_api import expect

    _ask(page, real_server, KOREAN)
    expect(page.locator("section.answer")).to_be_visible()
    assert page.locator("#q").input_value() == KOREAN
    assert page.locator(".passage").count() >= 1
    _no_horizontal_scroll(page)
    _shot(page, "real-korean")


@pytest.mark.model
def test_script_in_a_question_is_shown_as_text(desktop, real_server):
    attack = "<script>alert('pwned')</script> budget"
    _ask(desktop, real_server, attack)
    assert desktop.dialogs == []
    assert desktop.locator("#q").input_value() == attack
    # the page's only script is its own file
    assert desktop.evaluate("[...document.scripts].map(s => s.getAttribute('src'))") == ["/static/app.js"]
    assert attack in desktop.title()
