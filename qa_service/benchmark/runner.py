"""The whole benchmark: each section in turn, over temporary indexes, into one results dict.

Sections: ingest, latency, http, scale, stores, cold_start. A section that crashes is recorded in
``results["errors"]`` and the others still run; the report then says the run failed.
"""

from __future__ import annotations

import shutil
import tempfile
import time
import traceback
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from qa_service.config import ROOT, Settings
from qa_service.index.embedding import Embedder, make_embedder
from qa_service.index.store import build_index

SECTIONS = ("ingest", "latency", "http", "scale", "stores", "cold_start")
OTHER_EMBEDDER = {"minilm": "minilm-onnx", "minilm-onnx": "minilm"}
QUERY_METHOD = (
    "a quarter come from eval/questions.jsonl, every other one rewritten (a question word or a noun "
    "swapped for a synonym, or a conversational prefix added); the rest are made from random sentences "
    "of the corpus, alternately a topic question ('What do the documents say about <3-6 of its content "
    "words>?') and a cloze question (up to 12 of its words with one replaced by 'what'). Seeded; see "
    "qa_service/benchmark/synthetic.py."
)


class Plan(NamedTuple):
    """How much of everything: ``QUICK`` is the CI smoke test, ``FULL`` the figures of eval/bench.md."""

    queries: int
    synthetic_documents: int
    pages_per_document: int
    words_per_page: int
    scale_sizes: tuple[int, ...]
    scale_queries: int
    http_workers: tuple[int, ...]
    http_users: tuple[int, ...]
    http_seconds: float
    cold_runs: int
    both_embedders: bool
    latency_budget_s: float
    build_budget_s: float
    store_chunks: int  # synthetic chunks in each store (FAISS + bm25s, Milvus Lite) for the stores section
    store_queries: int  # queries at each concurrency level (1, 8, 32 clients)


QUICK = Plan(50, 5, 10, 120, (10_000,), 200, (1,), (1, 8), 3.0, 1, False, 3.0, 120.0, 2_000, 32)
FULL = Plan(
    500, 20, 100, 250, (100_000, 1_000_000), 1000, (1, 2), (1, 8, 32), 15.0, 3, True, 20.0, 2400.0, 100_000, 320
)


class BenchOptions(NamedTuple):
    quick: bool = False
    skip: frozenset[str] = frozenset()
    scale_sizes: tuple[int, ...] | None = None  # None: the plan's
    questions_path: Path = ROOT / "eval" / "questions.jsonl"


def _section(results: dict[str, Any], name: str, run: Callable[[], Any], say: Callable[[str], None]) -> None:
    t0 = time.perf_counter()
    try:
        results[name] = run()
    except Exception as exc:  # one broken section must not hide the others' figures
        results["errors"][name] = f"{type(exc).__name__}: {exc}"
        say(f"[red]{name} failed[/red]: {type(exc).__name__}: {exc}\n{traceback.format_exc(limit=6)}")
    results["meta"]["section_s"][name] = round(time.perf_counter() - t0, 1)


class Workspace:
    """The run's temporary folder, and the embedders and bundled-corpus indexes made in it (each once)."""

    def __init__(self, settings: Settings, folder: Path) -> None:
        self.settings = settings
        self.folder = folder
        self._embedders: dict[str, Embedder] = {}
        self._indexed: dict[str, Settings] = {}

    def embedder(self, kind: str) -> Embedder:
        if kind not in self._embedders:
            self._embedders[kind] = make_embedder(kind)
        return self._embedders[kind]

    def index_settings(self, kind: str) -> Settings:
        """Settings whose index (of the bundled corpus, with ``kind``) exists in the workspace."""
        if kind not in self._indexed:
            indexed = self.settings.model_copy(update={"embedder": kind, "index_dir": self.folder / f"index-{kind}"})
            if not (indexed.index_dir / "manifest.json").exists():
                s = self.settings
                build_index(s.corpus_dir, indexed.index_dir, self.embedder(kind), s.chunk_words, s.chunk_overlap)
            self._indexed[kind] = indexed
        return self._indexed[kind]


