"""The embedding half of ingest, streamed: read -> chunk -> units -> embed, one document at a time.

What makes it fast (``qa-service bench`` shows the figure beside the old one):

* every evidence sentence is embedded **once** (duplicates from chunk overlap are dropped); a chunk's vector
  can be pooled from its sentence vectors (``CHUNK_VECTORS = "pooled"``), but that lost more retrieval than
  the eval allows, so by default the chunk text is embedded (a chunk without units is embedded either way);
* a chunk that is one sentence reuses that sentence's vector;
* the texts of several documents (up to ``EMBED_POOL``) are embedded in one call, so the embedder sorts them
  by length together and pads each batch only to its longest (onnx_embedding.py);
* reading and parsing the next documents runs in a thread while the current one is embedded (onnxruntime
  releases the GIL), through a small bounded queue, so memory holds a few documents' texts, not the corpus's;
* the vectors of each document go to an on-disk cache keyed by the model and the exact texts, so an ingest
  that was interrupted resumes where it stopped, and a rebuild re-embeds only the documents that changed.
"""

from __future__ import annotations

import hashlib
import logging
import queue
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from qa_service.errors import IngestError
from qa_service.index.chunking import chunk_document
from qa_service.index.embedding import Embedder
from qa_service.index.evidence_units import Units, _offsets, build_units
from qa_service.ingest.corpus import corpus_files, load_document, load_manifest
from qa_service.records import Chunk, Document

log = logging.getLogger(__name__)

# "embedded": the chunk text is embedded itself; "pooled": a chunk's vector is the normalised mean of its
# sentence vectors, ~3x faster to ingest but measured on eval/questions.jsonl (minilm-onnx) it cost 6 points
# of full-mode Recall@1 (0.616 -> 0.558) and 10 of dense Recall@5 (0.838 -> 0.741), over the 1-point budget.
CHUNK_VECTORS = "embedded"
READ_AHEAD = 4  # documents parsed ahead of the embedder
EMBED_POOL = 2048  # texts of several documents embedded in one call (sorted by length together)


@dataclass
class Prepared:
    """A corpus read, chunked and embedded: what the stores write."""

    docs: list[Document]
    errors: list[IngestError]
    chunks: list[Chunk]
    units: Units
    chunk_vectors: np.ndarray
    unit_vectors: np.ndarray
    timings: dict[str, float] = field(default_factory=dict)  # wall, embed (inside the model), cached docs


def _chunk_text(chunk: Chunk) -> str:
    from qa_service.index.store import embedding_text

    return embedding_text(chunk)


def _read(
    corpus_dir: Path, chunk_words: int, chunk_overlap: int
) -> Iterator[tuple[Document, list[Chunk]] | IngestError]:
    manifest = load_manifest(corpus_dir)
    for file in corpus_files(corpus_dir):
        try:
            doc = load_document(file, manifest.get(file.doc_id))
        except IngestError as exc:
            log.warning("skipped %s: %s", file.path.name, exc.reason)
            yield exc
            continue
        except Exception as exc:  # a reader bug must not sink the whole corpus
            log.warning("skipped %s: unexpected %s: %s", file.path.name, type(exc).__name__, exc)
            yield IngestError(str(file.path), f"unexpected {type(exc).__name__}: {exc}")
            continue
        yield doc, chunk_document(doc, chunk_words, chunk_overlap)


def _read_ahead(items: Iterator, size: int) -> Iterator:
    """Run ``items`` in a thread, ``size`` items ahead of the consumer."""
    q: queue.Queue = queue.Queue(maxsize=size)
    done = object()

    def produce() -> None:
        try:
            for item in items:
                q.put(item)
        except BaseException as exc:  # re-raised in the consumer
            q.put(exc)
        q.put(done)

    threading.Thread(target=produce, name="ingest-reader", daemon=True).start()
    while (item := q.get()) is not done:
        if isinstance(item, BaseException) and not isinstance(item, IngestError):
            raise item
        yield item


