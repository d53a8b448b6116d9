"""Where an index lives on disk, and the one atomic step that replaces it.

``QA_INDEX_DIR`` is a folder that stays put (a Docker volume can be mounted on it)::

    index/
      manifest.json      the pointer: names the current version folder, with every file's SHA-256 and size
      v-<time>-<digest>/ one complete index (documents.jsonl, chunks.jsonl, ..., bm25/)
      .tmp-<pid>/        a build in progress (removed when its process is gone)
      .lock              serialises the swap and the clean-up of concurrent builds

A build writes a new version folder beside the served one, then replaces ``manifest.json`` with
``os.replace`` (atomic on POSIX): a reader sees the old index or the new one, never none and never half of
one. The folder of the index just replaced is kept, so a process still loading it finishes; older ones
and the temporaries of dead processes are removed by the next build.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import re
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from qa_service.errors import IndexDamagedError

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"
VERSION_RE = re.compile(r"^v-[0-9]{8}T[0-9]{6}-[0-9a-f]{12}(?:-[0-9]+)?$")
_TMP_RE = re.compile(r"^\.tmp-(\d+)$")
_POINTER_TMP_RE = re.compile(r"^\.manifest\.json\.tmp-(\d+)$")
_LEGACY_TMP_RE = re.compile(r"^\.(.+)\.tmp-(\d+)$")  # the temporaries of the old two-rename build


def version_folder(index_dir: Path, manifest: dict[str, Any]) -> Path:
    """The folder holding the files of the index ``manifest`` describes (its name is checked, never a path)."""
    name = manifest.get("version")
    if not isinstance(name, str) or not VERSION_RE.match(name):
        raise IndexDamagedError(f"{Path(index_dir) / MANIFEST}: names no valid version folder ({name!r}); rebuild it")
    return Path(index_dir) / name


def current_folder(index_dir: Path) -> Path | None:
    """The version folder the index's manifest points at (None when there is no readable manifest)."""
    try:
        manifest = json.loads((Path(index_dir) / MANIFEST).read_text(encoding="utf-8"))
        return version_folder(index_dir, manifest)
    except (OSError, ValueError, AttributeError, IndexDamagedError):
        return None


def temp_folder(index_dir: Path) -> Path:
    """A fresh folder for this process's build, inside ``index_dir`` (so the final rename stays on one disk)."""
    index_dir = Path(index_dir)
    index_dir.mkdir(parents=True, exist_ok=True)
    tmp = index_dir / f".tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)  # this pid's own leftover (a recycled pid of a dead build)
    tmp.mkdir()
    return tmp


def new_version_name(index_dir: Path, content_digest: str) -> str:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    name = f"v-{stamp}-{content_digest[:12]}"
    n = 1
    candidate = name
    while (Path(index_dir) / candidate).exists():  # the same content built twice within a second
        n += 1
        candidate = f"{name}-{n}"
    return candidate


@contextlib.contextmanager
def build_lock(index_dir: Path) -> Iterator[None]:
    """An exclusive lock on ``index_dir/.lock`` (released by the kernel if the process dies)."""
    with open(Path(index_dir) / ".lock", "a+b") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _fsync_tree(folder: Path) -> None:
    for path in [*sorted(folder.rglob("*")), folder]:
        flags = os.O_RDONLY | (os.O_DIRECTORY if path.is_dir() else 0)
        fd = os.open(path, flags)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def publish(index_dir: Path, tmp: Path, manifest: dict[str, Any]) -> Path:
    """Move the complete build ``tmp`` to its version folder and point ``manifest.json`` at it, atomically.

    ``manifest["version"]`` names the folder. Returns it. Until the ``os.replace`` of the manifest, readers
    keep seeing the previous index; after it, the new one.
    """
    index_dir = Path(index_dir)
    target = version_folder(index_dir, manifest)
    _fsync_tree(tmp)
    with build_lock(index_dir):
        previous = current_folder(index_dir)
        tmp.rename(target)  # a new name: a plain rename of a directory, atomic
        pointer = index_dir / f".{MANIFEST}.tmp-{os.getpid()}"
        try:
            with pointer.open("w", encoding="utf-8") as fh:
                fh.write(json.dumps(manifest, indent=2, ensure_ascii=False))
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(pointer, index_dir / MANIFEST)  # the swap
        except BaseException:
            pointer.unlink(missing_ok=True)
            shutil.rmtree(target, ignore_errors=True)
            raise
        _fsync_dir(index_dir)
        clean(index_dir, keep={target.name, previous.name if previous else ""})
    return target


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # somebody else's live process
        return True
    return True


# The files of the flat layout of format 1 (an index written straight into the folder).
_LEGACY_FILES = (
    "documents.jsonl", "chunks.jsonl", "tables.jsonl", "facts.jsonl", "aliases.json", "chunks.faiss",
    "units.json", "units.npy",
)  # fmt: skip


def clean(index_dir: Path, keep: set[str]) -> list[str]:
    """Remove version folders not in ``keep``, temporaries of dead processes and a flat format-1 index.

    Returns the names removed. Never touches what a live process is writing.
    """
    index_dir = Path(index_dir)
    removed: list[str] = []
    for path in sorted(index_dir.iterdir()) if index_dir.is_dir() else []:
        name = path.name
        tmp = _TMP_RE.match(name) or _POINTER_TMP_RE.match(name)
        stale = (
            bool(VERSION_RE.match(name))
            or bool(tmp and int(tmp.group(1)) != os.getpid() and not pid_alive(int(tmp.group(1))))
            or name in _LEGACY_FILES
            or name == "bm25"
        )
        if stale and name not in keep:
            _remove(path)
            removed.append(name)
    parent = index_dir.parent
    for path in sorted(parent.glob(f".{index_dir.name}.tmp-*")) if parent.is_dir() else []:
        legacy = _LEGACY_TMP_RE.match(path.name)
        if legacy and not pid_alive(int(legacy.group(2))):
            _remove(path)
            removed.append(path.name)
    if removed:
        log.info("removed stale index files in %s: %s", index_dir, ", ".join(removed))
    return removed


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def clean_stale(index_dir: Path) -> list[str]:
    """Remove the temporaries of dead builds (and nothing a reader may still use)."""
    index_dir = Path(index_dir)
    if not index_dir.is_dir():
        return []
    current = current_folder(index_dir)
    versions = sorted(p.name for p in index_dir.iterdir() if VERSION_RE.match(p.name))
    keep = set(versions)  # version folders go only after a successful swap
    with build_lock(index_dir):
        return clean(index_dir, keep | ({current.name} if current else set()) | _legacy_keep(index_dir))


def _legacy_keep(index_dir: Path) -> set[str]:
    # A flat format-1 index stays until a new one replaces it (it may be the only index there is).
    return {n for n in (*_LEGACY_FILES, "bm25") if (index_dir / n).exists()}
