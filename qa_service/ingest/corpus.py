"""The corpus folder: its manifest, its files, and their Documents.

A file that cannot be read is reported (one warning line naming it and the
reason) and skipped; the rest are still ingested.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from qa_service.errors import IngestError
from qa_service.ingest.cleaning import clean_pages
from qa_service.ingest.markdown import markdown_text
from qa_service.ingest.readers import SUPPORTED_SUFFIXES, read_pages
from qa_service.ingest.regions import find_regions
from qa_service.ingest.structure import find_sections, find_tables
from qa_service.records import Document, DocumentMeta, Page

log = logging.getLogger(__name__)

MANIFEST_NAMES = ("sources.json",)


@dataclass(frozen=True)
class CorpusFile:
    path: Path
    doc_id: str


def corpus_files(corpus_dir: Path) -> list[CorpusFile]:
    """The ingestable files of ``corpus_dir`` (recursively), in a stable order."""
    if not corpus_dir.is_dir():
        raise IngestError(str(corpus_dir), "corpus folder does not exist")
    files = [
        p
        for p in sorted(corpus_dir.rglob("*"))
        if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES and not p.name.startswith(".")
    ]
    return [CorpusFile(path=p, doc_id=p.stem) for p in files]


def load_manifest(corpus_dir: Path) -> dict[str, dict]:
    """Manifest entries by doc id (the file name without its extension)."""
    for name in MANIFEST_NAMES:
        path = corpus_dir / name
        if path.exists():
            try:
                entries = json.loads(path.read_text(encoding="utf-8"))
            except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                log.warning("%s: manifest ignored (%s)", path, exc)
                return {}
            out = {}
            for entry in entries if isinstance(entries, list) else []:
                if isinstance(entry, dict) and (entry.get("id") or entry.get("file")):
                    doc_id = entry.get("id") or Path(entry["file"]).stem
                    out[doc_id] = entry
            return out
    return {}


def corpus_hash(corpus_dir: Path) -> str:
    """A digest of every ingestable file and the manifest: it changes when the corpus does."""
    digest = hashlib.sha256()
    paths = [f.path for f in corpus_files(corpus_dir)] + [corpus_dir / n for n in MANIFEST_NAMES]
    for path in paths:
        if path.exists():
            digest.update(str(path.relative_to(corpus_dir)).encode())
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:16]


def _meta(file: CorpusFile, entry: dict | None, text: str) -> DocumentMeta:
    entry = entry or {}
    year = entry.get("year")
    first_line = next((ln.strip() for ln in text.split("\n") if ln.strip()), file.doc_id)
    return DocumentMeta(
        doc_id=file.doc_id,
        title=str(entry.get("title") or first_line[:200]),
        source=str(file.path.name),
        author=entry.get("author"),
        year=int(year) if isinstance(year, int | str) and str(year).isdigit() else None,
        kind=entry.get("kind") or ("pdf" if file.path.suffix.lower() == ".pdf" else None),
        note=entry.get("note"),
    )


def load_document(file: CorpusFile, entry: dict | None = None) -> Document:
    """Read, clean and structure one file. Raises IngestError."""
    pages = read_pages(file.path)
    suffix = file.path.suffix.lower()
    if suffix == ".md":
        text, sections = markdown_text(pages[0])
        spans: tuple[Page, ...] = ()
        sections = sections or find_sections(text)
    else:
        text, spans = clean_pages(pages)
        spans = spans if suffix == ".pdf" else ()
        sections = find_sections(text)
    if not text.strip():
        raise IngestError(str(file.path), "no text left after cleaning")
    return Document(
        meta=_meta(file, entry, text),
        text=text,
        pages=spans,
        sections=sections,
        tables=find_tables(text, file.doc_id),
        regions=find_regions(text, spans),
    )


def load_corpus(
    corpus_dir: Path, on_file: Callable[[str], None] | None = None
) -> tuple[list[Document], list[IngestError]]:
    """Every readable document of the corpus, and the errors of those that were not."""
    manifest = load_manifest(corpus_dir)
    docs: list[Document] = []
    errors: list[IngestError] = []
    for file in corpus_files(corpus_dir):
        try:
            docs.append(load_document(file, manifest.get(file.doc_id)))
        except IngestError as exc:
            log.warning("skipped %s: %s", file.path.name, exc.reason)
            errors.append(exc)
        except Exception as exc:  # a reader bug must not sink the whole corpus
            log.warning("skipped %s: unexpected %s: %s", file.path.name, type(exc).__name__, exc)
            errors.append(IngestError(str(file.path), f"unexpected {type(exc).__name__}: {exc}"))
        if on_file:
            on_file(file.doc_id)
    return docs, errors
