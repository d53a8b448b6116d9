"""The index on Milvus: the same corpus, chunks, vectors and BM25 as the embedded store, in collections.

``QA_STORE=milvus`` and ``QA_MILVUS_URI``: a local path ending in ``.db`` is Milvus Lite (pymilvus starts it
in-process), ``http://host:19530`` a Milvus Standalone or Distributed cluster (``QA_MILVUS_TOKEN`` if it
needs one). One build of an index is three collections, named ``{QA_MILVUS_COLLECTION}_{kind}_{build}``:

* ``chunks``: chunk id (primary key), position, document id, year (-1 when unknown), section, first page
  (-1 without pages), start/end offsets, text, the dense vector (inner product) and ``terms``, the chunk's
  analysed terms (lexical.analyze over the alias-expanded text, one token each), which Milvus' built-in
  BM25 function turns into the ``sparse`` field. Feeding Milvus our own analysed terms keeps BM25 on both
  stores the same: same stemming, stop words, numbers and Hangul bigrams, same k1/b.
* ``units``: the evidence units (sentences, table rows) with their chunk, offsets and vectors.
* ``catalog``: the manifest and what answering reads in memory (documents, chunks, tables, facts, aliases,
  term statistics) as JSON pieces.

The build id is a digest of the corpus, pipeline, model and settings, so a build that was interrupted is
resumed (rows already written are skipped, the rest upserted by chunk id) and an unchanged index is kept.
The served index is the alias ``{QA_MILVUS_COLLECTION}``, switched to the new catalog only after all three
collections are complete: readers see the old build or the new one, never half of one.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from qa_service import __version__
from qa_service.errors import EmptyCorpusError, IndexMismatchError, IndexMissingError, StoreUnavailableError
from qa_service.index.embedding import Embedder
from qa_service.index.evidence_units import Units, _offsets
from qa_service.records import Chunk, Fact, Table

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
BATCH = 256  # rows per upsert
PIECE_CHARS = 15_000  # catalog pieces: VARCHAR(65535) holds this many characters of any UTF-8
TEXT_CHARS = 15_000  # chunk text kept in the collection (the catalog holds the whole chunk)
BM25_K1, BM25_B = 1.5, 0.75  # bm25s' defaults (lexical.py), so both stores score alike
CONNECT_TIMEOUT_S = 5.0
_NON_TOKEN = re.compile(r"[^0-9a-z가-힣]")


def bm25_token(term: str) -> str:
    """An analysed term as one token of Milvus' standard analyzer ("r&d" -> "rx26d", "2.5" -> "2x2e5")."""
    return _NON_TOKEN.sub(lambda m: f"x{ord(m.group()):x}", term)


def bm25_text(terms: Iterable[str]) -> str:
    return " ".join(bm25_token(t) for t in terms) or "xempty"


# -- connecting -------------------------------------------------------------------------------------------
def connect(uri: str, token: str = ""):
    """A MilvusClient for ``uri``, or StoreUnavailableError naming the URI."""
    from pymilvus import MilvusClient

    try:
        client = MilvusClient(uri=uri, token=token or "", timeout=CONNECT_TIMEOUT_S)
        client.list_collections()
    except Exception as exc:
        reason = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        raise StoreUnavailableError(
            f"cannot reach Milvus at {uri} ({reason}); check QA_MILVUS_URI (a local *.db path for Milvus Lite, "
            f"or http://host:19530) and QA_MILVUS_TOKEN"
        ) from None
    return client


def _names(prefix: str, build: str) -> dict[str, str]:
    return {kind: f"{prefix}_{kind}_{build}" for kind in ("chunks", "units", "catalog")}


def build_id(corpus_hash: str, pipeline: str, embedder: Embedder, chunk_words: int, chunk_overlap: int) -> str:
    key = json.dumps([FORMAT_VERSION, corpus_hash, pipeline, embedder.name, embedder.version, embedder.dim,
                      chunk_words, chunk_overlap])  # fmt: skip
    return hashlib.sha256(key.encode()).hexdigest()[:12]


