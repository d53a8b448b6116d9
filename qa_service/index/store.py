"""The index on disk: build, save, load.

Plain files only (JSON, JSONL, numpy arrays, a FAISS index, bm25s' files) and
a ``manifest.json`` (model, dimension, corpus hash, counts, build time, and the
SHA-256 and size of every file). Building writes a new version folder beside
the served one and swaps the manifest in one atomic step (see
:mod:`qa_service.index.layout`), so a crash never leaves half an index or none;
loading verifies every file and refuses a mismatched model, format or corpus,
or a damaged file, with one line that names it and says what to run.
"""

from __future__ import annotations

import json
import logging
import shutil
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from qa_service import __version__
from qa_service.errors import EmptyCorpusError, IndexDamagedError, IndexMismatchError, IndexMissingError, IngestError
from qa_service.index import integrity, layout
from qa_service.index.embedding import Embedder
from qa_service.index.evidence_units import Units
from qa_service.index.lexical import LexicalIndex
from qa_service.index.spans import UnitSpans
from qa_service.index.vector_index import build_vector_index, load_vector_index, save_vector_index
from qa_service.ingest import corpus_hash
from qa_service.records import Chunk, Document, DocumentMeta, Fact, Page, Region, Section, Table
from qa_service.text.glossary import korean_in_latin, with_english

log = logging.getLogger(__name__)

FORMAT_VERSION = 2  # 2: versioned folders, file checksums in the manifest
# The code that shapes an index: when it changes, an index built by older code is stale.
_PIPELINE_SOURCES = (
    "ingest", "facts", "text", "index/chunking.py", "index/evidence_units.py", "index/lexical.py", "index/store.py",
    "index/vector_index.py", "index/spans.py",
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


# The files of one version folder (the manifest, one level up, points at it).
REQUIRED_FILES = (
    "documents.jsonl", "chunks.jsonl", "tables.jsonl", "facts.jsonl", "aliases.json", "chunks.faiss", "units.json",
    "units.npy", "bm25",
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
    spans: Any = None  # qa_service.index.spans.UnitSpans: parsed at build time; None for an index without them
    # What answering derives from this index once (per passage, per table), never per-question state: a reload
    # brings a new Index and with it an empty dict.
    derived: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

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
        "regions": [[r.kind, r.start, r.end, r.label] for r in doc.regions],
    }


def _doc_from_dict(data: dict, tables: list[Table]) -> Document:
    return Document(
        meta=DocumentMeta.from_dict(data["meta"]),
        text=data["text"],
        pages=tuple(Page(*p) for p in data["pages"]),
        sections=tuple(Section(*s) for s in data["sections"]),
        tables=tuple(tables),
        regions=tuple(Region(*r) for r in data.get("regions", [])),
    )


def titled_text(chunk: Chunk) -> str:
    """A chunk after its section title (unless it opens with it)."""
    if chunk.section and not chunk.text.startswith(chunk.section):
        return f"{chunk.section}\n{chunk.text}"
    return chunk.text


def embedding_text(chunk: Chunk) -> str:
    """What the dense model sees of a chunk: its section title gives it context; a Korean chunk is followed by
    the English of its words and its names romanized (``glossary.korean_in_latin``), as the model reads English
    only. The chunk's sentences keep their offsets after the title."""
    text = titled_text(chunk)
    latin = korean_in_latin(chunk.text)
    return f"{text}\n{latin}" if latin else text


def lexical_text(chunk: Chunk, aliases: Any) -> str:
    """What BM25 indexes of a chunk: section title, text, the other names of what it mentions, and for Korean
    text the English of its words (``glossary.with_english``). Its names' Latin spellings stay out (a Korean
    word's romanized openings would double its length for BM25): the retriever spells an English question's names
    in Hangul instead (``Retriever.korean_spellings``)."""
    text = aliases.expand(titled_text(chunk)) if aliases is not None else titled_text(chunk)
    return with_english(text)


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
    from qa_service.facts import extract_facts
    from qa_service.index.embed_pipeline import embed_cache_dir, prepare_corpus
    from qa_service.text.aliases import mine_aliases

    t0 = time.perf_counter()
    # Streamed: documents are read and parsed while the previous ones are embedded (embed_pipeline.py).
    prepared = prepare_corpus(
        corpus_dir, embedder, chunk_words, chunk_overlap, embed_cache_dir(index_dir), progress, spans=True
    )
    docs, errors, chunks, units = prepared.docs, prepared.errors, prepared.chunks, prepared.units
    if not docs:
        raise EmptyCorpusError(f"nothing in {corpus_dir} could be indexed ({len(errors)} file(s) skipped)")
    chunk_vectors, unit_vectors = prepared.chunk_vectors, prepared.unit_vectors
    aliases = mine_aliases(d.text for d in docs)
    chunks_of: dict[str, list[Chunk]] = {}
    for chunk in chunks:  # grouped once: a scan of every chunk per document made many documents quadratic
        chunks_of.setdefault(chunk.doc_id, []).append(chunk)
    facts = []
    for i, doc in enumerate(docs, 1):
        facts += extract_facts(doc, chunks_of.get(doc.doc_id, []), aliases)
        if progress is not None:
            progress("facts", i, len(docs))
    # "embed" is the time inside the model; reading, parsing, facts (and what overlapped) are "prepare".
    t_embed = time.perf_counter()
    t_prep = t0 + (t_embed - t0 - prepared.timings["embed"])
    t_facts = t_embed - t0 - prepared.timings["wall"]
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
        "embedded": prepared.counts,  # texts the model ran in this build, documents whose vectors were cached
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "timings_s": {
            "total": 0.0,
            "prepare": round(t_prep - t0, 3),
            "embed": round(prepared.timings["embed"], 3),
            # busy seconds of the reader thread (overlapping the embedding), then of the steps after it
            "read_chunk": prepared.timings.get("read", 0.0),
            "parse_spans": prepared.timings.get("parse", 0.0),
            "facts": round(t_facts, 3),
        },
        "documents": [d.meta.to_dict() for d in docs],
    }
    index_dir = Path(index_dir)
    layout.clean_stale(index_dir)
    tmp = layout.temp_folder(index_dir)
    try:
        _write_jsonl(tmp / "documents.jsonl", (_doc_to_dict(d) for d in docs))
        _write_jsonl(tmp / "chunks.jsonl", (c.to_dict() for c in chunks))
        _write_jsonl(tmp / "tables.jsonl", (t.to_dict() for d in docs for t in d.tables))
        _write_jsonl(tmp / "facts.jsonl", (f.to_dict() for f in facts))
        (tmp / "aliases.json").write_text(json.dumps(aliases.to_dict(), ensure_ascii=False), encoding="utf-8")
        save_vector_index(dense, tmp / "chunks.faiss")
        units.save(tmp, unit_vectors)
        prepared.spans.save(tmp / "spans.json")
        lexical.save(tmp / "bm25")
        manifest["files"] = integrity.folder_digests(tmp)
        manifest["version"] = layout.new_version_name(index_dir, integrity.content_digest(manifest["files"]))
        manifest["timings_s"]["total"] = round(time.perf_counter() - t0, 3)
        # The manifest is written last, by the swap: until then the previous index is the one served.
        layout.publish(index_dir, tmp, manifest)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return manifest, errors


