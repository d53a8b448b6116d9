"""Readers: a file on disk -> its raw text, page by page.

Each reader raises :class:`~qa_service.errors.IngestError` with a one-line
reason for a file it cannot read; the corpus loader logs it and goes on.
"""

from __future__ import annotations

import logging
from pathlib import Path

from qa_service.errors import IngestError

SUPPORTED_SUFFIXES = (".txt", ".md", ".pdf")

# pypdf logs every odd object it meets; a warning line per file is ours to give.
logging.getLogger("pypdf").setLevel(logging.ERROR)


def read_pages(path: Path) -> list[str]:
    """Return the raw text of ``path`` as a list of pages (one page for text files)."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise IngestError(str(path), f"unsupported file type {suffix!r}")
    if path.stat().st_size == 0:
        raise IngestError(str(path), "empty file")
    if suffix == ".pdf":
        return _read_pdf(path)
    return [_read_text(path)]


def _read_text(path: Path) -> str:
    data = path.read_bytes()
    if b"\x00" in data[:4096]:
        raise IngestError(str(path), "binary content in a text file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise IngestError(str(path), f"not valid UTF-8 (byte {exc.start}); re-save it as UTF-8") from None
    if not text.strip():
        raise IngestError(str(path), "no text (only whitespace)")
    return text


def _read_pdf(path: Path) -> list[str]:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    from qa_service.ingest.pdf_guard import check_inflation

    data = path.read_bytes()
    if not data[:1024].lstrip().startswith(b"%PDF"):
        raise IngestError(str(path), "not a PDF (no %PDF header)")
    check_inflation(data, str(path))  # before any PDF library inflates a bomb
    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted:
            # An empty user password still opens many "protected" PDFs.
            try:
                if not reader.decrypt(""):
                    raise IngestError(str(path), "encrypted PDF (a password is required)")
            except IngestError:
                raise
            except Exception:
                raise IngestError(str(path), "encrypted PDF (a password is required)") from None
        pages = [page.extract_text() or "" for page in reader.pages]
    except IngestError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise IngestError(str(path), f"unreadable PDF ({type(exc).__name__}: {exc})") from None
    if not pages:
        raise IngestError(str(path), "PDF has no pages")
    if not any(p.strip() for p in pages):
        raise IngestError(str(path), "PDF has no text layer (scanned images need OCR first)")
    return _with_tables(path, pages)


def _with_tables(path: Path, pages: list[str]) -> list[str]:
    """Pages that hold a table, laid out again by pdfplumber with the table's rows as tab-separated cells
    (only the pages whose pypdf text could hold one: ``may_hold_table``)."""
    from qa_service.ingest.pdf_tables import layout_page, may_hold_table

    wanted = [number for number, text in enumerate(pages) if may_hold_table(text)]
    if not wanted:
        return pages
    import pdfplumber

    out = list(pages)
    try:
        with pdfplumber.open(str(path)) as pdf:
            for number in (n for n in wanted if n < len(pdf.pages)):
                page = pdf.pages[number]
                laid_out = layout_page(page)
                if laid_out is not None and laid_out.strip():
                    out[number] = laid_out
                page.close()
    except Exception as exc:  # pdfminer's own failures: keep pypdf's text, tables or not
        logging.getLogger(__name__).warning("%s: tables not read (%s: %s)", path.name, type(exc).__name__, exc)
        return list(pages)
    return out
