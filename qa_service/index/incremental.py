"""Incremental indexing: a new Index from a loaded one plus (or minus) a few documents.

Only the chunks and evidence units of the added documents are embedded; the vectors of every other
chunk and unit are taken over from the old index. What is cheap and corpus-wide is rebuilt whole: the
aliases (mined from every text), BM25 and the FAISS index over all vectors. Facts of the documents
kept are taken over (mined against the aliases of their own build, so an incremental index can differ
from a full rebuild in a few alias-resolved names; ``qa-service ingest --force`` makes them equal).

The new index is written as :mod:`qa_service.index.store` writes one (the same files, checksums and
version folder, published by :func:`qa_service.index.layout.publish` in one atomic step), so a restart
loads it like any other. Nothing of the old index is touched: until :func:`save_index` returns, and if
anything fails before, the old index is the one on disk and in memory.
"""

from __future__ import annotations

import json
import logging
import shutil
import threading
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from qa_service.index import integrity, layout
from qa_service.index.chunking import chunk_document
from qa_service.index.embedding import Embedder
from qa_service.index.evidence_units import Units, _offsets, build_units
from qa_service.index.lexical import LexicalIndex
from qa_service.index.store import (
    Index,
    _doc_to_dict,
    _write_jsonl,
    embedding_text,
    lexical_text,
)
from qa_service.index.vector_index import build_vector_index, save_vector_index
from qa_service.records import Document

log = logging.getLogger(__name__)

_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


def update_lock(index_dir: Path) -> threading.Lock:
    """The lock that serialises the updates of one index folder within this process."""
    key = str(Path(index_dir).resolve())
    with _locks_guard:
        return _locks.setdefault(key, threading.Lock())


def _chunk_vectors(index: Index, embedder: Embedder) -> np.ndarray:
    """The vectors of the old index's chunks (re-embedded only if its FAISS type cannot give them back)."""
    n = index.dense.ntotal
    if n == 0:
        return np.zeros((0, embedder.dim), dtype=np.float32)
    try:
        return np.asarray(index.dense.reconstruct_n(0, n), dtype=np.float32)
    except RuntimeError:  # an IVF index without a direct map
        log.warning("re-embedding %d chunks: the old index cannot return its vectors", n)
        return np.asarray(embedder.encode([embedding_text(c) for c in index.chunks]), dtype=np.float32)


def updated_index(
    index: Index,
    embedder: Embedder,
    add: Sequence[Document] = (),
    remove: Iterable[str] = (),
    chunk_words: int = 120,
    chunk_overlap: int = 1,
    corpus_hash: str | None = None,
) -> tuple[Index, np.ndarray]:
    """The index with ``add`` in it (replacing documents of the same id) and ``remove`` out of it.

    Returns the new Index (in memory only) and its evidence-unit vectors (what :func:`save_index` writes).
    """
    from qa_service.facts import extract_facts
    from qa_service.text.aliases import mine_aliases

    gone = set(remove) | {d.doc_id for d in add}
    keep = [i for i, c in enumerate(index.chunks) if c.doc_id not in gone]
    documents = {k: d for k, d in index.documents.items() if k not in gone}
    documents.update({d.doc_id: d for d in add})

    new_chunks = [c for d in add for c in chunk_document(d, chunk_words, chunk_overlap)]
    new_units = build_units(new_chunks, {d.doc_id: d for d in add})
    texts = [embedding_text(c) for c in new_chunks] + new_units.embed_texts
    vectors = np.asarray(embedder.encode(texts), dtype=np.float32).reshape(len(texts), embedder.dim)

    old_vectors = _chunk_vectors(index, embedder)[keep]
    chunks = [index.chunks[i] for i in keep] + new_chunks
    chunk_vectors = np.concatenate([old_vectors, vectors[: len(new_chunks)]])

    position = np.full(len(index.chunks) + 1, -1, dtype=np.int64)
    position[keep] = np.arange(len(keep))
    old = index.units
    kept_units = position[old.chunk_index] >= 0 if len(old.chunk_index) else np.zeros(0, dtype=bool)
    chunk_index = np.concatenate(
        [position[old.chunk_index][kept_units], new_units.chunk_index.astype(np.int64) + len(keep)]
    ).astype(np.int32)
    old_unit_vectors = old.vectors[kept_units] if old.vectors is not None else np.zeros((0, embedder.dim))
    unit_vectors = np.concatenate([old_unit_vectors, vectors[len(new_chunks) :]]).astype(np.float32)
    units = Units(
        chunk_index=chunk_index,
        start=np.concatenate([old.start[kept_units], new_units.start]).astype(np.int64),
        end=np.concatenate([old.end[kept_units], new_units.end]).astype(np.int64),
        offsets=_offsets(chunk_index, len(chunks)),
        vectors=unit_vectors,
    )

    aliases = mine_aliases(d.text for d in documents.values())
    facts = [f for f in index.facts if f.doc_id not in gone]
    for doc in add:
        facts += extract_facts(doc, [c for c in new_chunks if c.doc_id == doc.doc_id], aliases)
    dense, dense_info = build_vector_index(chunk_vectors)
    lexical = LexicalIndex.build([lexical_text(c, aliases) for c in chunks])

    manifest = {k: v for k, v in index.manifest.items() if k not in ("files", "version")}
    manifest.update(
        {
            "counts": {
                **index.manifest.get("counts", {}),
                "documents": len(documents),
                "chunks": len(chunks),
                "tables": sum(len(d.tables) for d in documents.values()),
                "facts": len(facts),
                "evidence_units": len(units.chunk_index),
            },
            "vector_index": dense_info,
            "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "incremental": {
                "added": [d.doc_id for d in add],
                "removed": sorted(set(remove)),
                "embedded_texts": len(texts),
            },
            "documents": [d.meta.to_dict() for d in documents.values()],
        }
    )
    if corpus_hash is not None:
        manifest["corpus_hash"] = corpus_hash
    new = Index(manifest, documents, chunks, facts, aliases, dense, units, lexical)
    return new, unit_vectors


