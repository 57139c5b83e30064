"""Index several files at once, their speech windows decoded together (`--files-at-once`).

The files are dealt to `at_once` members, in turn (file i to member i mod at_once), each a
thread that indexes its files one after the other with `Indexer.index_file`. All share one
engine; member m decodes on its lane m mod L (engines/lanes.py), and the transcription batches
of a lane's members meet in that lane's `Coalescer` (engines/coalesce.py), which decodes them
as one batched call. Dealing the files in a fixed order keeps batches, and so
transcripts, the same from one run to the next. Two copies of one content (the same video
id) go to the same member: the second is then skipped as already indexed, as one by one.

What the members share is safe between threads: the engine (one batch decodes at a time, the
coalescer sees to it), spaCy (entities.py takes a lock), the voice encoder (speakers/
embedding.py), the index (`IndexWriter`: the writer's turn, a lock file opened per call) and
the transcript store (atomic writes to names of their own). A file that fails (corrupt media,
silence) fails alone; an unexpected error stops the members taking new files, the files
already started are finished, and the error is raised once their outcomes are given.
"""

from __future__ import annotations

import copy
import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path

from .decode import content_hash
from .engines.coalesce import Coalescer
from .pipeline import FileOutcome, Indexer, ProgressFactory
from .speakers.embedding import voice_encoder

logger = logging.getLogger(__name__)

# (file's position in the list, member) -> the file's progress factory, for its duration
ProgressFor = Callable[[int, int], AbstractContextManager[ProgressFactory | None]]
# (the member's indexer, file's position, its progress factory) -> the file's outcome
RunFile = Callable[[Indexer, int, ProgressFactory | None], FileOutcome]


def members_of(files: Sequence[Path], at_once: int) -> list[list[int]]:
    """Which files each member indexes (positions in `files`), in order: in turn, but a copy
    of a file already dealt goes to that file's member."""
    sizes: dict[int, list[int]] = {}
    for position, path in enumerate(files):
        try:
            sizes.setdefault(path.stat().st_size, []).append(position)
        except OSError:  # unreadable: index_file says why
            pass
    key: dict[int, object] = {}
    for same_size in (p for p in sizes.values() if len(p) > 1):
        for position in same_size:  # only files of equal size can be copies: hash those
            try:
                key[position] = content_hash(files[position])
            except OSError:
                pass
    members: list[list[int]] = [[] for _ in range(min(at_once, len(files)))]
    dealt: dict[object, int] = {}
    turn = 0
    for position in range(len(files)):
        content = key.get(position, position)
        if content not in dealt:
            dealt[content], turn = turn % len(members), turn + 1
        members[dealt[content]].append(position)
    return members


class ManyFiles:
    """`files` indexed `at_once` at a time; iterate for their outcomes, in file order."""

    def __init__(self, indexer: Indexer, files: Sequence[Path], at_once: int,
                 progress: ProgressFor | None = None, run: RunFile | None = None):
        """`run`: what is done with each file (default: `Indexer.index_file`; the job
        workers transcribe a job's file with its own options: jobs/together.py)."""
        self.indexer = indexer
        self.files = list(files)
        self.run = run or (lambda own, position, factory: own.index_file(self.files[position],
                                                                          factory))
        self.at_once = max(1, min(at_once, len(self.files)))
        self.progress = progress or (lambda position, member: nullcontext(None))
        self.seconds = 0.0  # wall time of the run, models loaded before it started
        self.coalescers: list[Coalescer] = []  # one per lane of the engine

    @property
    def coalescer(self) -> Coalescer | None:
        """The first lane's coalescer (the only one with a one-lane engine)."""
        return self.coalescers[0] if self.coalescers else None

    def __iter__(self) -> Iterator[FileOutcome]:
        if self.at_once > 1 and self.indexer.engine.batch_size <= 1:
            self.at_once = 1  # batching is off (--batch-size 1), or the engine cannot batch
        if self.at_once == 1:  # one by one: the plain path, no threads
            for position in range(len(self.files)):
                with self.progress(position, 0) as factory:
                    started = time.monotonic()
                    outcome = self.run(self.indexer, position, factory)
                    self.seconds += time.monotonic() - started
                yield outcome
            return
        yield from self._together()

    def _together(self) -> Iterator[FileOutcome]:
        indexer = self.indexer
        indexer.engine, indexer.tagger  # loaded once, here, not by several threads at once
        if indexer.options.diarize:
            voice_encoder()
        # Member m decodes on lane m mod L, with the other members of that lane. A round of
        # short files fills a batch or two: at most 2 x batch_size windows in all the lanes.
        lanes = indexer.engine.lanes[:self.at_once]
        limit = max(1, 2 * indexer.engine.batch_size // len(lanes))
        self.coalescers = [Coalescer(lane, len(range(index, self.at_once, len(lanes))), limit)
                           for index, lane in enumerate(lanes)]
        outcomes: dict[int, FileOutcome] = {}
        errors: dict[int, BaseException] = {}
        settled: set[int] = set()
        changed = threading.Condition()
        stop = threading.Event()

        def work(member: int, positions: list[int]) -> None:
            engine = self.coalescers[member % len(lanes)].member(member // len(lanes))
            own = copy.copy(indexer)  # the loaded models are shared, the engine is the member's
            own.__dict__["engine"] = engine
            try:
                for position in positions:
                    if stop.is_set():
                        break
                    try:
                        with self.progress(position, member) as factory:
                            outcome = self.run(own, position, factory)
                        with changed:
                            outcomes[position] = outcome
                    except BaseException as exc:  # raised in the caller's thread, in order
                        logger.error("%s: %s", self.files[position], exc)
                        stop.set()
                        with changed:
                            errors[position] = exc
                        break
                    finally:
                        with changed:
                            settled.add(position)
                            changed.notify_all()
            finally:
                engine.leave()
                with changed:  # the files it will not index now: nobody waits for them
                    settled.update(positions)
                    changed.notify_all()

        started = time.monotonic()
        threads = [threading.Thread(target=work, args=(member, positions),
                                    name=f"index-member-{member}")
                   for member, positions in enumerate(members_of(self.files, self.at_once))]
        for thread in threads:
            thread.start()
        try:
            for position in range(len(self.files)):
                with changed:
                    while position not in settled:
                        changed.wait()
                if position not in outcomes:
                    break
                yield outcomes[position]
            for thread in threads:
                thread.join()
            self.seconds = time.monotonic() - started
            # Stopped by an error: the files finished meanwhile lose nothing, then the error.
            yield from (outcomes[p] for p in range(position + 1, len(self.files))
                        if p in outcomes and errors)
            if errors:
                raise errors[min(errors)]
        except BaseException:  # Ctrl-C, or the caller stopped reading: no new file starts
            stop.set()
            raise
