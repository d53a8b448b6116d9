"""New files for the corpus folder: their type read from their bytes, a safe name, their metadata.

A file is a PDF when it starts with the PDF magic (``%PDF-``), and text when its bytes are valid
UTF-8 without NUL bytes; anything else is refused, whatever its name says. The name only picks
``.md`` over ``.txt`` for text, and becomes the document id once reduced to letters, digits, ``.``,
``_`` and ``-`` (never a path). A file whose bytes are already in the corpus is not stored twice.
Metadata (title, author, year, kind, note, and any other keys) goes into the corpus's ``sources.json``.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qa_service.errors import UploadRejectedError
from qa_service.ingest.corpus import MANIFEST_NAMES, CorpusFile, corpus_files

ALLOWED_SUFFIXES = (".txt", ".md", ".pdf")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_MAX_STEM = 80


def sniff(data: bytes, name: str | None = None) -> str:
    """The suffix ``data`` is stored under (``.pdf``, ``.md`` or ``.txt``), read from its content."""
    claimed = Path(name or "").suffix.lower()
    if claimed not in ("", *ALLOWED_SUFFIXES):
        raise UploadRejectedError(f"unsupported file type {claimed!r}: send a .txt, .md or .pdf file", 415)
    if not data.strip():
        raise UploadRejectedError("the file is empty", 422)
    if data[:1024].lstrip().startswith(b"%PDF-"):
        if claimed in (".txt", ".md"):
            raise UploadRejectedError(f"the file is named {claimed} but is a PDF", 415)
        return ".pdf"
    if claimed == ".pdf":
        raise UploadRejectedError("the file is named .pdf but is not a PDF (no %PDF- header)", 415)
    if b"\x00" in data:
        raise UploadRejectedError("binary content: send UTF-8 text, Markdown or a PDF", 415)
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UploadRejectedError(
            f"not UTF-8 text (byte {exc.start}) and not a PDF: send UTF-8 text, Markdown or a PDF", 415
        ) from None
    return ".md" if claimed == ".md" else ".txt"


def safe_stem(name: str | None) -> str:
    """A document id from a client's file name: no folders, no dots in front, only safe characters."""
    base = Path((name or "").replace("\\", "/")).name
    stem = base[: -len(Path(base).suffix)] if Path(base).suffix else base
    stem = _UNSAFE.sub("-", stem).strip("-._")[:_MAX_STEM].strip("-._")
    return stem or "upload"


@dataclass(frozen=True)
class Stored:
    """Where an upload went: its corpus file, and whether the same bytes were there already."""

    file: CorpusFile
    duplicate: bool


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def store(corpus_dir: Path, data: bytes, name: str | None, metadata: dict[str, Any] | None = None) -> Stored:
    """Write ``data`` into ``corpus_dir`` under a safe, unused name (or find the file that holds it already)."""
    suffix = sniff(data, name)
    corpus_dir = Path(corpus_dir)
    corpus_dir.mkdir(parents=True, exist_ok=True)
    digest = _digest(data)
    existing = corpus_files(corpus_dir)
    for file in existing:
        if file.path.stat().st_size == len(data) and _digest(file.path.read_bytes()) == digest:
            return Stored(file, duplicate=True)
    taken = {f.doc_id for f in existing}
    stem = safe_stem(name)
    doc_id, n = stem, 1
    while doc_id in taken or any((corpus_dir / f"{doc_id}{s}").exists() for s in ALLOWED_SUFFIXES):
        n += 1
        doc_id = f"{stem}-{n}"
    path = corpus_dir / f"{doc_id}{suffix}"
    tmp = corpus_dir / f".{doc_id}{suffix}.part-{os.getpid()}"
    tmp.write_bytes(data)
    os.replace(tmp, path)  # the corpus never holds half a file
    if metadata:
        set_metadata(corpus_dir, doc_id, {**metadata, "file": path.name})
    return Stored(CorpusFile(path=path, doc_id=doc_id), duplicate=False)


def _sources_path(corpus_dir: Path) -> Path:
    return Path(corpus_dir) / MANIFEST_NAMES[0]


def _read_sources(corpus_dir: Path) -> list[dict[str, Any]]:
    path = _sources_path(corpus_dir)
    if not path.exists():
        return []
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError):
        return []
    return [e for e in entries if isinstance(e, dict)] if isinstance(entries, list) else []


def _write_sources(corpus_dir: Path, entries: list[dict[str, Any]]) -> None:
    path = _sources_path(corpus_dir)
    tmp = path.with_name(f".{path.name}.part-{os.getpid()}")
    tmp.write_text(json.dumps(entries, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def _entry_id(entry: dict[str, Any]) -> str | None:
    return entry.get("id") or (Path(entry["file"]).stem if entry.get("file") else None)


def set_metadata(corpus_dir: Path, doc_id: str, metadata: dict[str, Any]) -> None:
    """Record ``metadata`` for ``doc_id`` in ``sources.json`` (free-form: unknown keys are kept, not used)."""
    entries = [e for e in _read_sources(corpus_dir) if _entry_id(e) != doc_id]
    entries.append({"id": doc_id, **{k: v for k, v in metadata.items() if k != "id"}})
    _write_sources(corpus_dir, entries)


def drop_metadata(corpus_dir: Path, doc_id: str) -> None:
    entries = _read_sources(corpus_dir)
    kept = [e for e in entries if _entry_id(e) != doc_id]
    if len(kept) != len(entries):
        _write_sources(corpus_dir, kept)


def file_of(corpus_dir: Path, doc_id: str) -> CorpusFile | None:
    """The corpus file of ``doc_id``, if there is one."""
    return next((f for f in corpus_files(Path(corpus_dir)) if f.doc_id == doc_id), None)
