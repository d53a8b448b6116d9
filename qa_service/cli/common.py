"""Shared bits of the commands: settings, opening the service, error messages."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator

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
    from qa_service.service import QAService, ensure_index, make_embedder

    settings = settings_or_exit()
    embedder = make_embedder(settings.embedder, settings.embed_threads)
    with fail_on_errors():
        if build and index_dir is None:
            built, reason = ensure_index(settings, embedder)
            if built:
                err_console.print(f"built the index ({reason})")
        return QAService.open(settings, embedder, index_dir=index_dir, check_corpus=index_dir is None)


# -- progress of a build: a line every few seconds (stage, counts, rate), readable in a log file, a CI job or
# ``docker logs`` as well as on a terminal. The build reports ``progress(stage, done, total)`` (total 0: unknown).
UNITS = {
    "read+embed": "documents",
    "read": "files",
    "chunk": "documents",
    "facts": "documents",
    "units": "chunks",
    "embed": "texts",
}


class ProgressLog:
    """A :data:`Progress` that writes at most one line every ``every`` seconds, and the end of each stage."""

    def __init__(self, write: Callable[[str], None], every: float = 5.0, clock: Callable[[], float] = time.monotonic):
        self.write = write
        self.every = every
        self.clock = clock
        self.stage: str | None = None
        self.started = self.last = clock()
        self.lines = 0

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = self.clock()
        if stage != self.stage:  # the first stage counts from the start of the build, the next from their first item
            self.stage, self.started = stage, (now if self.stage is not None else self.started)
        finished = total > 0 and done >= total
        if now - self.last < self.every and not (finished and now - self.started >= self.every):
            return
        self.last = now
        rate = done / max(now - self.started, 1e-9)
        of = f"/{total:,}" if total else ""
        self.write(f"ingest: {stage} {done:,}{of} {UNITS.get(stage, 'items')} ({rate:,.1f}/s)")
        self.lines += 1
