"""The whole benchmark: each section in turn, over temporary indexes, into one results dict.

Sections: ingest, latency, http, scale, cold_start. A section that crashes is recorded in
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

SECTIONS = ("ingest", "latency", "http", "scale", "cold_start")
OTHER_EMBEDDER = {"minilm": "minilm-onnx", "minilm-onnx": "minilm"}
QUERY_METHOD = (
    "a quarter are questions of eval/questions.jsonl (as written, then rewritten: a question word or a "
    "noun swapped for a synonym, a conversational prefix added); the rest are made from random sentences "
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


QUICK = Plan(50, 5, 10, 120, (10_000,), 200, (1,), (1, 8), 3.0, 1, False, 3.0, 120.0)
FULL = Plan(500, 20, 100, 250, (100_000, 1_000_000), 1000, (1, 2), (1, 8, 32), 15.0, 3, True, 20.0, 2400.0)


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


def _open_service(settings: Settings, embedder: Any) -> Any:
    from qa_service.service import QAService

    return QAService.open(settings, embedder)


def run_bench(settings: Settings, options: BenchOptions, say: Callable[[str], None] = print) -> dict[str, Any]:
    """Run every section not in ``options.skip``; the results as one JSON-ready dict."""
    from qa_service.benchmark.ingest_bench import bench_ingest
    from qa_service.benchmark.stats import load_average, machine
    from qa_service.benchmark.synthetic import corpus_sentences, make_queries
    from qa_service.embedding import make_embedder

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
    work = Path(tempfile.mkdtemp(prefix="qa-bench-"))
    try:
        embedder = make_embedder(settings.embedder)
        bench_settings = settings.model_copy(update={"index_dir": work / f"index-{settings.embedder}"})
        say(f"ingest: the bundled corpus with {settings.embedder}")
        bundled = bench_ingest(settings.corpus_dir, bench_settings.index_dir, embedder, settings)
        sentences = corpus_sentences(settings.corpus_dir)
        queries = make_queries(options.questions_path, sentences, plan.queries)
        texts = [q.text for q in queries]
        kinds = [settings.embedder]
        if plan.both_embedders and settings.embedder in OTHER_EMBEDDER:
            kinds.append(OTHER_EMBEDDER[settings.embedder])
        env: dict[str, Any] = {
            "settings": {settings.embedder: bench_settings},
            "embedders": {settings.embedder: embedder},
        }

        if "ingest" not in options.skip:
            _section(results, "ingest", lambda: _ingest(bundled, sentences, plan, settings, embedder, work, say), say)
        if "latency" not in options.skip:
            _section(results, "latency", lambda: _latency(kinds, queries, texts, env, settings, work, say), say)
        if "cold_start" not in options.skip:
            _section(results, "cold_start", lambda: _cold(kinds, env, texts, plan, settings, work, say), say)
        if "http" not in options.skip:
            _section(results, "http", lambda: _http(bench_settings, texts, plan, work, say), say)
        if "scale" not in options.skip:
            _section(results, "scale", lambda: _scale(bench_settings, embedder, plan, say), say)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    results["meta"]["duration_s"] = round(time.perf_counter() - t_start, 1)
    results["meta"]["load_average_at_end"] = load_average()
    return results


def _ingest(bundled, sentences, plan: Plan, settings: Settings, embedder, work: Path, say) -> dict[str, Any]:
    from qa_service.benchmark.ingest_bench import bench_ingest
    from qa_service.benchmark.synthetic import write_pdf_corpus

    t0 = time.perf_counter()
    corpus = write_pdf_corpus(
        work / "synthetic", sentences, plan.synthetic_documents, plan.pages_per_document, plan.words_per_page
    )
    generation = {
        "documents": corpus.documents,
        "pages_per_document": plan.pages_per_document,
        "pages": corpus.pages,
        "words": corpus.words,
        "seconds": round(time.perf_counter() - t0, 2),
    }
    say(f"ingest: synthetic corpus of {corpus.pages} pages ({corpus.words:,} words)")
    synthetic = bench_ingest(corpus.path, work / "index-synthetic", embedder, settings)
    shutil.rmtree(work / "index-synthetic", ignore_errors=True)
    shutil.rmtree(corpus.path, ignore_errors=True)
    say(f"ingest: {synthetic['pages']} pages in {synthetic['seconds']} s ({synthetic['pages_per_s']} pages/s)")
    return {"bundled": bundled, "synthetic": {**synthetic, "generation": generation}}


def _embedder_env(kind: str, env: dict[str, Any], settings: Settings, work: Path) -> tuple[Settings, Any]:
    """Settings and embedder for ``kind``, building its index of the bundled corpus on first use."""
    from qa_service.embedding import make_embedder
    from qa_service.store import build_index

    if kind not in env["settings"]:
        embedder = make_embedder(kind)
        kind_settings = settings.model_copy(update={"embedder": kind, "index_dir": work / f"index-{kind}"})
        build_index(
            settings.corpus_dir, kind_settings.index_dir, embedder, settings.chunk_words, settings.chunk_overlap
        )
        env["settings"][kind], env["embedders"][kind] = kind_settings, embedder
    return env["settings"][kind], env["embedders"][kind]


def _latency(kinds, queries, texts, env, settings: Settings, work: Path, say) -> dict[str, Any]:
    from qa_service.benchmark.baseline import bench_baseline, raw_texts
    from qa_service.benchmark.latency import bench_embedders, bench_service

    out: dict[str, Any] = {
        "queries": {"n": len(queries), "kinds": dict(Counter(q.kind for q in queries)), "method": QUERY_METHOD},
        "service": {},
        "baseline": {},
    }
    for kind in kinds:
        kind_settings, embedder = _embedder_env(kind, env, settings, work)
        service = _open_service(kind_settings, embedder)
        out["service"][kind] = bench_service(service, texts)
        ask = out["service"][kind]["ask"]["wall"]
        say(f"latency: ask with {kind}: p50 {ask['p50']} ms, p95 {ask['p95']} ms")
    embedders = {kind: env["embedders"][kind] for kind in kinds}
    if "minilm-onnx" in embedders:
        from qa_service.onnx_embedding import OnnxMiniLMEmbedder

        embedders["minilm-onnx, 1 thread"] = OnnxMiniLMEmbedder(threads=1)
    out["embedders"] = bench_embedders(embedders, texts)
    corpus_texts = raw_texts(settings.corpus_dir)
    baseline_kinds = list(kinds) + (["minilm"] if settings.embedder == "minilm-onnx" and "minilm" not in kinds else [])
    for kind in baseline_kinds:
        _kind_settings, embedder = _embedder_env(kind, env, settings, work)
        baseline, out["baseline"][kind] = bench_baseline(corpus_texts, embedder, texts)
        if kind == settings.embedder:
            baseline.save(work / "baseline", kind)
        say(f"latency: naive baseline with {kind}: p50 {out['baseline'][kind]['wall']['p50']} ms")
    return out


def _cold(kinds, env, texts, plan: Plan, settings: Settings, work: Path, say) -> dict[str, Any]:
    from qa_service.benchmark.baseline import NaiveBaseline, raw_texts
    from qa_service.benchmark.cold_start import cold_start_baseline, cold_start_cli, cold_start_server

    question = texts[0]
    out: dict[str, Any] = {"question": question, "cli": {}}
    for kind in kinds if plan.both_embedders else kinds[:1]:
        kind_settings, _embedder = _embedder_env(kind, env, settings, work)
        out["cli"][kind] = cold_start_cli(kind_settings, question, plan.cold_runs)
        say(f"cold start: qa-service ask with {kind}: {out['cli'][kind]['median_s']} s")
    kind_settings, embedder = _embedder_env(settings.embedder, env, settings, work)
    out["server"] = cold_start_server(kind_settings, question, work, plan.cold_runs)
    say(f"cold start: server: {out['server']['median_s']} s")
    if not (work / "baseline").exists():
        NaiveBaseline.build(raw_texts(settings.corpus_dir), embedder).save(work / "baseline", settings.embedder)
    out["baseline"] = cold_start_baseline(work / "baseline", question, plan.cold_runs)
    return out


def _http(settings: Settings, texts, plan: Plan, work: Path, say) -> dict[str, Any]:
    from qa_service.benchmark.http_load import bench_http

    return bench_http(settings, texts, work / "http", plan.http_workers, plan.http_users, plan.http_seconds, say)


def _scale(settings: Settings, embedder, plan: Plan, say) -> dict[str, Any]:
    from qa_service.benchmark.scale import bench_scale

    seeds = np.load(Path(settings.index_dir) / "units.npy")
    return bench_scale(
        plan.scale_sizes,
        int(embedder.dim),
        seeds,
        plan.scale_queries,
        latency_budget_s=plan.latency_budget_s,
        build_budget_s=plan.build_budget_s,
        say=say,
    )
