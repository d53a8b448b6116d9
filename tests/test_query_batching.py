"""QueryBatcher: concurrent single-query calls share one embedding call, each caller gets its own row."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from qa_service.index.embedding import HashEmbedder
from qa_service.retrieval.query_batching import QueryBatcher


class SlowEmbedder(HashEmbedder):
    """The hashing embedder, slowed down, recording the size of every call."""

    def __init__(self, delay: float = 0.05, fail_on: str | None = None) -> None:
        super().__init__()
        self.delay = delay
        self.fail_on = fail_on
        self.calls: list[int] = []
        self._lock = threading.Lock()

    def encode(self, texts, batch_size=32, progress=False):
        with self._lock:
            self.calls.append(len(texts))
        time.sleep(self.delay)
        if self.fail_on is not None and self.fail_on in texts:
            raise RuntimeError("model crashed")
        return super().encode(texts, batch_size, progress)


def _concurrently(batcher: QueryBatcher, texts: list[str]) -> tuple[dict[str, np.ndarray], dict[str, Exception]]:
    results: dict[str, np.ndarray] = {}
    errors: dict[str, Exception] = {}
    start = threading.Barrier(len(texts))

    def run(text: str) -> None:
        start.wait()
        try:
            results[text] = batcher.encode([text])
        except Exception as exc:
            errors[text] = exc

    threads = [threading.Thread(target=run, args=(t,)) for t in texts]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert not any(t.is_alive() for t in threads), "a caller hung"
    return results, errors


def test_a_lone_query_is_embedded_at_once_and_unchanged():
    inner = SlowEmbedder(delay=0.0)
    batcher = QueryBatcher(inner)
    out = batcher.encode(["cluster budget"])
    assert out.shape == (1, inner.dim)
    np.testing.assert_array_equal(out, HashEmbedder().encode(["cluster budget"]))
    assert inner.calls == [1]
    assert (batcher.name, batcher.version, batcher.dim) == (inner.name, inner.version, inner.dim)


def test_concurrent_queries_share_calls_and_each_gets_its_own_vector():
    inner = SlowEmbedder(delay=0.05)
    batcher = QueryBatcher(inner, max_batch=16)
    texts = [f"question number {i} about clusters" for i in range(12)]
    results, errors = _concurrently(batcher, texts)
    assert not errors and set(results) == set(texts)
    reference = HashEmbedder().encode(texts)
    for i, text in enumerate(texts):
        np.testing.assert_allclose(results[text][0], reference[i], rtol=1e-6)
    assert sum(inner.calls) == 12
    assert len(inner.calls) < 12, f"no call was shared: {inner.calls}"
    assert batcher.queries == 12 and batcher.batches == len(inner.calls)


def test_batches_never_exceed_max_batch():
    inner = SlowEmbedder(delay=0.03)
    batcher = QueryBatcher(inner, max_batch=3)
    texts = [f"q{i}" for i in range(10)]
    results, errors = _concurrently(batcher, texts)
    assert not errors and len(results) == 10
    assert max(inner.calls) <= 3 and sum(inner.calls) == 10


def test_an_error_reaches_every_caller_of_the_batch_and_the_batcher_recovers():
    inner = SlowEmbedder(delay=0.05, fail_on="bad")
    batcher = QueryBatcher(inner)
    results, errors = _concurrently(batcher, ["bad", *[f"good {i}" for i in range(5)]])
    assert "bad" in errors and isinstance(errors["bad"], RuntimeError)
    assert set(results) | set(errors) == {"bad", *[f"good {i}" for i in range(5)]}
    inner.fail_on = None
    assert batcher.encode(["after the crash"]).shape == (1, inner.dim)


def test_a_batch_of_texts_goes_straight_through():
    inner = SlowEmbedder(delay=0.0)
    batcher = QueryBatcher(inner)
    out = batcher.encode(["a", "b", "c"], batch_size=2)
    assert out.shape == (3, inner.dim) and inner.calls == [3]
    assert batcher.batches == 0


def test_max_batch_is_validated():
    with pytest.raises(ValueError, match="max_batch"):
        QueryBatcher(HashEmbedder(), max_batch=0)


@pytest.mark.model
def test_batching_keeps_the_real_models_vectors():
    """Padding is masked, so a query embedded in a batch of others gets the vector it gets alone."""
    from qa_service.index.embedding import make_embedder

    model = make_embedder("minilm-onnx")
    texts = ["How many companies do Korea's 30 industrial complexes host?", "RIS", "When was land development "
             "in the Daedeok Science Town completed, and which ministry drew up its master plan?"]  # fmt: skip
    alone = np.vstack([model.encode([t]) for t in texts])
    together = model.encode(texts, batch_size=len(texts))
    assert float(np.min(np.sum(alone * together, axis=1))) > 0.9999