def save_index(index_dir: Path, index: Index, unit_vectors: np.ndarray) -> dict[str, Any]:
    """Write ``index`` as a new version of ``index_dir`` and make it the current one (atomically)."""
    index_dir = Path(index_dir)
    layout.clean_stale(index_dir)
    tmp = layout.temp_folder(index_dir)
    manifest = dict(index.manifest)
    docs = list(index.documents.values())
    try:
        _write_jsonl(tmp / "documents.jsonl", (_doc_to_dict(d) for d in docs))
        _write_jsonl(tmp / "chunks.jsonl", (c.to_dict() for c in index.chunks))
        _write_jsonl(tmp / "tables.jsonl", (t.to_dict() for d in docs for t in d.tables))
        _write_jsonl(tmp / "facts.jsonl", (f.to_dict() for f in index.facts))
        (tmp / "aliases.json").write_text(json.dumps(index.aliases.to_dict(), ensure_ascii=False), encoding="utf-8")
        save_vector_index(index.dense, tmp / "chunks.faiss")
        index.units.save(tmp, unit_vectors)
        index.lexical.save(tmp / "bm25")
        manifest["files"] = integrity.folder_digests(tmp)
        manifest["version"] = layout.new_version_name(index_dir, integrity.content_digest(manifest["files"]))
        layout.publish(index_dir, tmp, manifest)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    index.manifest = manifest
    return manifest


# -- the corpus folder and the index, changed together ----------------------------------------------------
def add_files(
    index: Index, embedder: Embedder, settings: Any, files: Sequence[tuple[bytes, str | None, dict | None]]
) -> tuple[Index, list[tuple[str, bool]]]:
    """Store ``files`` (bytes, client name, metadata) in the corpus folder and index them incrementally.

    Returns the new index (``index`` itself when nothing was new) and, per file, its document id and whether
    the same bytes were indexed already. On any failure the files stored here are removed again, the old
    index stays current, and the error goes up (an IngestError names why the file could not be read).
    """
    from qa_service.ingest import corpus_hash, load_manifest
    from qa_service.ingest.corpus import load_document
    from qa_service.ingest.uploads import drop_metadata, store

    corpus_dir = Path(settings.corpus_dir)
    with update_lock(settings.index_dir):
        stored = []
        try:
            for data, name, metadata in files:
                stored.append(store(corpus_dir, data, name, metadata))
            fresh = [s for s in stored if not (s.duplicate and s.file.doc_id in index.documents)]
            result = [(s.file.doc_id, s not in fresh) for s in stored]
            if not fresh:
                return index, result
            entries = load_manifest(corpus_dir)
            docs = [load_document(s.file, entries.get(s.file.doc_id)) for s in fresh]
            new, unit_vectors = updated_index(
                index, embedder, add=docs, chunk_words=settings.chunk_words, chunk_overlap=settings.chunk_overlap,
                corpus_hash=corpus_hash(corpus_dir),
            )  # fmt: skip
            save_index(settings.index_dir, new, unit_vectors)
        except BaseException:
            for s in stored:
                if not s.duplicate:
                    s.file.path.unlink(missing_ok=True)
                    drop_metadata(corpus_dir, s.file.doc_id)
            raise
    return new, result


def remove_file(index: Index, embedder: Embedder, settings: Any, doc_id: str) -> Index:
    """Take ``doc_id`` out of the corpus folder and the index (the file is restored if indexing fails)."""
    import os

    from qa_service.errors import UnknownDocumentError, UploadRejectedError
    from qa_service.ingest import corpus_hash
    from qa_service.ingest.uploads import _sources_path, drop_metadata, file_of

    corpus_dir = Path(settings.corpus_dir)
    with update_lock(settings.index_dir):
        if doc_id not in index.documents:
            raise UnknownDocumentError(doc_id, sorted(index.documents))
        if len(index.documents) == 1:
            raise UploadRejectedError(f"{doc_id!r} is the only document: an index needs one", 409)
        file = file_of(corpus_dir, doc_id)
        sources = _sources_path(corpus_dir)
        old_sources = sources.read_bytes() if sources.exists() else None
        hidden = file.path.with_name(f".{file.path.name}.removed-{os.getpid()}") if file else None
        try:
            if file and hidden:
                os.replace(file.path, hidden)
            drop_metadata(corpus_dir, doc_id)
            new, unit_vectors = updated_index(
                index, embedder, remove=[doc_id], chunk_words=settings.chunk_words,
                chunk_overlap=settings.chunk_overlap, corpus_hash=corpus_hash(corpus_dir),
            )  # fmt: skip
            save_index(settings.index_dir, new, unit_vectors)
        except BaseException:
            if file and hidden and hidden.exists():
                os.replace(hidden, file.path)
            if old_sources is not None:
                sources.write_bytes(old_sources)
            raise
        if hidden:
            hidden.unlink(missing_ok=True)
    return new
