"""Uploads: POST/DELETE /api/documents, the form, and QAService.add_documents, all through the incremental path."""

from __future__ import annotations

import shutil
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient

from tests.conftest import FIXTURE_CORPUS

TOKEN = "s3cret-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
TEXT = b"The Lighthouse Fund gave 42 grants to coastal towns in 2012.\n"


@pytest.fixture
def settings(tmp_path):
    from qa_service.config import Settings

    corpus = tmp_path / "corpus"
    shutil.copytree(FIXTURE_CORPUS, corpus)
    return Settings(corpus_dir=corpus, index_dir=tmp_path / "index", embedder="hash", chunk_words=60,
                    uploads=True, api_token=TOKEN)  # fmt: skip


@pytest.fixture
def service(settings):
    from qa_service.index.embedding import HashEmbedder
    from qa_service.service import QAService, ensure_index

    embedder = HashEmbedder()
    ensure_index(settings, embedder)
    return QAService.open(settings, embedder)


@pytest.fixture
def client(service):
    from qa_service.web.app import create_app

    with TestClient(create_app(service)) as c:
        yield c


def _post(client, data: bytes, name: str, headers=AUTH, **fields):
    return client.post("/api/documents", files={"file": (name, data)}, data=fields, headers=headers)


def _ids(client) -> set[str]:
    return {d["doc_id"] for d in client.get("/api/documents").json()}


def test_upload_is_indexed_and_served_without_restart(client, settings):
    response = _post(client, TEXT, "light house.txt", title="Lighthouse notes", year="2012")
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["doc_id"] == "light-house" and not body["duplicate"]
    assert body["document"]["title"] == "Lighthouse notes" and body["document"]["year"] == 2012
    assert (settings.corpus_dir / "light-house.txt").read_bytes() == TEXT
    hits = client.get("/api/search", params={"q": "Lighthouse Fund grants", "k": 3}).json()["hits"]
    assert hits[0]["doc_id"] == "light-house"
    detail = client.get("/api/documents/light-house").json()
    assert detail["text"][hits[0]["start"] : hits[0]["end"]] == hits[0]["text"]


def test_only_the_new_chunks_are_embedded_and_a_restart_loads_the_same(client, service, settings):
    from qa_service.index.store import index_is_current
    from qa_service.service import QAService

    old_chunks = len(service.index.chunks)
    assert _post(client, TEXT, "light.txt").status_code == 201
    manifest = client.get("/healthz").json()["manifest"]
    new_chunks = manifest["counts"]["chunks"] - old_chunks
    assert manifest["incremental"]["added"] == ["light"]
    assert manifest["incremental"]["embedded_texts"] <= new_chunks + 3  # the new chunks and their few sentences
    assert index_is_current(settings.index_dir, settings.corpus_dir, service.embedder, 60, settings.chunk_overlap)[0]
    reopened = QAService.open(settings, service.embedder)  # what a restart serves, with the corpus check on
    assert "light" in reopened.index.documents and len(reopened.index.chunks) == manifest["counts"]["chunks"]


def test_type_is_checked_by_content_not_name(client):
    assert _post(client, b"%PDF-1.4 not really", "notes.txt").status_code == 415
    assert _post(client, b"plain words", "fake.pdf").status_code == 415
    assert _post(client, b"\xff\xfe\x00b\x00i\x00n", "data.txt").status_code == 415
    assert _post(client, b"PK\x03\x04 zip bytes", "report.docx").status_code == 415
    response = _post(client, b"# Title\n\nMarkdown words about 7 ports.\n", "page.md")
    assert response.status_code == 201 and response.json()["document"]["source"] == "page.md"


def test_oversize_is_refused(client, settings, service):
    service.settings = settings.model_copy(update={"max_upload_mb": 1})
    big = b"word " * (300 * 1024)  # 1.5 MB
    response = _post(client, big, "big.txt")
    assert response.status_code == 413
    assert not (settings.corpus_dir / "big.txt").exists()


def test_a_zip_bomb_pdf_is_refused_and_the_index_unchanged(client, settings):
    from tests.test_pdf_tables import _bomb

    bomb = _bomb(settings.corpus_dir.parent / "bomb.pdf", 1).read_bytes()
    before = _ids(client)
    response = _post(client, bomb, "bomb.pdf")
    assert response.status_code == 422 and "decompression bomb" in response.text
    assert _ids(client) == before
    assert not list(settings.corpus_dir.glob("bomb*"))


def test_same_file_twice_is_stored_once(client, settings):
    first = _post(client, TEXT, "twice.txt")
    second = _post(client, TEXT, "again.txt")
    assert first.status_code == 201 and second.status_code == 200
    assert second.json() == {**first.json(), "duplicate": True}
    assert not (settings.corpus_dir / "again.txt").exists()
    other = _post(client, b"Different words about harbours and 3 cranes.\n", "twice.txt")
    assert other.status_code == 201 and other.json()["doc_id"] == "twice-2"


