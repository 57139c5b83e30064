"""Every write to the index goes through here, one writer at a time across processes.

Whoosh allows one writer per index; its own lock fails after a timeout. Here writers take
turns on a lock file in the data dir (`flock`: POSIX locks, which NFSv4 also honours), and wait
for their turn instead: foreground `speechsearch index`, the jobs' group commits, the site's
metadata edits and removals all call `IndexWriter`, so none of them relies on Whoosh's timeout.
A caller that must read and write under one turn (a removal checks the jobs first) holds
`writer_turn` around its calls; the lock is re-entrant within a thread.
"""

from __future__ import annotations

import fcntl
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from whoosh.index import LockError

from . import reindex_journal
from .config import Settings
from .errors import SpeechSearchError
from .gazetteer import Gazetteer
from .records import Transcript
from .search_index import writing
from .store import load_transcript, save_transcript

LOCK_NAME = ".index-writer.lock"
_held = threading.local()  # lock paths this thread holds, with their depth


class IndexLockedError(SpeechSearchError):
    """Another program holds Whoosh's own write lock for too long."""


@contextmanager
def writer_turn(data_dir: Path) -> Iterator[None]:
    """This thread's turn to write the index of `data_dir` (waits for it)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = str((data_dir / LOCK_NAME).resolve())
    depth = getattr(_held, "depth", None)
    if depth is None:
        depth = _held.depth = {}
    if depth.get(path):  # already ours, further up this thread's stack
        depth[path] += 1
        try:
            yield
        finally:
            depth[path] -= 1
        return
    with open(path, "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        depth[path] = 1
        try:
            yield
        finally:
            depth[path] = 0
            fcntl.flock(handle, fcntl.LOCK_UN)


class IndexWriter:
    """Adds and removes videos in the index of one data dir (`index_dir`: another folder,
    such as a rebuild's, written in the same data dir's turn)."""

    def __init__(self, settings: Settings, gazetteer: Gazetteer, index_dir: Path | None = None):
        self.settings = settings
        self.gazetteer = gazetteer
        self.index_dir = index_dir or settings.index_dir

    def turn(self):
        return writer_turn(self.settings.data_dir)

    def add(self, transcripts: Iterable[Transcript], parallel: bool | None = None) -> None:
        """Index (or re-index: a video's old documents are replaced) in one commit."""
        with self.turn(), _whoosh_lock_as_error(self.index_dir):
            writing.add_many(self.index_dir, list(transcripts), self.gazetteer,
                             self.settings.languages, parallel=parallel,
                             timeout=self.settings.index_lock_seconds)

    def replace_all(self, transcripts: Iterable[Transcript]) -> int:
        """Make the index anew of `transcripts` alone, in one commit (reindex.py)."""
        with self.turn(), _whoosh_lock_as_error(self.index_dir):
            return writing.replace_all(self.index_dir, transcripts, self.gazetteer,
                                       self.settings.languages,
                                       timeout=self.settings.index_lock_seconds)

    def revise(self, video_id: str, change: Callable[[Transcript], Transcript], *,
               revision: dict[str, Any] | None = None,
               after_save: Callable[[Transcript], None] | None = None) -> Transcript:
        """Rewrite a video's transcript and re-index it, in one turn: `change` gets a fresh
        copy from disk (a cached one may be stale), its result is saved atomically first.

        A pending re-index note is written before the transcript and cleared after the index
        commit (reindex_journal.py): after a crash in between, the next start re-indexes it.
        `revision` (a revision store entry) goes in the note; `after_save` runs once the
        transcript is saved (the store records the revision then).
        """
        with self.turn():
            revised = change(load_transcript(self.settings.transcripts_dir, video_id))
            reindex_journal.mark(self.settings.data_dir, video_id, revision)
            save_transcript(self.settings.transcripts_dir, revised)
            reindex_journal.pause_for_crash_test()
            if after_save is not None:
                after_save(revised)
            self.add([revised])
            reindex_journal.clear(self.settings.data_dir, video_id)
        return revised

    def remove(self, video_id: str) -> int:
        """Delete a video's documents; returns how many there were."""
        with self.turn(), _whoosh_lock_as_error(self.index_dir):
            return writing.remove_from_index(self.index_dir, video_id,
                                             timeout=self.settings.index_lock_seconds)


@contextmanager
def _whoosh_lock_as_error(index_dir: Path) -> Iterator[None]:
    try:
        yield
    except LockError as exc:
        raise IndexLockedError(
            f"the index in {index_dir} is locked by another program (Whoosh's *_WRITELOCK "
            "file there); wait for it to finish, or remove that file if no SpeechSearch "
            "process is running") from exc
