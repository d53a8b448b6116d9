"""The server's limits as ASGI middleware and settings: load shedding, security headers, relative redirects,
the body limit before parsing, bounded doc_ids, HEAD /healthz."""

from __future__ import annotations

import asyncio

import pytest
from fastapi.testclient import TestClient

from qa_service.web.limits import LoadShedding, SecurityHeaders


async def _call(app, path: str = "/api/ask") -> tuple[int, dict[bytes, bytes]]:
    sent: list[dict] = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    await app({"type": "http", "path": path, "method": "GET", "headers": []}, receive, send)
    start = next(m for m in sent if m["type"] == "http.response.start")
    return start["status"], dict(start["headers"])


def test_requests_past_the_cap_are_shed_with_503_and_retry_after():
    release = asyncio.Event()

    async def slow(scope, receive, send):
        await release.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    shedding = LoadShedding(slow, max_in_flight=2)

    async def main():
        held = [asyncio.create_task(_call(shedding)) for _ in range(2)]
        await asyncio.sleep(0.01)
        assert shedding.in_flight == 2
        status, headers = await _call(shedding)
        assert status == 503 and headers[b"retry-after"] == b"1"
        health = asyncio.create_task(_call(shedding, "/healthz"))  # never shed: it waits like the others
        await asyncio.sleep(0.01)
        assert not health.done()
        release.set()
        assert [s for s, _h in await asyncio.gather(*held, health)] == [200, 200, 200]
        assert shedding.in_flight == 0 and shedding.shed == 1
        assert (await _call(shedding))[0] == 200  # below the cap again

    asyncio.run(main())


def test_security_headers_and_a_location_never_built_from_the_host():
    async def redirect(scope, receive, send):
        await send(
            {"type": "http.response.start", "status": 307, "headers": [(b"location", b"http://evil.example/x?a=1")]}
        )
        await send({"type": "http.response.body", "body": b""})

    status, headers = asyncio.run(_call(SecurityHeaders(redirect), "/api/x/"))
    assert status == 307 and headers[b"location"] == b"/x?a=1"
    assert headers[b"x-content-type-options"] == b"nosniff" and headers[b"x-frame-options"] == b"DENY"
    assert headers[b"referrer-policy"] == b"no-referrer"
    assert b"frame-ancestors 'none'" in headers[b"content-security-policy"]
    assert b"script-src 'self';" in headers[b"content-security-policy"]  # no inline script on the pages


@pytest.fixture
def client(fixture_service):
    from qa_service.web.app import create_app

    settings = fixture_service.settings.model_copy(update={"max_body_bytes": 4096})
    with TestClient(create_app(fixture_service, settings)) as c:
        yield c


def test_a_body_over_the_limit_is_refused_with_413_naming_the_limit(client):
    response = client.post("/api/ask", content=b'{"question": "' + b"x" * 5000 + b'"}')
    assert response.status_code == 413
    assert "4,096" in response.json()["detail"][0]["msg"] and "QA_MAX_BODY_BYTES" in response.json()["detail"][0]["msg"]


def test_doc_ids_are_bounded_by_the_schema_and_by_the_corpus(client):
    from qa_service.schemas import MAX_DOC_IDS

    response = client.post("/api/ask", json={"question": "What?", "doc_ids": ["alpha"] * (MAX_DOC_IDS + 1)})
    assert response.status_code == 422 and response.json()["detail"][0]["loc"][-1] == "doc_ids"
    response = client.post("/api/ask", json={"question": "What?", "doc_ids": ["alpha", "beta", "alpha"]})
    assert response.status_code == 422 and "corpus has 2 documents" in response.json()["detail"][0]["msg"]


def test_head_healthz_and_security_headers_on_every_kind_of_page(client):
    response = client.head("/healthz")
    assert response.status_code == 200 and response.content == b""
    for path in ("/", "/api/documents", "/no-such-page", "/docs"):
        headers = client.get(path).headers
        assert "content-security-policy" in headers and headers["x-frame-options"] == "DENY", path


def test_a_trailing_slash_redirect_does_not_reflect_the_host(client):
    response = client.get("/api/documents/", headers={"Host": "evil.example"}, follow_redirects=False)
    assert response.status_code in (307, 308)
    assert response.headers["location"] == "/api/documents"


@pytest.mark.parametrize("path", ["/api/ask", "/"])
def test_an_internal_error_still_gets_the_security_headers(fixture_service, monkeypatch, path):
    from qa_service.web.app import create_app

    def broken(*_args, **_kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(fixture_service, "ask", broken)
    with TestClient(create_app(fixture_service), raise_server_exceptions=False) as c:
        response = (
            c.post(path, json={"question": "How many teams?"})
            if path.startswith("/api")
            else c.get(path, params={"q": "How many teams?"})
        )
    assert response.status_code == 500, response.text
    assert "boom" not in response.text  # the details go to the log, never to the client
    headers = response.headers
    assert headers["x-content-type-options"] == "nosniff" and headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["referrer-policy"] == "no-referrer"