class EmbedCache:
    """Vectors of one document's texts, one ``.npy`` file per (model, texts) key."""

    def __init__(self, folder: Path | None, embedder: Embedder) -> None:
        self.folder = Path(folder) if folder else None
        self._model = f"{embedder.name}\x00{embedder.version}\x00{embedder.dim}\x00{CHUNK_VECTORS}"
        self.used: set[str] = set()

    def key(self, texts: list[str]) -> str:
        digest = hashlib.sha256(self._model.encode())
        for text in texts:
            digest.update(b"\x00" + text.encode())
        return digest.hexdigest()[:32]

    def get(self, key: str) -> np.ndarray | None:
        self.used.add(key)
        if self.folder is None or not (path := self.folder / f"{key}.npy").exists():
            return None
        try:
            return np.load(path, allow_pickle=False)
        except (OSError, ValueError):
            return None  # a file cut short by a crash: embed again

    def put(self, key: str, vectors: np.ndarray) -> None:
        if self.folder is None:
            return
        self.folder.mkdir(parents=True, exist_ok=True)  # made with the first vectors, not before
        tmp = self.folder / f".{key}.tmp.npy"
        np.save(tmp, vectors, allow_pickle=False)
        tmp.replace(self.folder / f"{key}.npy")

    def prune(self) -> None:
        """Drop the vectors of documents that are no longer in the corpus."""
        if self.folder is None:
            return
        for path in self.folder.glob("*.npy"):
            if path.stem not in self.used:
                path.unlink(missing_ok=True)


@dataclass
class _Planned:
    """One document waiting for its vectors: what to embed, and where each vector goes."""

    doc: Document
    chunks: list[Chunk]
    units: Units
    texts: list[str]  # distinct texts: unique unit texts, then the chunks that need their own vector
    unit_rows: list[int]  # row in ``texts`` of each unit
    chunk_rows: list[int]  # row of each chunk's vector (-1: pooled from its units)
    key: str
    vectors: np.ndarray | None  # from the cache, or filled by the pooled embedding


def plan_document(doc: Document, chunks: list[Chunk], cache: EmbedCache) -> _Planned:
    """The texts of ``doc`` to embed, each once.

    A sentence repeated by chunk overlap is one text; a chunk that is a single sentence takes that sentence's
    vector instead of embedding the same words again; with ``CHUNK_VECTORS = "pooled"`` every chunk with
    units takes the mean of its sentence vectors.
    """
    units = build_units(chunks, {doc.doc_id: doc})
    row: dict[str, int] = {}
    for t in units.embed_texts:
        row.setdefault(t, len(row))
    unit_rows = [row[t] for t in units.embed_texts]
    pooled = CHUNK_VECTORS == "pooled"
    chunk_rows = []
    for i, chunk in enumerate(chunks):
        lo, hi = int(units.offsets[i]), int(units.offsets[i + 1])
        if pooled and hi > lo:
            chunk_rows.append(-1)
        elif hi - lo == 1 and (int(units.start[lo]), int(units.end[lo])) == (chunk.start, chunk.end):
            chunk_rows.append(unit_rows[lo])  # the chunk is its one sentence
        else:
            chunk_rows.append(row.setdefault(_chunk_text(chunk), len(row)))
    texts = list(row)
    key = cache.key(texts)
    vectors = cache.get(key)
    if vectors is not None and len(vectors) != len(texts):
        vectors = None
    units.embed_texts = []
    return _Planned(doc, chunks, units, texts, unit_rows, chunk_rows, key, vectors)


def finish_document(p: _Planned, dim: int) -> tuple[Units, np.ndarray, np.ndarray]:
    """The units of a planned document and its chunk and unit vectors (once ``p.vectors`` is filled)."""
    vectors = p.vectors if p.vectors is not None else np.zeros((0, dim), np.float32)
    unit_vectors = vectors[p.unit_rows] if p.unit_rows else np.zeros((0, dim), np.float32)
    chunk_vectors = np.zeros((len(p.chunks), dim), dtype=np.float32)
    for i, r in enumerate(p.chunk_rows):
        if r >= 0:
            chunk_vectors[i] = vectors[r]
        else:
            lo, hi = int(p.units.offsets[i]), int(p.units.offsets[i + 1])
            chunk_vectors[i] = unit_vectors[lo:hi].mean(axis=0)
    chunk_vectors /= np.maximum(np.linalg.norm(chunk_vectors, axis=1, keepdims=True), 1e-12)
    return p.units, chunk_vectors, np.ascontiguousarray(unit_vectors, dtype=np.float32)


