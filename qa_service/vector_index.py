"""The FAISS index over chunk vectors, its type chosen by corpus size.

Small corpora get an exact flat index. From ``HNSW_FROM`` vectors on, an HNSW
graph answers in a fraction of the time; its recall@10 against exact search
was measured at >= 0.95 by ``qa-service bench`` (see eval/bench.md) at the
parameters below, which are recorded in the manifest.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

HNSW_FROM = 50_000
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 96


def choose_index_type(n: int) -> str:
    """'flat' for exact search on small corpora, 'hnsw' beyond ``HNSW_FROM`` vectors."""
    return "flat" if n < HNSW_FROM else "hnsw"


def build_vector_index(vectors: np.ndarray, kind: str | None = None) -> tuple[Any, dict[str, Any]]:
    """An inner-product index over L2-normalised ``vectors`` and a description for the manifest."""
    import faiss

    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    n, dim = vectors.shape
    kind = kind or choose_index_type(n)
    if kind == "flat":
        index = faiss.IndexFlatIP(dim)
        info: dict[str, Any] = {"type": "flat"}
    elif kind == "hnsw":
        index = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        index.hnsw.efSearch = HNSW_EF_SEARCH
        info = {"type": "hnsw", "M": HNSW_M, "ef_construction": HNSW_EF_CONSTRUCTION, "ef_search": HNSW_EF_SEARCH}
    else:
        raise ValueError(f"unknown vector index type {kind!r}; use 'flat' or 'hnsw'")
    if n:
        index.add(vectors)
    info.update({"vectors": int(n), "dim": int(dim)})
    return index, info


def save_vector_index(index: Any, path: Path) -> None:
    import faiss

    faiss.write_index(index, str(path))


def load_vector_index(path: Path, info: dict[str, Any]) -> Any:
    import faiss

    index = faiss.read_index(str(path))
    if info.get("type") == "hnsw":
        index.hnsw.efSearch = int(info.get("ef_search", HNSW_EF_SEARCH))
    return index
