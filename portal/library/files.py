"""Files that several processes write: atomic replacement, an inter-process lock, and cleanup of
what an interrupted write left behind. Used by the saved-query and dashboard stores."""

from __future__ import annotations

import fcntl
import os
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

_THREADS = threading.Lock()  # flock is per open file description; this serialises threads too
STALE_TMP_SECONDS = 60
_UMASK = os.umask(0o022)  # read once at import (os.umask can only be read by setting it)
os.umask(_UMASK)


def atomic_write(path: Path, text: str) -> None:
    """Write `text` to `path` so that readers see the old or the new file, never a mix. The file keeps
    its mode (a new one gets the usual 0644 less the umask), not mkstemp's 0600: saved queries and
    dashboards are files colleagues and git read (issue #21, finding 11)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        mode = path.stat().st_mode & 0o777
    except FileNotFoundError:
        mode = 0o644 & ~_UMASK
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


@contextmanager
def locked(lock_file: Path) -> Iterator[None]:
    """Hold an exclusive lock across processes (and threads) while reading, checking and writing, so
    two saves can never both pass the version check (issue #12, finding 5)."""
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    with _THREADS:
        fd = os.open(lock_file, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)


def sweep_tmp(root: Path, older_than: float = STALE_TMP_SECONDS) -> int:
    """Remove temporary files of writes that were killed mid-way (a live write's file is younger)."""
    removed = 0
    if not root.exists():
        return 0
    cutoff = time.time() - older_than
    for p in root.rglob(".*.tmp"):
        try:
            if p.stat().st_mtime < cutoff:
                p.unlink()
                removed += 1
        except FileNotFoundError:
            continue
    return removed
