"""End to end in a real browser: the real server (subprocess, real model and index) driven by Debian's chromium.

Screenshots go to test-output/ (gitignored). Needs /usr/bin/chromium (``make browser-deps``); never
``playwright install``, which downloads a browser.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.error import URLError

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.model]

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "test-output"
CHROMIUM = "/usr/bin/chromium"
QUESTION = "How many companies do Korea's 30 industrial complexes host?"
KOREAN = "대전의 산업 클러스터 정책은 무엇인가?"


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


@pytest.fixture(scope="module")
def server(real_service, real_settings, tmp_path_factory):
    """The real `qa-service serve --no-build` over the index the `real_service` fixture built."""
    port = _free_port()
    env = {**os.environ, "QA_INDEX_DIR": str(real_settings.index_dir), "QA_CORPUS_DIR": str(real_settings.corpus_dir),
           "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}  # fmt: skip
    # The CLI's own entry point, importing the same qa_service as these tests.
    cmd = [sys.executable, "-c", "from qa_service.cli import main; main()",
           "serve", "--no-build", "--host", "127.0.0.1", "--port", str(port)]  # fmt: skip
    log = tmp_path_factory.mktemp("server") / "server.log"
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


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1200, "height": 900}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(30_000)
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.dialogs = dialogs
    yield page
    context.close()


def _ask(page, server: str, question: str) -> None:
    page.goto(f"{server}/")
    page.fill("#q", question)
    with page.expect_navigation():
        page.click("button[type=submit]")


def test_ask_then_follow_the_citation(page, server):
    from playwright.sync_api import expect

    OUT.mkdir(exist_ok=True)
    _ask(page, server, QUESTION)
    card = page.locator("section.answer")
    expect(card).to_be_visible()
    assert "found" in card.get_attribute("class").split()
    answer = page.locator("section.answer .short").inner_text()
    assert "26,768" in answer
    evidence = page.locator(".passage mark").first
    expect(evidence).to_be_visible()
    cited = evidence.inner_text()
    assert cited.strip()
    page.screenshot(path=OUT / "answer.png", full_page=True)

    link = page.locator(".passage a.cite").first
    href = link.get_attribute("href")
    assert href.startswith("/documents/") and href.endswith("#hl")
    with page.expect_navigation():
        link.click()
    highlight = page.locator("mark#hl")
    expect(highlight).to_be_visible()
    expect(highlight).to_be_in_viewport()
    assert " ".join(highlight.inner_text().split()) == " ".join(cited.split())
    page.screenshot(path=OUT / "document.png")


def test_korean_question(page, server):
    from playwright.sync_api import expect

    OUT.mkdir(exist_ok=True)
    _ask(page, server, KOREAN)
    expect(page.locator("section.answer")).to_be_visible()
    assert page.locator("#q").input_value() == KOREAN
    assert page.locator(".passage").count() >= 1
    page.screenshot(path=OUT / "korean.png", full_page=True)


def test_script_in_a_question_is_shown_as_text(page, server):
    attack = "<script>alert('pwned')</script> budget"
    _ask(page, server, attack)
    assert page.dialogs == []
    assert page.locator("#q").input_value() == attack
    assert page.evaluate("document.querySelectorAll('script').length") == 0
    assert attack in page.title()