def embed_planned(planned: list[_Planned], embedder: Embedder, cache: EmbedCache) -> float:
    """Embed the texts of every planned document without vectors in one call; the seconds in the model.

    One call over several documents lets the embedder sort all their texts by length together, so its
    batches are fuller and pad less than one document's texts alone would.
    """
    todo = [p for p in planned if p.vectors is None]
    texts = [t for p in todo for t in p.texts]
    if not texts:
        for p in todo:
            p.vectors = np.zeros((0, embedder.dim), np.float32)
        return 0.0
    t0 = time.perf_counter()
    vectors = embedder.encode(texts)
    seconds = time.perf_counter() - t0
    lo = 0
    for p in todo:
        p.vectors = vectors[lo : lo + len(p.texts)]
        lo += len(p.texts)
        cache.put(p.key, p.vectors)
    return seconds


def embed_document(
    doc: Document, chunks: list[Chunk], embedder: Embedder, cache: EmbedCache
) -> tuple[Units, np.ndarray, np.ndarray, float]:
    """Units of ``doc`` and the vectors of its chunks and units; the seconds spent in the model."""
    planned = plan_document(doc, chunks, cache)
    seconds = embed_planned([planned], embedder, cache)
    return (*finish_document(planned, int(embedder.dim)), seconds)


def prepare_corpus(
    corpus_dir: Path,
    embedder: Embedder,
    chunk_words: int = 120,
    chunk_overlap: int = 1,
    cache_dir: Path | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> Prepared:
    """Read, chunk and embed every document of ``corpus_dir``, streaming a few documents at a time.

    Documents wait in a pool until it holds ``EMBED_POOL`` texts to embed (or the corpus ends), then are
    embedded together: memory holds at most the pool's texts, whatever the size of the corpus.
    """
    t0 = time.perf_counter()
    cache = EmbedCache(cache_dir, embedder)
    dim = int(embedder.dim)
    docs: list[Document] = []
    errors: list[IngestError] = []
    chunks: list[Chunk] = []
    unit_parts: list[Units] = []
    chunk_vecs: list[np.ndarray] = []
    unit_vecs: list[np.ndarray] = []
    embed_s = 0.0
    pool: list[_Planned] = []
    bar = None
    total = len(corpus_files(Path(corpus_dir))) if progress is not None else 0
    if progress is not None and sys.stderr.isatty():
        from tqdm import tqdm

        bar = tqdm(total=total, desc="ingest", unit="doc")

    def flush() -> None:
        nonlocal embed_s
        embed_s += embed_planned(pool, embedder, cache)
        for p in pool:
            units, cv, uv = finish_document(p, dim)
            units.chunk_index = units.chunk_index + len(chunks)
            docs.append(p.doc)
            chunks.extend(p.chunks)
            unit_parts.append(units)
            chunk_vecs.append(cv)
            unit_vecs.append(uv)
        pool.clear()

    for done, item in enumerate(_read_ahead(_read(Path(corpus_dir), chunk_words, chunk_overlap), READ_AHEAD), 1):
        if bar is not None:
            bar.update(1)
        if progress is not None:  # off a terminal too: a line every few seconds (the CLI's ProgressLog)
            progress("read+embed", done - 1, total)
        if isinstance(item, IngestError):
            errors.append(item)
            continue
        pool.append(plan_document(*item, cache))
        if sum(len(p.texts) for p in pool if p.vectors is None) >= EMBED_POOL:
            flush()
    flush()
    if bar is not None:
        bar.close()
    cache.prune()
    chunk_index = (
        np.concatenate([u.chunk_index for u in unit_parts]).astype(np.int32) if unit_parts else np.zeros(0, np.int32)
    )
    units = Units(
        chunk_index=chunk_index,
        start=np.concatenate([u.start for u in unit_parts]) if unit_parts else np.zeros(0, np.int64),
        end=np.concatenate([u.end for u in unit_parts]) if unit_parts else np.zeros(0, np.int64),
        offsets=_offsets(chunk_index, len(chunks)),
    )
    return Prepared(
        docs=docs,
        errors=errors,
        chunks=chunks,
        units=units,
        chunk_vectors=np.vstack(chunk_vecs) if chunk_vecs else np.zeros((0, dim), np.float32),
        unit_vectors=np.vstack(unit_vecs) if unit_vecs else np.zeros((0, dim), np.float32),
        timings={"wall": round(time.perf_counter() - t0, 3), "embed": round(embed_s, 3)},
    )


def embed_cache_dir(index_dir: Path) -> Path:
    """Where the vectors of an index's documents are cached between (and during) builds."""
    index_dir = Path(index_dir)
    return index_dir.parent / f".{index_dir.name}.embed-cache"
