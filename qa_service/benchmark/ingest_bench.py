"""Ingest throughput: documents, pages and chunks per second through the real index build."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from qa_service.benchmark.stats import PeakMemory
from qa_service.config import Settings
from qa_service.index.embedding import Embedder

# Ingest rate before the streamed, length-sorted, embed-once pipeline (embed_pipeline.py): eval/bench.md of
# 2026-12-01 on this 2-core machine (3 bundled documents; 20 synthetic PDFs of 100 pages).
CHUNKS_PER_S_BEFORE = {"bundled": 10.1, "synthetic": 10.8}


def _pages(index_dir: Path) -> int:
    """Pages of the indexed documents (a text file, which has no page breaks, counts as one)."""
    from qa_service.index.store import index_folder

    with (index_folder(index_dir) / "documents.jsonl").open(encoding="utf-8") as fh:
        return sum(max(1, len(json.loads(line)["pages"])) for line in fh if line.strip())


def bench_ingest(
    corpus_dir: Path, index_dir: Path, embedder: Embedder, settings: Settings, label: str | None = None
) -> dict[str, Any]:
    """Build the index of ``corpus_dir`` into ``index_dir`` and time it.

    The embedder is warmed first, so loading the model is not counted as ingestion. Peak memory is the
    resident set of this process, sampled every 10 ms during the build.
    """
    from qa_service.index.store import build_index

    embedder.encode(["warm-up"])
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
        "texts_embedded": counts["chunks"] + counts["evidence_units"],
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
        "peak_rss_mb": round(memory.peak_mb, 1),
        "peak_rss_increase_mb": round(memory.peak_delta_mb, 1),
        "vector_index": manifest["vector_index"],
    }
