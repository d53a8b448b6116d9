"""The FAISS index over chunk vectors, its type chosen by corpus size.

Small corpora get an exact flat index. From ``HNSW_FROM`` vectors on, an HNSW
graph answers in a fraction of the time; an IVF index (``kind="ivf"``) is the
option that builds faster. An approximate index is calibrated when it is
built: its search breadth (HNSW ``efSearch``, IVF ``nprobe``) is raised until
recall@10 against exact search reaches ``CALIBRATION_RECALL`` on a sample of
perturbed corpus vectors, and the parameters and the measured recall go into
the manifest.

Measured by ``qa-service bench`` on 2 cores (eval/bench.md), 384-d clustered
vectors, one query at a time: flat search costs ~1.1 ms per 10k vectors (111
ms at 1M). At 1M, HNSW (M=32, efConstruction=80, calibrated efSearch=192)
built in ~270-300 s and answered in 0.66-0.83 ms p50 at recall@10 0.98; IVF
(nlist=4096, nprobe=12) built in ~70 s and answered in ~1.1 ms at 0.98. At
100k, where clusters overlap more, IVF needed nprobe=128 (2.6 ms) for 0.97
while HNSW took 0.38 ms at 0.975, so HNSW is the automatic choice.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

# Flat search of one query costs ~1 ms per 10k vectors on one core: beyond 20k an approximate index pays.
HNSW_FROM = 20_000
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 64  # the starting point of calibration
IVF_NPROBE = 8
CALIBRATION_RECALL = 0.96  # a margin over the 0.95 guard for the sampling error of 200 queries
CALIBRATION_QUERIES = 200
# Calibration queries are corpus vectors moved to cosine ~0.6 of where they were (noise of norm 1.33), about
# how close a question is to its best passage; nearer queries overstate recall.
CALIBRATION_NOISE = 1.33
EF_SEARCH_STEPS = (16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512)
NPROBE_STEPS = (1, 2, 4, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256)
KINDS = ("flat", "hnsw", "ivf")
# One query is one request: spreading it over OpenMP threads made single-query flat search 5-40x slower on
# the 2-core benchmark machine under load (threads spin waiting for each other), so the loaded index
# searches with one thread; concurrent requests use the other cores.
QUERY_THREADS = 1


def choose_index_type(n: int) -> str:
    """'flat' for exact search on small corpora, 'hnsw' from ``HNSW_FROM`` vectors on."""
    return "flat" if n < HNSW_FROM else "hnsw"


def ivf_nlist(n: int) -> int:
    """IVF lists for ``n`` vectors: the power of two nearest 4 * sqrt(n), with >= 39 training vectors each."""
    nlist = 2 ** round(math.log2(max(4 * math.sqrt(max(n, 1)), 1)))
    return int(max(1, min(nlist, 65536, n // 39)))


@contextlib.contextmanager
def omp_threads(n: int) -> Iterator[None]:
    """Run the block with ``n`` OpenMP threads in FAISS, restoring the previous count after."""
    import faiss

    before = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(n)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(before)


def build_vector_index(
    vectors: np.ndarray, kind: str | None = None, calibrate: bool = True
) -> tuple[Any, dict[str, Any]]:
    """An inner-product index over L2-normalised ``vectors`` and a description for the manifest."""
    import faiss

    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    n, dim = vectors.shape
    kind = kind or choose_index_type(n)
    if kind not in KINDS:
        raise ValueError(f"unknown vector index type {kind!r}; use one of {', '.join(KINDS)}")
    info: dict[str, Any] = {"type": kind}
    with omp_threads(os.cpu_count() or 1):
        if kind == "flat":
            index = faiss.IndexFlatIP(dim)
        elif kind == "hnsw":
            index = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
            index.hnsw.efSearch = HNSW_EF_SEARCH
            info.update({"M": HNSW_M, "ef_construction": HNSW_EF_CONSTRUCTION, "ef_search": HNSW_EF_SEARCH})
        else:
            nlist = ivf_nlist(n)
            index = faiss.IndexIVFFlat(faiss.IndexFlatIP(dim), dim, nlist, faiss.METRIC_INNER_PRODUCT)
            index.cp.niter = 10  # k-means converges enough for routing; 25 (the default) doubles the build
            if n:
                sample = np.random.default_rng(0).choice(n, size=min(n, 40 * nlist), replace=False)
                index.train(vectors[np.sort(sample)])
            index.nprobe = min(IVF_NPROBE, nlist)
            info.update({"nlist": nlist, "nprobe": int(index.nprobe)})
        if n:
            index.add(vectors)
    if kind != "flat" and calibrate and n:
        info.update(calibrate_search(index, vectors, kind))
    info.update({"vectors": int(n), "dim": int(dim)})
    return index, info


def set_search_breadth(index: Any, kind: str, value: int) -> None:
    """Set HNSW ``efSearch`` or IVF ``nprobe``."""
    if kind == "hnsw":
        index.hnsw.efSearch = int(value)
    elif kind == "ivf":
        index.nprobe = int(value)


def recall_at(found: np.ndarray, exact: np.ndarray) -> float:
    """Mean share of the exact neighbours (rows of ``exact``) that ``found`` retrieved."""
    hits = sum(len(set(f[f >= 0].tolist()) & set(e[e >= 0].tolist())) for f, e in zip(found, exact, strict=True))
    total = int((exact >= 0).sum())
    return hits / total if total else 1.0


def calibrate_search(
    index: Any, vectors: np.ndarray, kind: str, target: float = CALIBRATION_RECALL, queries: int = CALIBRATION_QUERIES
) -> dict[str, Any]:
    """Raise the search breadth until recall@10 on perturbed corpus vectors reaches ``target``.

    The queries are sampled corpus vectors moved to cosine ~0.6 of where they were (``CALIBRATION_NOISE``),
    so a query is near, not on, its source. Returns what the manifest records (the chosen breadth and the measured recall).
    """
    import faiss

    n, dim = vectors.shape
    rng = np.random.default_rng(1)
    pick = rng.choice(n, size=min(n, queries), replace=False)
    q = vectors[pick] + rng.normal(0, CALIBRATION_NOISE / math.sqrt(dim), (len(pick), dim)).astype(np.float32)
    q /= np.maximum(np.linalg.norm(q, axis=1, keepdims=True), 1e-12)
    k = min(10, n)
    with omp_threads(os.cpu_count() or 1):
        _d, exact = faiss.knn(q, vectors, k, metric=faiss.METRIC_INNER_PRODUCT)
        name = "ef_search" if kind == "hnsw" else "nprobe"
        steps = EF_SEARCH_STEPS if kind == "hnsw" else [p for p in NPROBE_STEPS if p <= index.nlist]
        recall, value = 0.0, steps[0]
        for value in steps:
            set_search_breadth(index, kind, value)
            _d, found = index.search(q, k)
            recall = recall_at(found, exact)
            if recall >= target:
                break
        else:
            log.warning("%s index reached recall@10 %.3f < %.2f at %s=%s", kind, recall, target, name, value)
    return {name: int(value), "recall_at_10": round(recall, 4), "calibration_queries": len(q)}


def save_vector_index(index: Any, path: Path) -> None:
    import faiss

    faiss.write_index(index, str(path))


def load_vector_index(path: Path, info: dict[str, Any]) -> Any:
    """Read the index and set the search breadth the manifest recorded."""
    import faiss

    index = faiss.read_index(str(path))
    kind = info.get("type")
    if kind == "hnsw":
        set_search_breadth(index, kind, int(info.get("ef_search", HNSW_EF_SEARCH)))
    elif kind == "ivf":
        set_search_breadth(index, kind, int(info.get("nprobe", IVF_NPROBE)))
    faiss.omp_set_num_threads(QUERY_THREADS)
    return index
