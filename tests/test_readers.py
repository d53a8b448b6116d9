"""Readers: text and PDF files -> raw pages, and one clear IngestError reason for each bad file."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa_service.errors import IngestError
from qa_service.ingest.corpus import corpus_files, corpus_hash, load_corpus, load_manifest
from qa_service.ingest.readers import read_pages


def write_pdf(path: Path, pages: list[list[str]]) -> Path:
    """A PDF with one line of text per entry, one list per page."""
    from reportlab.pdfgen import canvas

    pdf = canvas.Canvas(str(path))
    for lines in pages:
        for k, line in enumerate(lines):
            pdf.drawString(72, 760 - 16 * k, line)
        pdf.showPage()
    pdf.save()
    return path


def test_text_and_markdown_are_one_page(tmp_path):
    txt = tmp_path / "a.txt"
    txt.write_text("Plain text.\n지역 혁신.\n", encoding="utf-8")
    md = tmp_path / "b.md"
    md.write_bytes("\ufeff# Title\n\nBody.".encode())  # a byte-order mark is dropped
    assert read_pages(txt) == ["Plain text.\n지역 혁신.\n"]
    assert read_pages(md) == ["# Title\n\nBody."]


def test_pdf_pages_keep_their_order_and_text(tmp_path):
    path = write_pdf(tmp_path / "p.pdf", [["Alpha page one."], ["Bravo page two."], ["Charlie page three."]])
    pages = read_pages(path)
    assert len(pages) == 3
    assert ["Alpha" in pages[0], "Bravo" in pages[1], "Charlie" in pages[2]] == [True, True, True]
    assert "Bravo" not in pages[0]


def test_pdf_encrypted_with_an_empty_user_password_is_read(tmp_path):
    from pypdf import PdfWriter

    plain = write_pdf(tmp_path / "plain.pdf", [["Open sesame text."]])
    writer = PdfWriter(clone_from=str(plain))
    writer.encrypt(user_password="", owner_password="owner")
    writer.write(tmp_path / "open.pdf")
    assert "Open sesame text." in read_pages(tmp_path / "open.pdf")[0]


def _reason(path: Path) -> str:
    with pytest.raises(IngestError) as info:
        read_pages(path)
    assert info.value.path == str(path)
    assert str(path) in str(info.value)
    return info.value.reason


def test_empty_file(tmp_path):
    (tmp_path / "e.txt").write_bytes(b"")
    assert _reason(tmp_path / "e.txt") == "empty file"


def test_whitespace_only_file(tmp_path):
    (tmp_path / "w.md").write_text(" \n\n\t\n", encoding="utf-8")
    assert "no text" in _reason(tmp_path / "w.md")


def test_latin1_file_is_not_utf8(tmp_path):
    (tmp_path / "l.txt").write_bytes("Caf\xe9 in D\xfcsseldorf".encode("latin-1"))
    reason = _reason(tmp_path / "l.txt")
    assert "UTF-8" in reason and "byte 3" in reason


def test_binary_text_file(tmp_path):
    (tmp_path / "b.txt").write_bytes(b"abc\x00\x01\x02" * 10)
    assert "binary" in _reason(tmp_path / "b.txt")


def test_binary_file_named_pdf(tmp_path):
    (tmp_path / "fake.pdf").write_bytes(bytes(range(256)) * 4)
    assert "not a PDF" in _reason(tmp_path / "fake.pdf")


def test_truncated_pdf(tmp_path):
    good = write_pdf(tmp_path / "good.pdf", [["Some text here."]])
    (tmp_path / "cut.pdf").write_bytes(good.read_bytes()[:300])
    assert "unreadable PDF" in _reason(tmp_path / "cut.pdf")


def test_encrypted_pdf(tmp_path):
    from pypdf import PdfWriter

    plain = write_pdf(tmp_path / "plain.pdf", [["Secret text."]])
    writer = PdfWriter(clone_from=str(plain))
    writer.encrypt(user_password="secret", owner_password="owner")
    writer.write(tmp_path / "locked.pdf")
    assert "encrypted" in _reason(tmp_path / "locked.pdf")


def test_pdf_without_a_text_layer(tmp_path):
    from reportlab.pdfgen import canvas

    pdf = canvas.Canvas(str(tmp_path / "scan.pdf"))
    pdf.rect(100, 100, 200, 200, fill=1)
    pdf.showPage()
    pdf.save()
    assert "no text layer" in _reason(tmp_path / "scan.pdf")


def test_unsupported_suffix(tmp_path):
    (tmp_path / "x.docx").write_bytes(b"PK\x03\x04")
    assert "unsupported" in _reason(tmp_path / "x.docx")


def test_corpus_files_are_sorted_recursive_and_skip_hidden_and_other_types(tmp_path):
    (tmp_path / "sub").mkdir()
    for name in ("b.txt", "a.md", "sub/c.pdf", ".hidden.txt", "notes.docx", "sources.json"):
        (tmp_path / name).write_text("x", encoding="utf-8")
    files = corpus_files(tmp_path)
    assert [f.path.relative_to(tmp_path).as_posix() for f in files] == ["a.md", "b.txt", "sub/c.pdf"]
    assert [f.doc_id for f in files] == ["a", "b", "c"]


def test_missing_corpus_folder(tmp_path):
    with pytest.raises(IngestError, match="does not exist"):
        corpus_files(tmp_path / "nope")


def test_corpus_hash_changes_with_content_names_and_manifest(tmp_path):
    (tmp_path / "a.txt").write_text("One.", encoding="utf-8")
    first = corpus_hash(tmp_path)
    assert corpus_hash(tmp_path) == first
    (tmp_path / "a.txt").write_text("Two.", encoding="utf-8")
    second = corpus_hash(tmp_path)
    assert second != first
    (tmp_path / "a.txt").rename(tmp_path / "b.txt")
    third = corpus_hash(tmp_path)
    assert third != second
    (tmp_path / "sources.json").write_text("[]", encoding="utf-8")
    assert corpus_hash(tmp_path) != third
    (tmp_path / "ignored.docx").write_text("x", encoding="utf-8")
    assert corpus_hash(tmp_path) == corpus_hash(tmp_path)


def test_manifest_entries_by_id_or_file_and_a_broken_manifest_is_ignored(tmp_path, caplog):
    (tmp_path / "sources.json").write_text(
        '[{"id": "a", "title": "A"}, {"file": "sub/b.pdf", "year": 2001}, {"title": "no id"}, 7]', encoding="utf-8"
    )
    assert set(load_manifest(tmp_path)) == {"a", "b"}
    (tmp_path / "sources.json").write_text("[{", encoding="utf-8")
    assert load_manifest(tmp_path) == {}
    assert "manifest ignored" in caplog.text


def test_load_corpus_skips_bad_files_and_keeps_the_rest(tmp_path, caplog):
    (tmp_path / "good.txt").write_text("A Good Title\n\nThe good document has text.", encoding="utf-8")
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "latin.txt").write_bytes("Caf\xe9".encode("latin-1"))
    (tmp_path / "sources.json").write_text(
        '[{"id": "good", "title": "Manifest Title", "year": "2009", "author": "K. Lee"}]', encoding="utf-8"
    )
    seen: list[str] = []
    docs, errors = load_corpus(tmp_path, on_file=seen.append)
    assert [d.doc_id for d in docs] == ["good"]
    assert sorted(Path(e.path).name for e in errors) == ["empty.txt", "latin.txt"]
    assert sorted(seen) == ["empty", "good", "latin"]
    meta = docs[0].meta
    assert (meta.title, meta.year, meta.author, meta.source) == ("Manifest Title", 2009, "K. Lee", "good.txt")
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 2
    assert any("empty.txt" in w and "empty file" in w for w in warnings)
    assert any("latin.txt" in w and "UTF-8" in w for w in warnings)


def test_document_without_manifest_entry_takes_its_first_line_as_title(tmp_path):
    (tmp_path / "x.md").write_text("\n\n  First Line Title  \nBody text.", encoding="utf-8")
    (doc,), _ = load_corpus(tmp_path)
    assert doc.meta.title == "First Line Title"
    assert doc.meta.year is None
    assert doc.pages == ()


def test_a_reader_crash_is_reported_not_raised(tmp_path, monkeypatch, caplog):
    import qa_service.ingest.corpus as corpus

    (tmp_path / "a.txt").write_text("Fine text.", encoding="utf-8")
    (tmp_path / "b.txt").write_text("Also fine.", encoding="utf-8")
    real = corpus.read_pages

    def flaky(path: Path) -> list[str]:
        if path.name == "a.txt":
            raise RuntimeError("boom")
        return real(path)

    monkeypatch.setattr(corpus, "read_pages", flaky)
    docs, errors = load_corpus(tmp_path)
    assert [d.doc_id for d in docs] == ["b"]
    assert "RuntimeError: boom" in errors[0].reason
    assert "a.txt" in caplog.text
