"""The index writer's turn: one process at a time writes the index, across machines too.

A module of its own, light to import: the site's metadata edits and removals take the same
lock as the jobs' commits without loading the transcription pipeline.
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def index_writer_lock(data_dir: Path) -> Iterator[None]:
    """One index writer at a time across processes (and machines, on a filesystem with POSIX
    locks: NFSv4 maps flock to them). Waits for its turn rather than failing."""
    data_dir.mkdir(parents=True, exist_ok=True)
    with open(data_dir / ".index-writer.lock", "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
