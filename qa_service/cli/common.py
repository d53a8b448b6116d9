"""Shared bits of the commands: settings, opening the service, error messages."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import typer
from rich.console import Console

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)


def settings_or_exit():
    from pydantic import ValidationError

    from qa_service.config import get_settings

    try:
        return get_settings()
    except ValidationError as exc:
        for error in exc.errors():
            where = ".".join(str(p) for p in error["loc"]) or "settings"
            err_console.print(f"[red]bad setting[/red] {where}: {error['msg']}")
        raise typer.Exit(2) from None


@contextlib.contextmanager
def fail_on_errors() -> Iterator[None]:
    """Turn the project's exceptions into one red line and exit code 1 (2 for bad input)."""
    from qa_service.errors import InvalidQueryError, QAError, UnknownDocumentError

    try:
        yield
    except (InvalidQueryError, UnknownDocumentError) as exc:
        err_console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    except QAError as exc:
        err_console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(1) from None


def open_service(index_dir=None, build: bool = True):
    """The service over the configured index, building it first when it is missing or stale."""
    from qa_service.index.embedding import make_embedder
    from qa_service.service import QAService, ensure_index

    settings = settings_or_exit()
    embedder = make_embedder(settings.embedder, settings.embed_threads)
    with fail_on_errors():
        if build and index_dir is None:
            built, reason = ensure_index(settings, embedder)
            if built:
                err_console.print(f"built the index ({reason})")
        return QAService.open(settings, embedder, index_dir=index_dir, check_corpus=index_dir is None)
