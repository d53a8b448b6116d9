"""Checks that an index on disk is the one that was built: checksums first, then what checksums cannot see.

The manifest records a SHA-256 and a size for every file of the index. :func:`verify_files` compares
them (a truncated, emptied, shuffled or overwritten file fails with one line naming it);
:func:`check_loaded` then checks that the loaded parts agree with each other and with the manifest (the
vector dimension, the counts, chunk texts that slice back out of their documents), which catches an index
whose manifest was rewritten to match damaged files.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qa_service.errors import IndexDamagedError

if TYPE_CHECKING:
    from qa_service.index.store import Index

_BLOCK = 1 << 20


def file_digest(path: Path) -> dict[str, Any]:
    """``{"sha256": hex, "size": bytes}`` of one file."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as fh:
        while block := fh.read(_BLOCK):
            digest.update(block)
            size += len(block)
    return {"sha256": digest.hexdigest(), "size": size}


def folder_digests(folder: Path) -> dict[str, dict[str, Any]]:
    """The digest of every file under ``folder``, by path relative to it (``/`` separated), sorted."""
    folder = Path(folder)
    return {p.relative_to(folder).as_posix(): file_digest(p) for p in sorted(folder.rglob("*")) if p.is_file()}


def content_digest(files: dict[str, dict[str, Any]]) -> str:
    """One digest of a whole index's files (names the version folder)."""
    digest = hashlib.sha256()
    for name, info in sorted(files.items()):
        digest.update(f"{name}\0{info['sha256']}\0{info['size']}\n".encode())
    return digest.hexdigest()


def verify_files(folder: Path, files: dict[str, Any], required: tuple[str, ...]) -> None:
    """Raise IndexDamagedError naming the first file that is missing, of another size or another SHA-256.

    ``required`` are names every index has (a folder name covers the files under it).
    """
    folder = Path(folder)
    if not isinstance(files, dict) or not files:
        raise IndexDamagedError(f"{folder.parent / 'manifest.json'}: records no file checksums; rebuild the index")
    for name in required:
        if not any(f == name or f.startswith(f"{name}/") for f in files):
            raise IndexDamagedError(f"{folder.parent / 'manifest.json'}: records no checksum for {name}; rebuild it")
    # Sizes first: a truncated file is found without reading every file.
    for name, info in files.items():
        path = folder / name
        if ".." in Path(name).parts or not path.is_file():
            raise IndexDamagedError(f"{path}: missing from the index; rebuild it (`qa-service ingest --force`)")
        size = path.stat().st_size
        if not isinstance(info, dict) or size != info.get("size"):
            expected = info.get("size") if isinstance(info, dict) else "?"
            raise IndexDamagedError(f"{path}: {size} bytes, the manifest says {expected}; rebuild the index")
    for name, info in files.items():
        if file_digest(folder / name)["sha256"] != info.get("sha256"):
            raise IndexDamagedError(f"{folder / name}: checksum mismatch (the file was altered); rebuild the index")


def check_loaded(index: Index, folder: Path) -> None:
    """Raise IndexDamagedError when the loaded parts of ``index`` disagree with each other or the manifest."""
    manifest = index.manifest
    dim = manifest.get("model", {}).get("dim")
    counts = manifest.get("counts", {})

    def damaged(name: str, why: str) -> IndexDamagedError:
        return IndexDamagedError(f"{Path(folder) / name}: {why}; rebuild the index (`qa-service ingest --force`)")

    vector_dim = manifest.get("vector_index", {}).get("dim", dim)
    if index.dense.d != dim or vector_dim != dim:
        raise IndexDamagedError(
            f"{Path(folder).parent / 'manifest.json'}: claims {dim}-d vectors (vector index: {vector_dim}) but "
            f"chunks.faiss holds {index.dense.d}-d ones; rebuild the index"
        )
    n = len(index.chunks)
    if index.dense.ntotal != n:
        raise damaged("chunks.faiss", f"holds {index.dense.ntotal} vectors for {n} chunks")
    for name, have in (("documents", len(index.documents)), ("chunks", n), ("facts", len(index.facts))):
        if name in counts and counts[name] != have:
            raise damaged(f"{name}.jsonl", f"holds {have} {name}, the manifest says {counts[name]}")
    tables = sum(len(d.tables) for d in index.documents.values())
    if "tables" in counts and counts["tables"] != tables:
        raise damaged("tables.jsonl", f"holds {tables} tables, the manifest says {counts['tables']}")
    for chunk in index.chunks:
        doc = index.documents.get(chunk.doc_id)
        if doc is None or doc.text[chunk.start : chunk.end] != chunk.text:
            raise damaged("chunks.jsonl", f"chunk {chunk.chunk_id} does not slice back out of its document")
    for fact in index.facts:
        doc = index.documents.get(fact.doc_id)
        if doc is None or doc.text[fact.start : fact.end] != fact.text:
            raise damaged("facts.jsonl", f"fact {fact.fact_id} does not slice back out of its document")
    units = index.units
    if units.vectors is None or units.vectors.ndim != 2 or units.vectors.shape != (len(units.chunk_index), dim):
        shape = None if units.vectors is None else units.vectors.shape
        raise damaged("units.npy", f"holds vectors of shape {shape} for {len(units.chunk_index)} {dim}-d units")
    if len(units.start) != len(units.chunk_index) or len(units.end) != len(units.chunk_index):
        raise damaged("units.json", "has lists of different lengths")
    if len(units.chunk_index) and (int(units.chunk_index.min()) < 0 or int(units.chunk_index.max()) >= n):
        raise damaged("units.json", "names chunks the index does not hold")
    if "evidence_units" in counts and counts["evidence_units"] != len(units.chunk_index):
        raise damaged(
            "units.json", f"holds {len(units.chunk_index)} units, the manifest says {counts['evidence_units']}"
        )
    lexical_docs = index.lexical.size
    if lexical_docs != n:
        raise damaged("bm25", f"indexes {lexical_docs} texts for {n} chunks")