def test_twenty_uploads_in_parallel(client, settings):
    docs = [(f"Parallel document number {n} names the Zeta{n} program with {n + 10} firms.\n".encode(), f"p{n}.txt")
            for n in range(20)]  # fmt: skip
    with ThreadPoolExecutor(8) as pool:
        responses = list(pool.map(lambda d: _post(client, *d), docs))
    assert [r.status_code for r in responses] == [201] * 20
    ids = _ids(client)
    assert {f"p{n}" for n in range(20)} <= ids
    hit = client.get("/api/search", params={"q": "Zeta7 program", "k": 1}).json()["hits"][0]
    assert hit["doc_id"] == "p7"


def test_a_crash_mid_indexing_keeps_the_old_index(client, settings, monkeypatch):
    from qa_service.index import incremental, store

    before_ids = _ids(client)
    before_manifest = (settings.index_dir / "manifest.json").read_bytes()

    def crash(*_args, **_kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(incremental.layout, "publish", crash)
    client_no_raise = TestClient(client.app, raise_server_exceptions=False)
    response = _post(client_no_raise, TEXT, "crash.txt")
    assert response.status_code == 500
    assert _ids(client) == before_ids
    assert (settings.index_dir / "manifest.json").read_bytes() == before_manifest
    assert not (settings.corpus_dir / "crash.txt").exists(), "the corpus folder matches the served index"
    assert store.index_is_current(settings.index_dir, settings.corpus_dir, client.app.state.service.embedder, 60,
                                  settings.chunk_overlap)[0]  # fmt: skip


def test_delete_removes_one(client, settings):
    assert _post(client, TEXT, "gone.txt").status_code == 201
    assert client.delete("/api/documents/gone").status_code == 401
    assert client.delete("/api/documents/gone", headers=AUTH).status_code == 204
    assert "gone" not in _ids(client)
    assert not (settings.corpus_dir / "gone.txt").exists()
    assert client.delete("/api/documents/gone", headers=AUTH).status_code == 404


def test_token_is_required_and_uploads_can_be_off(client, settings, service):
    assert _post(client, TEXT, "x.txt", headers={}).status_code == 401
    assert _post(client, TEXT, "x.txt", headers={"Authorization": "Bearer wrong"}).status_code == 401
    service.settings = settings.model_copy(update={"uploads": False})
    assert _post(client, TEXT, "x.txt").status_code == 403
    assert "Add a document" not in client.get("/documents").text


def test_without_a_token_only_loopback_may_upload(service, settings):
    from qa_service.web.app import create_app

    service.settings = settings.model_copy(update={"api_token": None})
    with TestClient(create_app(service), client=("127.0.0.1", 50000)) as local:
        assert _post(local, TEXT, "local.txt", headers={}).status_code == 201
    with TestClient(create_app(service), client=("192.0.2.7", 50000)) as remote:
        assert _post(remote, b"Other words.\n", "remote.txt", headers={}).status_code == 401


def test_uploads_beyond_loopback_need_a_token_at_start_up():
    from pydantic import ValidationError

    from qa_service.config import Settings

    with pytest.raises(ValidationError, match="QA_API_TOKEN"):
        Settings(uploads=True, host="0.0.0.0", api_token=None)


def test_the_form_on_the_documents_page(client):
    page = client.get("/documents").text
    assert 'enctype="multipart/form-data"' in page and 'name="token"' in page
    response = client.post("/documents", files={"file": ("form.txt", TEXT)}, data={"token": TOKEN},
                           follow_redirects=False)  # fmt: skip
    assert response.status_code == 303 and "uploaded=form" in response.headers["location"]
    assert "form" in _ids(client)
    bad = client.post("/documents", files={"file": ("x.pdf", b"nope")}, data={"token": TOKEN}, follow_redirects=True)
    assert "not a PDF" in bad.text


def test_add_documents_from_python(service, settings, tmp_path):
    md = tmp_path / "notes.md"
    md.write_text("# Notes\n\n| City | Ports |\n|---|---|\n| Busan | 7 |\n| Incheon | 4 |\n", encoding="utf-8")
    ids = service.add_documents(
        [
            "The Beacon Plan opened 5 labs.",
            {"text": "Omega text about 9 ferries.", "title": "Omega", "year": 2020, "source_url": "free-form"},
            md,
        ]
    )
    assert ids == ["document", "Omega", "notes"]
    assert service.index.documents["Omega"].meta.year == 2020
    assert service.index.documents["notes"].tables[0].header == ("City", "Ports")
    assert service.search("Beacon Plan labs", k=1).hits[0].doc_id == "document"
    service.remove_document("document")
    assert "document" not in service.index.documents
