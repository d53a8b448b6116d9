"""The two stores side by side at N synthetic chunks: ingest rate and search latency under concurrency.

Both stores get the same rows: vectors from ``VectorMixture`` (clusters around real corpus embeddings) and,
for BM25, a sentence of the corpus analysed into terms. The embedded store is what ``build_index`` makes
(a FAISS index of the size's automatic type, and bm25s over the terms); the Milvus store is the chunks
collection of ``milvus_store.py`` (same schema, same upsert batches) on Milvus Lite. Search is what the
retriever sends for one question: a dense search of ``CANDIDATES`` neighbours, and a BM25 search. Each
concurrency level runs the same queries from that many client threads; every query's latency is kept.
"""

from __future__ import annotations

import logging
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from qa_service.benchmark.stats import summary
from qa_service.benchmark.synthetic import VectorMixture

CANDIDATES = 30  # the retriever's dense and BM25 candidate count (Settings.candidates)
CLIENTS = (1, 8, 32)


def _concurrent(search: Callable[[int], Any], n_queries: int, clients: int) -> dict[str, Any]:
    """Run queries 0..n-1 from ``clients`` threads; latency percentiles (ms) and throughput."""

    def one(i: int) -> float:
        t = time.perf_counter()
        search(i)
        return (time.perf_counter() - t) * 1000

    with ThreadPoolExecutor(clients) as pool:
        t0 = time.perf_counter()
        times = list(pool.map(one, range(n_queries)))
        wall = time.perf_counter() - t0
    return {**summary(times), "qps": round(n_queries / wall, 1)}


def _latencies(searches: dict[str, Callable[[int], Any]], n_queries: int, clients: Sequence[int], say, label: str):
    out: dict[str, Any] = {}
    for kind, search in searches.items():
        search(0)  # warm: first-call costs (loading, caches) are not latency
        out[kind] = {}
        for c in clients:
            out[kind][str(c)] = r = _concurrent(search, n_queries, c)
            say(f"stores: {label} {kind} at {c} client(s): p50 {r['p50']} ms, p95 {r['p95']} ms, {r['qps']} q/s")
    return out


def _rows(n: int, sentences: Sequence[str], seed: int = 7) -> list[list[str]]:
    from qa_service.index.lexical import analyze

    terms = [analyze(s) or ["empty"] for s in sentences] or [["empty"]]
    rng = np.random.default_rng(seed)
    return [terms[int(i)] for i in rng.integers(0, len(terms), n)]


def bench_faiss(vectors: np.ndarray, terms: list[list[str]], queries: np.ndarray, qterms, clients, say) -> dict:
    """The embedded store: FAISS index (the automatic type for this size) and bm25s, built and searched."""
    from qa_service.index.lexical import LexicalIndex
    from qa_service.index.vector_index import QUERY_THREADS, build_vector_index, choose_index_type, omp_threads

    n = len(vectors)
    kind = choose_index_type(n)
    t0 = time.perf_counter()
    index, info = build_vector_index(vectors, kind)
    vector_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    lexical = LexicalIndex.build([" ".join(t) for t in terms])
    lexical_s = time.perf_counter() - t0
    say(f"stores: FAISS {kind} over {n:,} chunks in {vector_s:.1f} s, bm25s in {lexical_s:.1f} s")

    def dense(i: int) -> Any:
        return index.search(queries[i % len(queries)][None, :], CANDIDATES)

    def bm25(i: int) -> Any:
        scores = lexical.scores(qterms[i % len(qterms)])
        return np.argpartition(-scores, CANDIDATES)[:CANDIDATES]

    with omp_threads(QUERY_THREADS):  # one thread per query, as the service searches
        search = _latencies({"dense": dense, "bm25": bm25}, len(queries), clients, say, "FAISS")
    seconds = vector_s + lexical_s
    return {
        "store": "faiss",
        "index": {k: v for k, v in info.items() if k not in {"vectors", "dim"}},
        "ingest": {
            "vector_index_s": round(vector_s, 2),
            "bm25_s": round(lexical_s, 2),
            "seconds": round(seconds, 2),
            "chunks_per_s": round(n / seconds, 1),
        },
        "search_ms": search,
    }