def run_bench(settings: Settings, options: BenchOptions, say: Callable[[str], None] = print) -> dict[str, Any]:
    """Run every section not in ``options.skip``; the results as one JSON-ready dict."""
    from qa_service.benchmark.ingest_bench import bench_ingest
    from qa_service.benchmark.stats import load_average, machine
    from qa_service.benchmark.synthetic import corpus_sentences, make_queries

    unknown = set(options.skip) - set(SECTIONS)
    if unknown:
        raise ValueError(f"unknown section(s) {', '.join(sorted(unknown))}; use {', '.join(SECTIONS)}")
    plan = QUICK if options.quick else FULL
    if options.scale_sizes:
        plan = plan._replace(scale_sizes=tuple(options.scale_sizes))
    t_start = time.perf_counter()
    results: dict[str, Any] = {
        "meta": {
            **machine(),
            "quick": options.quick,
            "embedder": settings.embedder,
            "skipped": sorted(options.skip),
            "plan": plan._asdict(),
            "settings": {k: str(v) for k, v in settings.model_dump().items()},
            "section_s": {},
            "notes": [
                "The machine was shared with other jobs during this run (see the load averages), so the timings "
                "are noisy; the CPU-bound figures would be better on an idle machine.",
            ],
        },
        "errors": {},
    }
    ws = Workspace(settings, Path(tempfile.mkdtemp(prefix="qa-bench-")))
    try:
        kind = settings.embedder
        say(f"ingest: the bundled corpus with {kind}")
        bundled = bench_ingest(
            settings.corpus_dir,
            ws.folder / f"index-{kind}",
            ws.embedder(kind),
            settings,
            label="bundled",
            compare_before="ingest" not in options.skip,
        )
        sentences = corpus_sentences(settings.corpus_dir)
        queries = make_queries(options.questions_path, sentences, plan.queries)
        kinds = [kind, OTHER_EMBEDDER[kind]] if plan.both_embedders and kind in OTHER_EMBEDDER else [kind]
        sections = {
            "ingest": lambda: _ingest(ws, bundled, sentences, plan, say),
            "latency": lambda: _latency(ws, kinds, queries, plan, say),
            "cold_start": lambda: _cold(ws, kinds, queries[0].text, plan, say),
            "http": lambda: _http(ws, [q.text for q in queries], plan, say),
            "scale": lambda: _scale(ws, plan, say),
            "stores": lambda: _stores(ws, sentences, plan, say),
        }
        for name, run in sections.items():
            if name not in options.skip:
                _section(results, name, run, say)
    finally:
        shutil.rmtree(ws.folder, ignore_errors=True)
    results["meta"]["duration_s"] = round(time.perf_counter() - t_start, 1)
    results["meta"]["load_average_at_end"] = load_average()
    return results


def _ingest(ws: Workspace, bundled: dict, sentences: list[str], plan: Plan, say) -> dict[str, Any]:
    from qa_service.benchmark.ingest_bench import bench_ingest
    from qa_service.benchmark.synthetic import write_pdf_corpus

    t0 = time.perf_counter()
    corpus = write_pdf_corpus(
        ws.folder / "synthetic", sentences, plan.synthetic_documents, plan.pages_per_document, plan.words_per_page
    )
    generation = {
        "documents": corpus.documents,
        "pages_per_document": plan.pages_per_document,
        "pages": corpus.pages,
        "words": corpus.words,
        "seconds": round(time.perf_counter() - t0, 2),
    }
    say(f"ingest: synthetic corpus of {corpus.pages} pages ({corpus.words:,} words)")
    index_dir = ws.folder / "index-synthetic"
    synthetic = bench_ingest(
        corpus.path, index_dir, ws.embedder(ws.settings.embedder), ws.settings, "synthetic", compare_before=True
    )
    shutil.rmtree(index_dir, ignore_errors=True)
    shutil.rmtree(corpus.path, ignore_errors=True)
    say(f"ingest: {synthetic['pages']} pages in {synthetic['seconds']} s ({synthetic['pages_per_s']} pages/s)")
    from qa_service.benchmark.ingest_bench import LARGE_DOCUMENT_MB, bench_large_document

    mb = LARGE_DOCUMENT_MB["quick" if plan is QUICK else "full"]
    large = bench_large_document(ws.folder / "large", sentences, mb, ws.settings)
    say(f"ingest: one {large['megabytes']} MB document, pre-embedding stages in {large['pre_embedding_s']} s")
    return {"bundled": bundled, "synthetic": {**synthetic, "generation": generation}, "large_document": large}