# -- schema -----------------------------------------------------------------------------------------------
def _create_chunks(client, name: str, dim: int, lite: bool) -> None:
    from pymilvus import DataType, Function, FunctionType

    s = client.create_schema(auto_id=False)
    s.add_field("chunk_id", DataType.VARCHAR, is_primary=True, max_length=512)
    s.add_field("pos", DataType.INT64)
    s.add_field("doc_id", DataType.VARCHAR, max_length=512)
    s.add_field("year", DataType.INT64)
    s.add_field("section", DataType.VARCHAR, max_length=2048)
    s.add_field("page", DataType.INT64)
    s.add_field("start", DataType.INT64)
    s.add_field("end", DataType.INT64)
    s.add_field("text", DataType.VARCHAR, max_length=65535)
    s.add_field(
        "terms", DataType.VARCHAR, max_length=65535, enable_analyzer=True, analyzer_params={"tokenizer": "standard"}
    )
    s.add_field("dense", DataType.FLOAT_VECTOR, dim=dim)
    s.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
    s.add_function(
        Function(
            name="bm25", function_type=FunctionType.BM25, input_field_names=["terms"], output_field_names=["sparse"]
        )
    )
    idx = client.prepare_index_params()
    # Exact search, as the embedded store's flat index below 20k chunks; a cluster gets HNSW (M=32, as FAISS).
    if lite:
        idx.add_index("dense", index_type="FLAT", metric_type="IP")
    else:
        idx.add_index("dense", index_type="HNSW", metric_type="IP", params={"M": 32, "efConstruction": 80})
    idx.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25",
                  params={"bm25_k1": BM25_K1, "bm25_b": BM25_B})  # fmt: skip
    idx.add_index("pos", index_type="INVERTED")
    client.create_collection(name, schema=s, index_params=idx)


def _create_units(client, name: str, dim: int) -> None:
    from pymilvus import DataType

    s = client.create_schema(auto_id=False)
    s.add_field("unit", DataType.INT64, is_primary=True)
    s.add_field("chunk_pos", DataType.INT64)
    s.add_field("start", DataType.INT64)
    s.add_field("end", DataType.INT64)
    s.add_field("vector", DataType.FLOAT_VECTOR, dim=dim)
    idx = client.prepare_index_params()
    idx.add_index("vector", index_type="FLAT", metric_type="IP")
    client.create_collection(name, schema=s, index_params=idx)


def _create_catalog(client, name: str) -> None:
    from pymilvus import DataType

    s = client.create_schema(auto_id=False)
    s.add_field("key", DataType.VARCHAR, is_primary=True, max_length=256)
    s.add_field("data", DataType.VARCHAR, max_length=65535)
    s.add_field("stub", DataType.FLOAT_VECTOR, dim=2)  # Milvus wants a vector field in every collection
    idx = client.prepare_index_params()
    idx.add_index("stub", index_type="FLAT", metric_type="L2")
    client.create_collection(name, schema=s, index_params=idx)


def _is_lite(uri: str) -> bool:
    return not re.match(r"^(https?|tcp|grpc|unix)://", uri)


# -- writing ----------------------------------------------------------------------------------------------
def _existing(client, name: str, field: str) -> set:
    out: set = set()
    client.load_collection(name)
    it = client.query_iterator(name, batch_size=4096, filter="", output_fields=[field])
    try:
        while batch := it.next():
            out.update(r[field] for r in batch)
    finally:
        it.close()
    return out


def _batches(rows: list[dict], size: int) -> Iterator[list[dict]]:
    for i in range(0, len(rows), size):
        yield rows[i : i + size]


