"""`qa-service ingest`: rebuilds only when needed, indexes new PDFs, warns once per bad file."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from qa_service.cli.app import app
from qa_service.config import get_settings

FIXTURE_CORPUS = Path(__file__).resolve().parent / "fixtures" / "corpus"


def write_pdf(path: Path, pages: list[str]) -> Path:
    from reportlab.pdfgen import canvas

    pdf = canvas.Canvas(str(path))
    for text in pages:
        pdf.drawString(72, 760, text)
        pdf.showPage()
    pdf.save()
    return path


def write_bad_files(corpus: Path) -> dict[str, str]:
    """One file of each kind that cannot be indexed; returns file name -> a word of the expected reason."""
    from pypdf import PdfWriter
    from reportlab.pdfgen import canvas

    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "binary.pdf").write_bytes(bytes(range(256)) * 8)
    plain = write_pdf(corpus.parent / "plain.pdf", ["Locked text about clusters."])
    writer = PdfWriter(clone_from=str(plain))
    writer.encrypt(user_password="secret", owner_password="owner")
    writer.write(corpus / "locked.pdf")
    scan = canvas.Canvas(str(corpus / "scan.pdf"))
    scan.rect(100, 100, 200, 200, fill=1)
    scan.showPage()
    scan.save()
    (corpus / "latin.txt").write_bytes("R\xe9sum\xe9 of the Daejeon cluster".encode("latin-1"))
    return {
        "empty.txt": "empty",
        "binary.pdf": "not a PDF",
        "locked.pdf": "encrypted",
        "scan.pdf": "no text layer",
        "latin.txt": "UTF-8",
    }


@pytest.fixture
def env(tmp_path, monkeypatch) -> dict[str, str]:
    corpus = tmp_path / "corpus"
    shutil.copytree(FIXTURE_CORPUS, corpus)
    values = {"QA_CORPUS_DIR": str(corpus), "QA_INDEX_DIR": str(tmp_path / "index"), "QA_EMBEDDER": "hash"}
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    yield values
    get_settings.cache_clear()


def ingest(*args: str):
    get_settings.cache_clear()  # the settings are read once per process; each run here is a new "process"
    result = CliRunner().invoke(app, ["ingest", *args])
    return result, " ".join(result.output.split())


def test_ingest_builds_then_keeps_then_forces(env):
    result, out = ingest()
    assert result.exit_code == 0, out
    assert "built index" in out and "(no index yet)" in out and "2 documents" in out and "1 tables" in out
    manifest = Path(env["QA_INDEX_DIR"]) / "manifest.json"
    built_once = manifest.read_text(encoding="utf-8")

    result, out = ingest()
    assert result.exit_code == 0, out
    assert "kept index" in out and "(index is up to date)" in out
    assert manifest.read_text(encoding="utf-8") == built_once  # nothing was rebuilt

    result, out = ingest("--force")
    assert result.exit_code == 0, out
    assert "built index" in out and "(forced)" in out


def test_a_new_pdf_is_indexed_on_the_next_run(env):
    from qa_service.index.embedding import HashEmbedder
    from qa_service.index.store import load_index

    assert ingest()[0].exit_code == 0
    write_pdf(Path(env["QA_CORPUS_DIR"]) / "delta.pdf", ["Delta harbour opened in 2011.", "Delta has ten piers."])
    result, out = ingest()
    assert result.exit_code == 0, out
    assert "built index" in out and "(corpus changed)" in out and "3 documents" in out
    index = load_index(Path(env["QA_INDEX_DIR"]), HashEmbedder(), Path(env["QA_CORPUS_DIR"]))
    doc = index.documents["delta"]
    assert [p.number for p in doc.pages] == [1, 2]
    assert doc.page_at(doc.text.index("ten piers")) == 2
    assert any(c.doc_id == "delta" and c.page_end == 2 for c in index.chunks)


def test_nothing_indexable_exits_non_zero(env):
    corpus = Path(env["QA_CORPUS_DIR"])
    shutil.rmtree(corpus)
    corpus.mkdir()
    write_bad_files(corpus)
    result, out = ingest()
    assert result.exit_code == 1
    assert "nothing in" in out and "5 file(s) skipped" in out
    assert not Path(env["QA_INDEX_DIR"]).exists()


def test_a_bad_setting_exits_with_a_message(env, monkeypatch):
    monkeypatch.setenv("QA_EMBEDDER", "bogus")
    result, out = ingest()
    assert result.exit_code == 2
    assert "bad setting" in out and "QA_EMBEDDER" in out


def test_bad_files_get_one_warning_each_the_rest_is_indexed_and_most_skipped_fails(env):
    """Through a real process: the warnings are the log lines a user sees on stderr."""
    reasons = write_bad_files(Path(env["QA_CORPUS_DIR"]))
    proc = subprocess.run(
        [sys.executable, "-c", "from qa_service.cli.app import app; app()", "ingest"],
        env={**os.environ, **env, "COLUMNS": "300"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    # The index is built from what could be read, but most files were skipped: the command says so and fails.
    assert proc.returncode == 1, proc.stderr
    assert "built index" in proc.stdout and "2 documents" in proc.stdout and "5 file(s) skipped" in proc.stdout
    assert "error: 5 of 7 files were skipped" in proc.stderr
    warnings = [line for line in proc.stderr.splitlines() if line.startswith("WARNING")]
    assert len(warnings) == len(reasons), proc.stderr
    for name, reason in reasons.items():
        (line,) = [w for w in warnings if name in w]
        assert reason in line, line
    manifest = (Path(env["QA_INDEX_DIR"]) / "manifest.json").read_text(encoding="utf-8")
    assert '"skipped_files": 5' in manifest


def test_serve_refuses_an_unknown_server_stack(env):
    result = CliRunner().invoke(app, ["serve", "--no-build", "--stack", "turbo"])
    assert result.exit_code == 2
    assert "--stack must be one of fast, plain" in result.output