def read_manifest(index_dir: Path) -> dict[str, Any] | None:
    """The manifest of the index in ``index_dir``, or None when there is none or it is unreadable."""
    try:
        return _manifest(Path(index_dir))
    except IndexDamagedError:
        return None


def _manifest(index_dir: Path) -> dict[str, Any] | None:
    path = index_dir / layout.MANIFEST
    if not path.exists():
        return None
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise IndexDamagedError(f"{path}: unreadable ({type(exc).__name__}); rebuild the index") from None
    if not isinstance(manifest, dict):
        raise IndexDamagedError(f"{path}: not a JSON object; rebuild the index")
    return manifest


def index_folder(index_dir: Path) -> Path:
    """The folder holding the files of the current index of ``index_dir`` (its manifest names it)."""
    manifest = _manifest(Path(index_dir))
    if manifest is None:
        raise IndexMissingError(f"no index in {index_dir}; run `qa-service ingest` first")
    return layout.version_folder(index_dir, manifest)


def _model_of(manifest: dict[str, Any]) -> tuple[Any, Any, Any]:
    model = manifest.get("model")
    model = model if isinstance(model, dict) else {}
    return model.get("name"), model.get("version"), model.get("dim")


def index_is_current(
    index_dir: Path, corpus_dir: Path, embedder: Embedder, chunk_words: int, chunk_overlap: int
) -> tuple[bool, str]:
    """Whether the index on disk matches the corpus, model and settings and is undamaged (and why not)."""
    index_dir = Path(index_dir)
    try:
        manifest = _manifest(index_dir)
    except IndexDamagedError as exc:
        return False, f"index is damaged: {exc}"
    if manifest is None:
        return False, "no index yet"
    if manifest.get("format_version") != FORMAT_VERSION:
        return False, "index format changed"
    try:
        folder = layout.version_folder(index_dir, manifest)
    except IndexDamagedError as exc:
        return False, f"index is damaged: {exc}"
    if any(not (folder / name).exists() for name in REQUIRED_FILES):
        return False, "index is incomplete"
    name, version, dim = _model_of(manifest)
    if (name, version, dim) != (embedder.name, embedder.version, embedder.dim):
        return False, f"index was built with {name} {version} ({dim}d)"
    if manifest.get("config") != {"chunk_words": chunk_words, "chunk_overlap": chunk_overlap}:
        return False, "chunking settings changed"
    if manifest.get("corpus_hash") != corpus_hash(corpus_dir):
        return False, "corpus changed"
    if manifest.get("pipeline_hash") != pipeline_hash():
        return False, "ingestion code changed"
    vector_dim = (manifest.get("vector_index") or {}).get("dim", dim)
    if vector_dim != dim:
        return False, f"index is damaged: its manifest claims {dim}-d and {vector_dim}-d vectors"
    try:
        integrity.verify_files(folder, manifest.get("files"), REQUIRED_FILES)
    except IndexDamagedError as exc:
        return False, f"index is damaged: {exc}"
    return True, "index is up to date"