def _upsert(client, name: str, rows: list[dict], desc: str, show: bool) -> None:
    batches: Iterable[list[dict]] = _batches(rows, BATCH)
    if show:
        from tqdm import tqdm

        batches = tqdm(batches, total=-(-len(rows) // BATCH), desc=desc, unit="batch")
    for batch in batches:
        client.upsert(name, batch)


def _pieces(key: str, text: str) -> list[dict]:
    parts = [text[i : i + PIECE_CHARS] for i in range(0, len(text), PIECE_CHARS)] or [""]
    return [{"key": f"{key}/{i:06d}", "data": p, "stub": [0.0, 0.0]} for i, p in enumerate(parts)]


def build_milvus_index(
    settings, embedder: Embedder, client=None, progress: bool = False, force: bool = False
) -> tuple[dict[str, Any], bool]:
    """Build (or resume, or keep) the index of ``settings.corpus_dir`` on Milvus; (manifest, built)."""
    from qa_service.facts import extract_facts
    from qa_service.index.embed_pipeline import embed_cache_dir, prepare_corpus
    from qa_service.index.lexical import analyze
    from qa_service.index.store import _doc_to_dict, lexical_text, pipeline_hash
    from qa_service.ingest import corpus_hash
    from qa_service.text.aliases import mine_aliases

    client = client or connect(settings.milvus_uri, settings.milvus_token)
    prefix = settings.milvus_collection
    t0 = time.perf_counter()
    build = build_id(
        corpus_hash(settings.corpus_dir), pipeline_hash(), embedder, settings.chunk_words, settings.chunk_overlap
    )
    current = _served_manifest(client, prefix)
    if current and current.get("build") == build and not force:
        return current, False
    names = _names(prefix, build)
    if force:
        for name in names.values():
            if client.has_collection(name) and (not current or name not in current["collections"].values()):
                client.drop_collection(name)
    # The embedded store's cache: keyed by model and texts, so either store reuses the other's vectors.
    cache = embed_cache_dir(settings.index_dir)
    prepared = prepare_corpus(settings.corpus_dir, embedder, settings.chunk_words, settings.chunk_overlap, cache, None)
    docs, chunks, units = prepared.docs, prepared.chunks, prepared.units
    if not docs:
        raise EmptyCorpusError(f"nothing in {settings.corpus_dir} could be indexed")
    t_embed = time.perf_counter()
    aliases = mine_aliases(d.text for d in docs)
    facts = [f for d in docs for f in extract_facts(d, [c for c in chunks if c.doc_id == d.doc_id], aliases)]
    year = {d.doc_id: d.meta.year for d in docs}
    terms = [analyze(lexical_text(c, aliases)) or ["__empty__"] for c in chunks]
    df: dict[str, int] = {}
    for ts in terms:
        for t in set(ts):
            df[t] = df.get(t, 0) + 1
    lite = _is_lite(settings.milvus_uri)
    if not client.has_collection(names["chunks"]):
        _create_chunks(client, names["chunks"], int(embedder.dim), lite)
    if not client.has_collection(names["units"]):
        _create_units(client, names["units"], int(embedder.dim))
    done = _existing(client, names["chunks"], "chunk_id")  # resumed: what an interrupted build wrote
    rows = [
        {
            "chunk_id": c.chunk_id, "pos": i, "doc_id": c.doc_id,
            "year": year.get(c.doc_id) if year.get(c.doc_id) is not None else -1,
            "section": (c.section or "")[:500], "page": c.page_start if c.page_start is not None else -1,
            "start": c.start, "end": c.end, "text": c.text[:TEXT_CHARS], "terms": bm25_text(terms[i]),
            "dense": prepared.chunk_vectors[i].tolist(),
        }
        for i, c in enumerate(chunks) if c.chunk_id not in done
    ]  # fmt: skip
    _upsert(client, names["chunks"], rows, "milvus chunks", progress)
    done_units = _existing(client, names["units"], "unit")
    urows = [
        {"unit": u, "chunk_pos": int(units.chunk_index[u]), "start": int(units.start[u]), "end": int(units.end[u]),
         "vector": prepared.unit_vectors[u].tolist()}
        for u in range(len(units.chunk_index)) if u not in done_units
    ]  # fmt: skip
    _upsert(client, names["units"], urows, "milvus units", progress)
    manifest = {
        "format_version": FORMAT_VERSION,
        "store": "milvus",
        "service_version": __version__,
        "build": build,
        "collections": names,
        "model": {"name": embedder.name, "version": embedder.version, "dim": int(embedder.dim)},
        "corpus_hash": corpus_hash(settings.corpus_dir),
        "pipeline_hash": pipeline_hash(),
        "config": {"chunk_words": settings.chunk_words, "chunk_overlap": settings.chunk_overlap},
        "counts": {
            "documents": len(docs), "chunks": len(chunks), "tables": sum(len(d.tables) for d in docs),
            "facts": len(facts), "evidence_units": len(units.chunk_index), "skipped_files": len(prepared.errors),
            "resumed_chunks": len(done),
        },
        "vector_index": {"type": "FLAT" if lite else "HNSW", "metric": "IP", "vectors": len(chunks), "dim": int(embedder.dim)},
        "bm25": {"k1": BM25_K1, "b": BM25_B},
        "documents": [d.meta.to_dict() for d in docs],
    }  # fmt: skip
    catalog = {
        "documents": "\n".join(json.dumps(_doc_to_dict(d), ensure_ascii=False) for d in docs),
        "tables": "\n".join(json.dumps(t.to_dict(), ensure_ascii=False) for d in docs for t in d.tables),
        "chunks": "\n".join(json.dumps(c.to_dict(), ensure_ascii=False) for c in chunks),
        "facts": "\n".join(json.dumps(f.to_dict(), ensure_ascii=False) for f in facts),
        "aliases": json.dumps(aliases.to_dict(), ensure_ascii=False),
        "terms": json.dumps({"num_docs": len(chunks), "df": df}, ensure_ascii=False),
    }
    if client.has_collection(names["catalog"]):
        client.drop_collection(names["catalog"])  # rewritten whole: it is small, and the manifest goes last
    _create_catalog(client, names["catalog"])
    for key, text in catalog.items():
        _upsert(client, names["catalog"], _pieces(key, text), f"milvus {key}", False)
    manifest["timings_s"] = {
        "total": round(time.perf_counter() - t0, 3),
        "embed": prepared.timings["embed"],
        "prepare": round(t_embed - t0 - prepared.timings["embed"], 3),
    }
    client.upsert(names["catalog"], _pieces("manifest", json.dumps(manifest, ensure_ascii=False)))
    client.flush(names["chunks"])
    client.flush(names["units"])
    client.flush(names["catalog"])
    _switch_alias(client, prefix, names["catalog"])
    if current and current.get("build") != build:
        for name in current.get("collections", {}).values():
            if client.has_collection(name):
                client.drop_collection(name)
    return manifest, True


def _alias_exists(client, alias: str) -> bool:
    # pymilvus logs a traceback for every failed call; a missing alias is an expected answer here.
    quiet = logging.getLogger("pymilvus.decorators")
    level, quiet.level = quiet.level, logging.CRITICAL
    try:
        client.describe_alias(alias)
        return True
    except Exception:
        return False
    finally:
        quiet.setLevel(level)


def _switch_alias(client, alias: str, collection: str) -> None:
    """Point ``alias`` at ``collection``: one atomic step for readers."""
    if _alias_exists(client, alias):
        client.alter_alias(collection, alias)
    else:
        client.create_alias(collection, alias)


# -- reading ----------------------------------------------------------------------------------------------
def _read_pieces(client, collection: str, key: str) -> str:
    client.load_collection(collection)  # a collection persisted by another process starts released
    rows = client.query(collection, filter=f'key like "{key}/%"', output_fields=["key", "data"], limit=16384)
    return "".join(r["data"] for r in sorted(rows, key=lambda r: r["key"]))


def _served_manifest(client, prefix: str) -> dict[str, Any] | None:
    if not _alias_exists(client, prefix):
        return None
    try:
        text = _read_pieces(client, prefix, "manifest")
    except Exception:
        return None
    return json.loads(text) if text else None


class TermStats:
    """Document frequencies of the chunks' analysed terms: what answering asks of the lexical index."""

    def __init__(self, df: dict[str, int], num_docs: int) -> None:
        self._df = df
        self.num_docs = num_docs
        self._vocab = df
        self._cache: dict[str, str | None] = {}

    def known(self, term: str) -> bool:
        return term in self._df

    def vocabulary(self) -> Iterable[str]:
        """Every indexed term."""
        return self._df.keys()

    def idf(self, term: str) -> float:
        df = self._df.get(term)
        if df is None:
            return 0.0
        return float(np.log(1 + (self.num_docs - df + 0.5) / (df + 0.5)))

    def closest(self, term: str) -> str | None:
        """The same spelling correction as LexicalIndex.closest, over this vocabulary."""
        from qa_service.index.lexical import LexicalIndex

        if term not in self._cache:
            self._cache[term] = LexicalIndex._closest.__wrapped__(self, term)  # type: ignore[attr-defined]
        return self._cache[term]


@dataclass
class MilvusIndex:
    """A loaded Milvus index: the catalog in memory (as the embedded Index), the vectors and BM25 in Milvus."""

    manifest: dict[str, Any]
    documents: dict[str, Any]
    chunks: list[Chunk]
    facts: list[Fact]
    aliases: Any
    units: Units
    lexical: TermStats
    client: Any
    collections: dict[str, str]
    derived: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)  # as Index.derived

    @property
    def tables(self) -> dict[str, Table]:
        return {t.table_id: t for d in self.documents.values() for t in d.tables}


def load_milvus_index(settings, embedder: Embedder, client=None) -> MilvusIndex:
    """Load the served Milvus index, refusing one built with another model or dimension."""
    from qa_service.index.store import _doc_from_dict
    from qa_service.text.aliases import AliasTable

    client = client or connect(settings.milvus_uri, settings.milvus_token)
    prefix = settings.milvus_collection
    manifest = _served_manifest(client, prefix)
    if manifest is None:
        raise IndexMissingError(
            f"no index {prefix!r} on Milvus at {settings.milvus_uri}; run `qa-service ingest --store milvus` first"
        )
    if manifest.get("format_version") != FORMAT_VERSION:
        raise IndexMismatchError(
            f"Milvus index format {manifest.get('format_version')} != {FORMAT_VERSION}; rebuild it"
        )
    model = manifest["model"]
    if (model["name"], model["version"], model["dim"]) != (embedder.name, embedder.version, embedder.dim):
        raise IndexMismatchError(
            f"Milvus index {prefix!r} was built with {model['name']} {model['version']} ({model['dim']}d) but the "
            f"service uses {embedder.name} {embedder.version} ({embedder.dim}d); run `qa-service ingest --store milvus --force`"
        )
    names = manifest["collections"]
    cat = names["catalog"]

    def lines(key: str) -> list[dict]:
        return [json.loads(x) for x in _read_pieces(client, cat, key).split("\n") if x.strip()]

    tables: dict[str, list[Table]] = {}
    for row in lines("tables"):
        t = Table.from_dict(row)
        tables.setdefault(t.doc_id, []).append(t)
    documents = {}
    for row in lines("documents"):
        documents[row["meta"]["doc_id"]] = _doc_from_dict(row, tables.get(row["meta"]["doc_id"], []))
    chunks = [Chunk.from_dict(r) for r in lines("chunks")]
    terms = json.loads(_read_pieces(client, cat, "terms"))
    units = _load_units(client, names["units"], len(chunks), int(embedder.dim))
    for name in (names["chunks"], names["units"]):
        client.load_collection(name)
    return MilvusIndex(
        manifest=manifest,
        documents=documents,
        chunks=chunks,
        facts=[Fact.from_dict(r) for r in lines("facts")],
        aliases=AliasTable.from_dict(json.loads(_read_pieces(client, cat, "aliases"))),
        units=units,
        lexical=TermStats(terms["df"], terms["num_docs"]),
        client=client,
        collections=names,
    )


def _load_units(client, name: str, n_chunks: int, dim: int) -> Units:
    rows: list[dict] = []
    client.load_collection(name)
    it = client.query_iterator(
        name, batch_size=4096, filter="", output_fields=["unit", "chunk_pos", "start", "end", "vector"]
    )
    try:
        while batch := it.next():
            rows.extend(batch)
    finally:
        it.close()
    rows.sort(key=lambda r: r["unit"])
    chunk_index = np.asarray([r["chunk_pos"] for r in rows], dtype=np.int32)
    vectors = np.asarray([r["vector"] for r in rows], dtype=np.float32).reshape(len(rows), dim)
    return Units(
        chunk_index=chunk_index,
        start=np.asarray([r["start"] for r in rows], dtype=np.int64),
        end=np.asarray([r["end"] for r in rows], dtype=np.int64),
        offsets=_offsets(chunk_index, n_chunks),
        vectors=vectors,
    )
