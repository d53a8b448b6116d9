"""The index on disk: build, save, load.

Plain files only (JSON, JSONL, numpy arrays, a FAISS index, bm25s' files) and
a ``manifest.json`` (model, dimension, corpus hash, counts, build time).
Building writes into a temporary folder and renames it into place, so a
crash never leaves half an index; loading refuses a mismatched model, format
or corpus with a message that says what to run.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from qa_service import __version__
from qa_service.index.chunking import chunk_document
from qa_service.index.embedding import Embedder
from qa_service.errors import EmptyCorpusError, IndexMismatchError, IndexMissingError, IngestError
from qa_service.index.evidence_units import Units, build_units
from qa_service.ingest import corpus_hash, load_corpus
from qa_service.index.lexical import LexicalIndex
from qa_service.records import Chunk, Document, DocumentMeta, Fact, Page, Section, Table
from qa_service.index.vector_index import build_vector_index, load_vector_index, save_vector_index

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
# The code that shapes an index: when it changes, an index built by older code is stale.
_PIPELINE_SOURCES = (
    "ingest", "facts", "text", "index/chunking.py", "index/evidence_units.py", "index/lexical.py", "index/store.py",
    "index/vector_index.py",
)  # fmt: skip


def pipeline_hash() -> str:
    """A digest of the source of every module that shapes the index."""
    import hashlib

    root = Path(__file__).resolve().parent.parent  # the package
    digest = hashlib.sha256()
    for name in _PIPELINE_SOURCES:
        path = root / name
        for source in sorted(path.rglob("*.py")) if path.is_dir() else [path]:
            digest.update(source.name.encode())
            digest.update(source.read_bytes())
    return digest.hexdigest()[:16]


REQUIRED_FILES = (
    "manifest.json", "documents.jsonl", "chunks.jsonl", "tables.jsonl", "facts.jsonl", "aliases.json",
    "chunks.faiss", "units.json", "units.npy", "bm25",
)  # fmt: skip


@dataclass
class Index:
    """Everything a loaded index holds, read-only after loading."""

    manifest: dict[str, Any]
    documents: dict[str, Document]
    chunks: list[Chunk]
    facts: list[Fact]
    aliases: Any  # qa_service.text.aliases.AliasTable
    dense: Any  # faiss index over chunk vectors
    units: Units
    lexical: LexicalIndex

    @property
    def tables(self) -> dict[str, Table]:
        return {t.table_id: t for d in self.documents.values() for t in d.tables}


def _write_jsonl(path: Path, rows: Iterable[dict]) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")


def _read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _doc_to_dict(doc: Document) -> dict:
    return {
        "meta": doc.meta.to_dict(),
        "text": doc.text,
        "pages": [[p.number, p.start, p.end] for p in doc.pages],
        "sections": [[s.title, s.start, s.end, s.level] for s in doc.sections],
    }


def _doc_from_dict(data: dict, tables: list[Table]) -> Document:
    return Document(
        meta=DocumentMeta.from_dict(data["meta"]),
        text=data["text"],
        pages=tuple(Page(*p) for p in data["pages"]),
        sections=tuple(Section(*s) for s in data["sections"]),
        tables=tuple(tables),
    )


def embedding_text(chunk: Chunk) -> str:
    """What the dense model sees of a chunk: its section title gives it context."""
    if chunk.section and not chunk.text.startswith(chunk.section):
        return f"{chunk.section}\n{chunk.text}"
    return chunk.text


def lexical_text(chunk: Chunk, aliases: Any) -> str:
    """What BM25 indexes of a chunk: section title, text, and the other names of what it mentions."""
    return aliases.expand(embedding_text(chunk)) if aliases is not None else embedding_text(chunk)


def build_index(
    corpus_dir: Path,
    index_dir: Path,
    embedder: Embedder,
    chunk_words: int = 120,
    chunk_overlap: int = 1,
    progress: Callable[[str, int, int], None] | None = None,
) -> tuple[dict[str, Any], list[IngestError]]:
    """Ingest ``corpus_dir`` and write a complete index to ``index_dir``.

    Returns the manifest and the per-file errors. Raises EmptyCorpusError when
    nothing could be indexed.
    """
    from qa_service.text.aliases import mine_aliases
    from qa_service.facts import extract_facts

    t0 = time.perf_counter()
    docs, errors = load_corpus(corpus_dir, on_file=lambda _d: progress and progress("read", 1, 0))
    if not docs:
        raise EmptyCorpusError(f"nothing in {corpus_dir} could be indexed ({len(errors)} file(s) skipped)")
    chunks = [c for d in docs for c in chunk_document(d, chunk_words, chunk_overlap)]
    aliases = mine_aliases(d.text for d in docs)
    facts = [f for d in docs for f in extract_facts(d, [c for c in chunks if c.doc_id == d.doc_id], aliases)]
    doc_by_id = {d.doc_id: d for d in docs}
    units = build_units(chunks, doc_by_id)
    t_prep = time.perf_counter()
    texts = [embedding_text(c) for c in chunks] + units.embed_texts
    vectors = embedder.encode(texts, progress=progress is not None)
    chunk_vectors, unit_vectors = vectors[: len(chunks)], vectors[len(chunks) :]
    t_embed = time.perf_counter()
    dense, dense_info = build_vector_index(chunk_vectors)
    lexical = LexicalIndex.build([lexical_text(c, aliases) for c in chunks])

    manifest = {
        "format_version": FORMAT_VERSION,
        "service_version": __version__,
        "model": {"name": embedder.name, "version": embedder.version, "dim": int(embedder.dim)},
        "corpus_hash": corpus_hash(corpus_dir),
        "pipeline_hash": pipeline_hash(),
        "config": {"chunk_words": chunk_words, "chunk_overlap": chunk_overlap},
        "counts": {
            "documents": len(docs),
            "chunks": len(chunks),
            "tables": sum(len(d.tables) for d in docs),
            "facts": len(facts),
            "evidence_units": len(units.chunk_index),
            "skipped_files": len(errors),
        },
        "vector_index": dense_info,
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "timings_s": {
            "total": 0.0,
            "prepare": round(t_prep - t0, 3),
            "embed": round(t_embed - t_prep, 3),
        },
        "documents": [d.meta.to_dict() for d in docs],
    }
    index_dir = Path(index_dir)
    index_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = index_dir.parent / f".{index_dir.name}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        _write_jsonl(tmp / "documents.jsonl", (_doc_to_dict(d) for d in docs))
        _write_jsonl(tmp / "chunks.jsonl", (c.to_dict() for c in chunks))
        _write_jsonl(tmp / "tables.jsonl", (t.to_dict() for d in docs for t in d.tables))
        _write_jsonl(tmp / "facts.jsonl", (f.to_dict() for f in facts))
        (tmp / "aliases.json").write_text(json.dumps(aliases.to_dict(), ensure_ascii=False), encoding="utf-8")
        save_vector_index(dense, tmp / "chunks.faiss")
        units.save(tmp, unit_vectors)
        lexical.save(tmp / "bm25")
        manifest["timings_s"]["total"] = round(time.perf_counter() - t0, 3)
        # The manifest goes last: a folder without one is never taken for an index.
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False), encoding="utf-8")
        old = index_dir.parent / f".{index_dir.name}.old-{os.getpid()}"
        if index_dir.exists():
            index_dir.rename(old)
        try:
            tmp.rename(index_dir)
        except OSError:
            if old.exists():  # put the previous index back rather than leave none
                old.rename(index_dir)
            raise
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return manifest, errors


def read_manifest(index_dir: Path) -> dict[str, Any] | None:
    path = Path(index_dir) / "manifest.json"
    if not path.exists():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError:
        return None


def index_is_current(
    index_dir: Path, corpus_dir: Path, embedder: Embedder, chunk_words: int, chunk_overlap: int
) -> tuple[bool, str]:
    """Whether the index on disk matches the corpus, model and settings (and why not)."""
    manifest = read_manifest(index_dir)
    if manifest is None:
        return False, "no index yet"
    if any(not (Path(index_dir) / name).exists() for name in REQUIRED_FILES):
        return False, "index is incomplete"
    if manifest.get("format_version") != FORMAT_VERSION:
        return False, "index format changed"
    model = manifest.get("model", {})
    if (model.get("name"), model.get("version"), model.get("dim")) != (embedder.name, embedder.version, embedder.dim):
        return False, f"index was built with {model.get('name')} {model.get('version')} ({model.get('dim')}d)"
    if manifest.get("config") != {"chunk_words": chunk_words, "chunk_overlap": chunk_overlap}:
        return False, "chunking settings changed"
    if manifest.get("corpus_hash") != corpus_hash(corpus_dir):
        return False, "corpus changed"
    if manifest.get("pipeline_hash") != pipeline_hash():
        return False, "ingestion code changed"
    return True, "index is up to date"


def load_index(index_dir: Path, embedder: Embedder, corpus_dir: Path | None = None) -> Index:
    """Load an index, refusing one built with another model or from another corpus."""
    from qa_service.text.aliases import AliasTable

    index_dir = Path(index_dir)
    manifest = read_manifest(index_dir)
    if manifest is None:
        raise IndexMissingError(f"no index in {index_dir}; run `qa-service ingest` first")
    missing = [name for name in REQUIRED_FILES if not (index_dir / name).exists()]
    if missing:
        raise IndexMismatchError(f"index in {index_dir} is incomplete (missing {', '.join(missing)}); rebuild it")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise IndexMismatchError(
            f"index format {manifest.get('format_version')} != {FORMAT_VERSION}; run `qa-service ingest --force`"
        )
    model = manifest["model"]
    if (model["name"], model["version"], model["dim"]) != (embedder.name, embedder.version, embedder.dim):
        raise IndexMismatchError(
            f"index was built with {model['name']} {model['version']} ({model['dim']}d) but the service uses "
            f"{embedder.name} {embedder.version} ({embedder.dim}d); run `qa-service ingest --force`"
        )
    if corpus_dir is not None and Path(corpus_dir).is_dir() and manifest["corpus_hash"] != corpus_hash(corpus_dir):
        raise IndexMismatchError(
            f"index in {index_dir} was built from another version of {corpus_dir}; run `qa-service ingest`"
        )
    tables: dict[str, list[Table]] = {}
    for row in _read_jsonl(index_dir / "tables.jsonl"):
        table = Table.from_dict(row)
        tables.setdefault(table.doc_id, []).append(table)
    documents = {}
    for row in _read_jsonl(index_dir / "documents.jsonl"):
        doc_id = row["meta"]["doc_id"]
        documents[doc_id] = _doc_from_dict(row, tables.get(doc_id, []))
    chunks = [Chunk.from_dict(r) for r in _read_jsonl(index_dir / "chunks.jsonl")]
    dense = load_vector_index(index_dir / "chunks.faiss", manifest.get("vector_index", {}))
    if dense.ntotal != len(chunks):
        raise IndexMismatchError(f"index in {index_dir} holds {dense.ntotal} vectors for {len(chunks)} chunks")
    return Index(
        manifest=manifest,
        documents=documents,
        chunks=chunks,
        facts=[Fact.from_dict(r) for r in _read_jsonl(index_dir / "facts.jsonl")],
        aliases=AliasTable.from_dict(json.loads((index_dir / "aliases.json").read_text(encoding="utf-8"))),
        dense=dense,
        units=Units.load(index_dir, len(chunks)),
        lexical=LexicalIndex.load(index_dir / "bm25"),
    )


def vectors_of(index: Index) -> np.ndarray:
    """The chunk vectors held by a flat index (for tests and diagnostics)."""
    return index.dense.reconstruct_n(0, index.dense.ntotal)