def _latency(ws: Workspace, kinds: list[str], queries: list, plan: Plan, say) -> dict[str, Any]:
    from qa_service.benchmark.baseline import bench_baseline, raw_texts
    from qa_service.benchmark.latency import bench_embedders, bench_service
    from qa_service.service import QAService

    texts = [q.text for q in queries]
    out: dict[str, Any] = {
        "queries": {"n": len(queries), "kinds": dict(Counter(q.kind for q in queries)), "method": QUERY_METHOD},
        "service": {},
        "baseline": {},
    }
    for kind in kinds:
        service = QAService.open(ws.index_settings(kind), ws.embedder(kind))
        out["service"][kind] = bench_service(service, texts)
        ask = out["service"][kind]["ask"]["wall"]
        say(f"latency: ask with {kind}: p50 {ask['p50']} ms, p95 {ask['p95']} ms")
    embedders = {kind: ws.embedder(kind) for kind in kinds}
    if "minilm-onnx" in embedders:
        from qa_service.index.onnx_embedding import OnnxMiniLMEmbedder

        embedders["minilm-onnx, 1 thread"] = OnnxMiniLMEmbedder(threads=1)
    out["embedders"] = bench_embedders(embedders, texts)
    corpus_texts = raw_texts(ws.settings.corpus_dir)
    # The issue asks for the torch baseline next to an ONNX service; the quick run keeps to one model.
    torch_too = plan.both_embedders and "minilm-onnx" in kinds and "minilm" not in kinds
    for kind in [*kinds, "minilm"] if torch_too else kinds:
        baseline, out["baseline"][kind] = bench_baseline(corpus_texts, ws.embedder(kind), texts)
        if kind == ws.settings.embedder:
            baseline.save(ws.folder / "baseline", kind)
        say(f"latency: naive baseline with {kind}: p50 {out['baseline'][kind]['wall']['p50']} ms")
    return out


def _cold(ws: Workspace, kinds: list[str], question: str, plan: Plan, say) -> dict[str, Any]:
    from qa_service.benchmark.baseline import NaiveBaseline, raw_texts
    from qa_service.benchmark.cold_start import cold_start_baseline, cold_start_cli, cold_start_server

    out: dict[str, Any] = {"question": question, "cli": {}}
    for kind in kinds:
        out["cli"][kind] = cold_start_cli(ws.index_settings(kind), question, plan.cold_runs)
        say(f"cold start: qa-service ask with {kind}: {out['cli'][kind]['median_s']} s")
    kind = ws.settings.embedder
    out["server"] = cold_start_server(ws.index_settings(kind), question, ws.folder, plan.cold_runs)
    say(f"cold start: server: {out['server']['median_s']} s")
    if not (ws.folder / "baseline").exists():
        NaiveBaseline.build(raw_texts(ws.settings.corpus_dir), ws.embedder(kind)).save(ws.folder / "baseline", kind)
    out["baseline"] = cold_start_baseline(ws.folder / "baseline", question, plan.cold_runs)
    return out


def _http(ws: Workspace, texts: list[str], plan: Plan, say) -> dict[str, Any]:
    from qa_service.benchmark.http_load import bench_http

    settings = ws.index_settings(ws.settings.embedder)
    return bench_http(settings, texts, ws.folder / "http", plan.http_workers, plan.http_users, plan.http_seconds, say)


def _scale(ws: Workspace, plan: Plan, say) -> dict[str, Any]:
    from qa_service.benchmark.scale import bench_scale

    # Real sentence embeddings of the bundled corpus seed the synthetic clusters.
    from qa_service.index.store import index_folder

    seeds = np.load(index_folder(ws.index_settings(ws.settings.embedder).index_dir) / "units.npy")
    return bench_scale(
        plan.scale_sizes,
        int(ws.embedder(ws.settings.embedder).dim),
        seeds,
        plan.scale_queries,
        latency_budget_s=plan.latency_budget_s,
        build_budget_s=plan.build_budget_s,
        say=say,
    )


def _stores(ws: Workspace, sentences: list[str], plan: Plan, say) -> dict[str, Any]:
    from qa_service.benchmark.stores import CLIENTS, bench_stores
    from qa_service.index.store import index_folder

    seeds = np.load(index_folder(ws.index_settings(ws.settings.embedder).index_dir) / "units.npy")
    dim = int(ws.embedder(ws.settings.embedder).dim)
    return bench_stores(plan.store_chunks, dim, seeds, sentences, plan.store_queries, CLIENTS, say=say)