def load_index(index_dir: Path, embedder: Embedder, corpus_dir: Path | None = None) -> Index:
    """Load an index, refusing one built with another model or from another corpus, or a damaged one.

    Every refusal is one project exception (IndexMissingError, IndexMismatchError, IndexDamagedError) whose
    message names the file and says what to run, never a parser's traceback.
    """
    index_dir = Path(index_dir)
    manifest = _manifest(index_dir)
    if manifest is None:
        raise IndexMissingError(f"no index in {index_dir}; run `qa-service ingest` first")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise IndexMismatchError(
            f"index format {manifest.get('format_version')} != {FORMAT_VERSION}; run `qa-service ingest --force`"
        )
    folder = layout.version_folder(index_dir, manifest)
    missing = [name for name in REQUIRED_FILES if not (folder / name).exists()]
    if missing:
        raise IndexDamagedError(f"index in {index_dir} is incomplete (missing {', '.join(missing)}); rebuild it")
    name, version, dim = _model_of(manifest)
    if (name, version, dim) != (embedder.name, embedder.version, embedder.dim):
        raise IndexMismatchError(
            f"index was built with {name} {version} ({dim}d) but the service uses "
            f"{embedder.name} {embedder.version} ({embedder.dim}d); run `qa-service ingest --force`"
        )
    if corpus_dir is not None and Path(corpus_dir).is_dir() and manifest.get("corpus_hash") != corpus_hash(corpus_dir):
        raise IndexMismatchError(
            f"index in {index_dir} was built from another version of {corpus_dir}; run `qa-service ingest`"
        )
    integrity.verify_files(folder, manifest.get("files"), REQUIRED_FILES)
    index = _read_index(folder, manifest)
    integrity.check_loaded(index, folder)
    return index


def _read_index(folder: Path, manifest: dict[str, Any]) -> Index:
    """Parse the files of a verified version folder (a parse failure still names its file)."""
    from qa_service.text.aliases import AliasTable

    current = "manifest.json"
    try:
        current = "tables.jsonl"
        tables: dict[str, list[Table]] = {}
        for row in _read_jsonl(folder / current):
            table = Table.from_dict(row)
            tables.setdefault(table.doc_id, []).append(table)
        current = "documents.jsonl"
        documents = {}
        for row in _read_jsonl(folder / current):
            doc_id = row["meta"]["doc_id"]
            documents[doc_id] = _doc_from_dict(row, tables.get(doc_id, []))
        current = "chunks.jsonl"
        chunks = [Chunk.from_dict(r) for r in _read_jsonl(folder / current)]
        current = "chunks.faiss"
        dense = load_vector_index(folder / current, manifest.get("vector_index", {}))
        current = "facts.jsonl"
        facts = [Fact.from_dict(r) for r in _read_jsonl(folder / current)]
        current = "aliases.json"
        aliases = AliasTable.from_dict(json.loads((folder / current).read_text(encoding="utf-8")))
        current = "units.json"
        units = Units.load(folder, len(chunks))
        current = "bm25"
        lexical = LexicalIndex.load(folder / current)
        current = "spans.json"
        spans = UnitSpans.load(folder / current, len(units.chunk_index)) if (folder / current).exists() else None
    except Exception as exc:  # any parser's error on a file whose checksum matched: still one clean line
        raise IndexDamagedError(
            f"{folder / current}: cannot be read ({type(exc).__name__}: {str(exc)[:120]}); rebuild the index"
        ) from None
    return Index(
        manifest=manifest,
        documents=documents,
        chunks=chunks,
        facts=facts,
        aliases=aliases,
        dense=dense,
        units=units,
        lexical=lexical,
        spans=spans,
    )


def vectors_of(index: Index) -> np.ndarray:
    """The chunk vectors held by a flat index (for tests and diagnostics)."""
    return index.dense.reconstruct_n(0, index.dense.ntotal)
