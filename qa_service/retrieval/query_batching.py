"""Micro-batching of query embeddings across concurrent requests.

A server answers many questions at once; embedding each one alone leaves most
of the model's per-call cost unshared. ``QueryBatcher`` wraps an embedder so
that single-text calls made at the same time from different threads are run
as one batch: the first caller becomes the leader and embeds every query that
is waiting (its own included), the others wait for their row. A caller alone
is embedded at once, so a single request pays no added latency: nothing waits
for a batch to fill.

Batching does not change the vectors beyond float rounding: the model masks
padding in attention and pooling (the benchmark and a test check the cosine).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

import numpy as np

from qa_service.index.embedding import Embedder


class _Pending:
    __slots__ = ("done", "error", "text", "vector")

    def __init__(self, text: str) -> None:
        self.text = text
        self.vector: np.ndarray | None = None
        self.error: BaseException | None = None
        self.done = False


class QueryBatcher:
    """An ``Embedder`` whose single-text ``encode`` calls are batched with concurrent ones."""

    def __init__(self, embedder: Embedder, max_batch: int = 16) -> None:
        if max_batch < 1:
            raise ValueError(f"max_batch must be at least 1, not {max_batch}")
        self.inner = embedder
        self.name = embedder.name
        self.version = embedder.version
        self.dim = embedder.dim
        self.max_batch = max_batch
        self._cond = threading.Condition()
        self._waiting: list[_Pending] = []
        self._busy = False
        self.batches = 0  # calls made to the inner embedder for single texts
        self.queries = 0  # single texts embedded through them

    def encode(self, texts: Sequence[str], batch_size: int = 32, progress: bool = False) -> np.ndarray:
        if len(texts) != 1:  # a caller's own batch (indexing) goes straight through
            return self.inner.encode(texts, batch_size=batch_size, progress=progress)
        mine = _Pending(texts[0])
        with self._cond:
            self._waiting.append(mine)
            while not mine.done and self._busy:
                self._cond.wait()
            if mine.done:
                return self._result(mine)
            # Nobody is embedding: lead a batch of this caller's query and the oldest others waiting.
            self._busy = True
            self._waiting.remove(mine)
            batch = [mine, *self._waiting[: self.max_batch - 1]]
            del self._waiting[: self.max_batch - 1]
        try:
            vectors = self.inner.encode([p.text for p in batch], batch_size=len(batch))
            for pending, vector in zip(batch, vectors, strict=True):
                pending.vector = vector[None, :]
        except BaseException as exc:  # every waiter gets the error, not a hang
            for pending in batch:
                pending.error = exc
        with self._cond:
            for pending in batch:
                pending.done = True
            self.batches += 1
            self.queries += len(batch)
            self._busy = False
            self._cond.notify_all()
        return self._result(mine)

    @staticmethod
    def _result(pending: _Pending) -> np.ndarray:
        if pending.error is not None:
            raise pending.error
        assert pending.vector is not None
        return pending.vector