def bench_milvus(
    vectors: np.ndarray, terms: list[list[str]], queries: np.ndarray, qterms, clients, say, uri: str
) -> dict:
    """The Milvus store: the chunks collection on ``uri``, upserted in the store's batches, then searched."""
    from qa_service.index.milvus_store import BATCH, _create_chunks, _is_lite, bm25_text, connect

    logging.getLogger("pymilvus").setLevel(logging.CRITICAL)
    # Milvus Lite's gRPC adapter logs a traceback for each AllocTimestamp the client asks after an upsert
    # (not implemented in Lite, and harmless): thousands of lines in a 100k-row run.
    logging.getLogger("grpc._server").setLevel(logging.CRITICAL)
    client = connect(uri)
    name = f"bench_{int(time.time())}"
    lite = _is_lite(uri)
    n = len(vectors)
    try:
        _create_chunks(client, name, vectors.shape[1], lite=lite)
        t0 = time.perf_counter()
        for lo in range(0, n, BATCH):
            rows = [
                {
                    "chunk_id": f"c{j:08d}",
                    "pos": j,
                    "doc_id": f"d{j // 50}",
                    "year": 2000 + j % 25,
                    "section": "",
                    "page": -1,
                    "start": 0,
                    "end": 1,
                    "text": "",
                    "terms": bm25_text(terms[j]),
                    "dense": vectors[j].tolist(),
                }
                for j in range(lo, min(n, lo + BATCH))
            ]
            client.upsert(name, rows)
        upsert_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        client.flush(name)
        client.load_collection(name)
        flush_s = time.perf_counter() - t0
        seconds = upsert_s + flush_s
        say(f"stores: Milvus ({'Lite' if lite else uri}) {n:,} chunks upserted in {upsert_s:.1f} s")

        def dense(i: int) -> Any:
            q = queries[i % len(queries)]
            return client.search(
                name, data=[q.tolist()], anns_field="dense", limit=CANDIDATES, output_fields=["pos"],
                search_params={"metric_type": "IP"},
            )  # fmt: skip

        def bm25(i: int) -> Any:
            return client.search(
                name, data=[bm25_text(qterms[i % len(qterms)])], anns_field="sparse", limit=CANDIDATES,
                output_fields=["pos"], search_params={"metric_type": "BM25"},
            )  # fmt: skip

        search = _latencies({"dense": dense, "bm25": bm25}, len(queries), clients, say, "Milvus")
    finally:
        try:
            client.drop_collection(name)
        finally:
            client.close()
    return {
        "store": "milvus",
        "uri": "Milvus Lite (local file)" if lite else uri,
        "index": {"type": "FLAT" if lite else "HNSW", "sparse": "SPARSE_INVERTED_INDEX (BM25)"},
        "ingest": {
            "upsert_s": round(upsert_s, 2),
            "flush_and_load_s": round(flush_s, 2),
            "seconds": round(seconds, 2),
            "chunks_per_s": round(n / seconds, 1),
            "batch": BATCH,
        },
        "search_ms": search,
    }


def bench_stores(
    n: int,
    dim: int,
    seeds: np.ndarray | None,
    sentences: Sequence[str],
    n_queries: int = 200,
    clients: Sequence[int] = CLIENTS,
    milvus_uri: str | None = None,
    say: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Both stores at ``n`` synthetic chunks; Milvus Lite in a temporary folder unless ``milvus_uri``."""
    mixture = VectorMixture(dim, seeds, centres=int(min(4000, max(10, n // 25))), spread=0.04, seed=n)
    vectors = mixture.sample(n, seed=1)
    queries = mixture.sample(n_queries, seed=2)
    terms = _rows(n, sentences)
    qterms = [t[:8] for t in _rows(n_queries, sentences, seed=8)]
    out: dict[str, Any] = {
        "chunks": n,
        "dim": dim,
        "queries": n_queries,
        "candidates": CANDIDATES,
        "clients": list(clients),
        "stores": {},
    }
    out["stores"]["faiss"] = bench_faiss(vectors, terms, queries, qterms, clients, say)
    with tempfile.TemporaryDirectory(prefix="qa-bench-milvus-") as folder:
        uri = milvus_uri or str(Path(folder) / "bench.db")
        out["stores"]["milvus"] = bench_milvus(vectors, terms, queries, qterms, clients, say, uri)
    return out
