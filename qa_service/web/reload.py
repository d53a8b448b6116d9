"""Swapping a newly built index into a running server, and repairing a damaged one.

A build (``qa-service ingest`` in another process, or :func:`repair` here) writes a new version folder
and swaps the index's ``manifest.json`` atomically. :class:`IndexWatcher` notices the new manifest, loads
the new index in a worker thread and replaces ``app.state.service``. A request holds the service it
started with (the dependency hands it the object), so requests in flight finish on the old index; the old
service is freed when the last of them ends.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import threading
from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool

from qa_service.config import Settings
from qa_service.errors import IndexDamagedError, QAError

log = logging.getLogger(__name__)


def manifest_signature(index_dir: Path) -> tuple[int, int, int] | None:
    """What changes when the manifest is replaced (inode, mtime, size), or None without one."""
    try:
        st = os.stat(Path(index_dir) / "manifest.json")
    except OSError:
        return None
    return st.st_ino, st.st_mtime_ns, st.st_size


def _version_on_disk(index_dir: Path) -> str | None:
    try:
        return json.loads((Path(index_dir) / "manifest.json").read_text(encoding="utf-8")).get("version")
    except (OSError, ValueError, AttributeError):
        return None


def _embedder_of(app: Any, settings: Settings):
    service = app.state.service
    if service is not None:
        return service.embedder
    from qa_service.service import make_embedder

    return make_embedder(settings.embedder, settings.embed_threads)


def open_service(app: Any, settings: Settings):
    """A QAService over the index now on disk, reusing the running service's embedder (its model)."""
    from qa_service.service import QAService

    return QAService.open(settings, _embedder_of(app, settings))


class IndexWatcher:
    """Polls the manifest every ``settings.reload_interval`` seconds and swaps in a new index."""

    def __init__(self, app: Any, settings: Settings) -> None:
        self.app = app
        self.settings = settings
        self.seen = manifest_signature(settings.index_dir)
        self.swaps = 0

    async def run(self) -> None:
        while True:
            await asyncio.sleep(self.settings.reload_interval)
            await self.check()

    async def check(self) -> bool:
        """Swap in the index on disk if its manifest changed since the last look; whether it did."""
        signature = manifest_signature(self.settings.index_dir)
        if signature is None or signature == self.seen:
            return False
        self.seen = signature
        current = self.app.state.service
        if current is not None and _version_on_disk(self.settings.index_dir) == current.index.manifest.get("version"):
            return False  # swapped in already (an upload in this process writes and serves the same index)
        try:
            service = await run_in_threadpool(open_service, self.app, self.settings)
        except QAError as exc:  # keep serving the index we have
            log.warning("a new index appeared in %s but was not swapped in: %s", self.settings.index_dir, exc)
            return False
        self.app.state.service = service
        self.app.state.service_error = None
        self.swaps += 1
        log.warning("swapped in the index %s", service.index.manifest.get("version"))
        return True


def repair(app: Any, settings: Settings, damage: IndexDamagedError) -> threading.Thread:
    """Rebuild the index from the corpus in a background thread, then serve it.

    Until the new index is in place every route answers 503 saying so. The build writes beside the damaged
    index and swaps atomically, like any build.
    """
    log.warning("the index is damaged (%s); rebuilding it from %s", damage, settings.corpus_dir)
    app.state.service_error = IndexDamagedError(f"{damage} -- it is being rebuilt from the corpus; retry shortly")

    def rebuild() -> None:
        from qa_service.service import ensure_index

        try:
            embedder = _embedder_of(app, settings)
            ensure_index(settings, embedder, force=True)
            watcher = getattr(app.state, "index_watcher", None)
            if watcher is not None:  # this swap is ours: the watcher need not load it again
                watcher.seen = manifest_signature(settings.index_dir)
            app.state.service = open_service(app, settings)
            app.state.service_error = None
            log.warning("rebuilt the damaged index; serving %s", app.state.service.index.manifest.get("version"))
        except QAError as exc:
            log.error("could not rebuild the damaged index: %s", exc)
            app.state.service_error = exc
        except Exception as exc:  # a background thread: say what happened rather than die silently
            log.exception("could not rebuild the damaged index")
            app.state.service_error = IndexDamagedError(f"{damage}; rebuilding failed: {type(exc).__name__}: {exc}")

    thread = threading.Thread(target=rebuild, name="index-repair", daemon=True)
    thread.start()
    return thread
