"""The naive baseline: fixed 150-word chunks, one embedding each, FAISS flat, the top chunk is the answer.

It is what a weekend RAG prototype does, with the same embedder as the service so the comparison is
about the pipeline, not the model. ``python -m qa_service.benchmark.baseline DIR QUESTION`` loads a
saved baseline and answers once (the cold-start baseline).
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from qa_service.benchmark.stats import summary
from qa_service.index.embedding import Embedder, make_embedder

CHUNK_WORDS = 150


def raw_texts(corpus_dir: Path) -> list[str]:
    """The corpus files' text as the readers return it, without cleaning (readable files only)."""
    from qa_service.errors import IngestError
    from qa_service.ingest import corpus_files
    from qa_service.ingest.readers import read_pages

    out = []
    for file in corpus_files(Path(corpus_dir)):
        try:
            out.append("\n".join(read_pages(file.path)))
        except IngestError:
            continue
    return out


class NaiveBaseline:
    """Fixed-size word windows in a flat inner-product index."""

    def __init__(self, chunks: list[str], vectors: np.ndarray, embedder: Embedder) -> None:
        import faiss

        self.chunks = chunks
        self.embedder = embedder
        self.index = faiss.IndexFlatIP(vectors.shape[1])
        self.index.add(np.ascontiguousarray(vectors, dtype=np.float32))

    @classmethod
    def build(cls, texts: Sequence[str], embedder: Embedder, words: int = CHUNK_WORDS) -> NaiveBaseline:
        chunks = []
        for text in texts:
            tokens = text.split()
            chunks += [" ".join(tokens[i : i + words]) for i in range(0, len(tokens), words)]
        return cls(chunks, embedder.encode(chunks), embedder)

    def ask(self, question: str) -> tuple[str, dict[str, float]]:
        """The top chunk and the time each stage took (ms)."""
        t0 = time.perf_counter()
        vector = self.embedder.encode([question])
        t1 = time.perf_counter()
        _scores, ids = self.index.search(vector, 1)
        t2 = time.perf_counter()
        return self.chunks[int(ids[0][0])], {"embed": (t1 - t0) * 1000, "dense": (t2 - t1) * 1000}

    def save(self, folder: Path, embedder_kind: str) -> None:
        import faiss

        folder.mkdir(parents=True, exist_ok=True)
        faiss.write_index(self.index, str(folder / "chunks.faiss"))
        (folder / "chunks.json").write_text(json.dumps(self.chunks, ensure_ascii=False), encoding="utf-8")
        (folder / "meta.json").write_text(json.dumps({"embedder": embedder_kind}), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> NaiveBaseline:
        import faiss

        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        self = cls.__new__(cls)
        self.chunks = json.loads((folder / "chunks.json").read_text(encoding="utf-8"))
        self.embedder = make_embedder(meta["embedder"])
        self.index = faiss.read_index(str(folder / "chunks.faiss"))
        return self


def bench_baseline(
    texts: Sequence[str], embedder: Embedder, queries: Sequence[str], warmup: int = 10
) -> tuple[NaiveBaseline, dict[str, Any]]:
    """Build the baseline over ``texts`` and time ``queries`` through it."""
    t0 = time.perf_counter()
    baseline = NaiveBaseline.build(texts, embedder)
    build_s = time.perf_counter() - t0
    for q in queries[:warmup]:
        baseline.ask(q)
    walls, stages = [], {"embed": [], "dense": []}
    for q in queries:
        t = time.perf_counter()
        _text, timings = baseline.ask(q)
        walls.append((time.perf_counter() - t) * 1000)
        for name, value in timings.items():
            stages[name].append(value)
    return baseline, {
        "embedder": embedder.name,
        "chunk_words": CHUNK_WORDS,
        "chunks": len(baseline.chunks),
        "build_s": round(build_s, 3),
        "wall": summary(walls),
        "stages": {name: summary(values) for name, values in stages.items()},
    }


def main(argv: list[str]) -> int:
    folder, question = Path(argv[0]), argv[1]
    print(NaiveBaseline.load(folder).ask(question)[0][:200])
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
