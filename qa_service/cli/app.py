"""The Typer application and the commands that build or serve the index."""

from __future__ import annotations

import logging
import os
import sys
from typing import Annotated

import typer

from qa_service.cli.common import console, err_console, fail_on_errors, settings_or_exit

app = typer.Typer(
    name="qa-service",
    help="Document-grounded question answering over Korean regional industrial-cluster policy documents.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root(verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log more.")] = False) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(message)s", stream=sys.stderr
    )


@app.command()
def ingest(
    force: Annotated[bool, typer.Option("--force", help="Rebuild even if the index is up to date.")] = False,
    store: Annotated[
        str | None, typer.Option("--store", help="'faiss' or 'milvus' (default QA_STORE; Milvus at QA_MILVUS_URI).")
    ] = None,
) -> None:
    """Build the index from the corpus folder (only when the corpus, model or settings changed)."""
    from qa_service.errors import EmptyCorpusError
    from qa_service.service import ensure_index, make_embedder, read_manifest

    settings = settings_or_exit()
    if store is not None:
        if store not in {"faiss", "milvus"}:
            err_console.print(f"[red]error:[/red] --store must be 'faiss' or 'milvus', not {store!r}")
            raise typer.Exit(2)
        settings = settings.model_copy(update={"store": store})
    embedder = make_embedder(settings.embedder)
    with fail_on_errors():
        try:
            # A progress bar on a terminal; on Milvus the upserts get theirs.
            progress = _progress() if settings.store == "faiss" or not sys.stderr.isatty() else (lambda *_: None)
            built, reason = ensure_index(settings, embedder, force=force, progress=progress)
        except EmptyCorpusError as exc:
            console.print(f"[red]error:[/red] {exc}")
            raise typer.Exit(1) from None
    if settings.store == "milvus":
        console.print(
            f"{'built' if built else 'kept'} index {settings.milvus_collection!r} on {settings.milvus_uri} ({reason})"
        )
        return
    manifest = read_manifest(settings.index_dir) or {}
    counts = manifest.get("counts", {})
    verb = "built" if built else "kept"
    skipped = int(counts.get("skipped_files") or 0)
    console.print(
        f"{verb} index in {settings.index_dir} ({reason}): {counts.get('documents')} documents, "
        f"{counts.get('chunks')} chunks, {counts.get('tables')} tables, {counts.get('facts')} facts"
        + (f" in {manifest['timings_s']['total']:.1f} s" if built else "")
        + (f"; {skipped} file(s) skipped" if skipped else "")
    )
    if built and skipped > int(counts.get("documents") or 0):
        # Most of the corpus is missing from the index: say so loudly, and fail a script that runs this.
        err_console.print(
            f"[red]error:[/red] {skipped} of {skipped + int(counts.get('documents') or 0)} files were skipped "
            "(the warnings above say why); the index holds only the rest"
        )
        raise typer.Exit(1)


def _progress():
    """Progress of a build: a line every few seconds on stderr (a terminal also gets the bar)."""
    from qa_service.cli.common import ProgressLog

    return ProgressLog(err_console.print)


STACKS = {
    "fast": {"http": "qa_service.web.protocol:NoDelayHttpProtocol", "loop": "auto"},
    "plain": {"http": "h11", "loop": "asyncio"},
}


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to bind (default QA_HOST, 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default QA_PORT, 8000).")] = None,
    workers: Annotated[int, typer.Option(min=1, max=16, help="Worker processes.")] = 1,
    build: Annotated[bool, typer.Option("--build/--no-build", help="Build the index first if stale.")] = True,
    stack: Annotated[
        str,
        typer.Option(
            "--stack",
            help="'fast': httptools with TCP_NODELAY on every connection, uvloop; 'plain': uvicorn's h11 and "
            "asyncio (the benchmark compares the two).",
        ),
    ] = "fast",
) -> None:
    """Serve the JSON API, the web form and the OpenAPI docs."""
    import uvicorn

    from qa_service.service import ensure_index, make_embedder

    if stack not in STACKS:
        console.print(f"[red]error:[/red] --stack must be one of {', '.join(STACKS)}, not {stack!r}")
        raise typer.Exit(2)
    settings = settings_or_exit()
    if build:
        with fail_on_errors():
            built, reason = ensure_index(settings, make_embedder(settings.embedder), progress=_progress())
        if built:
            console.print(f"built the index ({reason})")
            if reason.startswith("index is damaged"):
                err_console.print(f"[yellow]warning:[/yellow] {reason}; it was rebuilt from {settings.corpus_dir}")
    if workers > 1 and settings.embed_threads == 0:
        # Each worker embedding on every core would oversubscribe them (measured in eval/bench.md): give each
        # worker process its share. The workers read it from the environment they inherit.
        os.environ["QA_EMBED_THREADS"] = str(max(1, (os.cpu_count() or 1) // workers))
    uvicorn.run(
        "qa_service.web.app:create_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers,
        **STACKS[stack],
        log_level="warning",
        # The limits of qa_service/web/protocol.py are read from the same settings by each worker.
        h11_max_incomplete_event_size=settings.max_header_bytes,
        timeout_keep_alive=settings.keepalive_timeout,
        limit_concurrency=settings.max_connections,
    )


def main() -> None:
    from qa_service.cli import bench_cmd, eval_cmd, query, train_cmd  # noqa: F401  (importing a command module registers its commands)

    app()
