"""Lanes: the cores split between copies of the model that decode side by side.

CTranslate2 splits one call over its threads, and Whisper's decoder does not scale: a beam
step is a chain of small matrix products, and the threads wait for each other between them.
Measured on the corpus, two cores (docs/benchmarks.md, transcription section):
- one model on 2 threads: 36.9 s (the decoder's calls 20.1 s, the encoder's 12.9 s);
- the same model on 1 thread: 38.3 s (the decoder 16.0 s: faster on one thread than two);
- two processes on 1 thread each, half the files each: 21.3 s for the whole corpus.
So an engine is a few *lanes*, each a model of its own on its share of the threads, and the
windows of a file (transcribe.py) or the files indexed at once (index_many.py) are dealt to
them. Which lane decodes what depends only on the order of the windows and files, never on
timing, so that a file gives the same transcript each time (a lane's sampling generator is
its own CTranslate2 thread's).

Each lane holds its model (about 100 MB for base in int8) and its own batch of windows
(peak memory per lane count: docs/benchmarks.md).
"""

from __future__ import annotations

import math
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

MAX_AUTO_LANES = 4  # lanes when not asked: one per core, at most this many (memory)


def lane_plan(cpu_threads: int, lanes: int) -> tuple[int, int]:
    """(lanes, threads per lane) for `cpu_threads` threads in all (0: the cores this process
    may run on) and `lanes` asked (0: one a core, at most MAX_AUTO_LANES)."""
    threads = cpu_threads or len(os.sched_getaffinity(0)) or 1
    count = lanes or min(threads, MAX_AUTO_LANES)
    count = max(1, min(count, threads))
    return count, max(1, threads // count)


def window_groups(count: int, batch_size: int, lanes: int) -> list[range]:
    """The windows `0..count-1` in consecutive groups, each one `transcribe_batch` call.

    One lane: groups of `batch_size`, as always. Several: `batch_size` is what all the lanes
    decode at once (memory: a lane's batch of 4 was as fast as one of 8, for 400 MB less), so
    a group holds at most batch_size / lanes windows (at least one); the groups are a
    multiple of the lanes in number, so that each lane has as many, and their sizes are
    within one of each other (a file of 2 windows is 2 groups of 1, one a lane)."""
    if count <= 0:
        return []
    if lanes <= 1:
        size = max(1, batch_size)
        return [range(first, min(first + size, count)) for first in range(0, count, size)]
    size = max(1, batch_size // lanes)
    groups = min(count, lanes * math.ceil(math.ceil(count / size) / lanes))
    bounds = [round(index * count / groups) for index in range(groups + 1)]
    return [range(start, end) for start, end in zip(bounds, bounds[1:])]


def in_lanes(items: Sequence[T], lanes: Sequence[object],
             work: Callable[[T, object], R]) -> Iterator[R]:
    """`work(item, lane)` for each item, item i on lane i mod len(lanes), each lane one item
    at a time in a thread of its own; the results are yielded in item order as they come.

    A failure is raised when its item's turn comes; the lanes then start no new item. If the
    caller stops reading (an error of its own, Ctrl-C), the lanes finish the item they are on
    and start no other."""
    if len(lanes) <= 1 or len(items) <= 1:
        for item in items:
            yield work(item, lanes[0])
        return
    results: dict[int, tuple[bool, object]] = {}
    changed = threading.Condition()
    stop = threading.Event()
    finished = [0]  # lanes whose thread has ended

    def run(lane_index: int) -> None:
        try:
            for position in range(lane_index, len(items), len(lanes)):
                if stop.is_set():
                    return
                try:
                    outcome = (True, work(items[position], lanes[lane_index]))
                except BaseException as exc:  # raised in the reader's thread, in item order
                    outcome = (False, exc)
                    stop.set()
                with changed:
                    results[position] = outcome
                    changed.notify_all()
        finally:
            with changed:
                finished[0] += 1
                changed.notify_all()

    threads = [threading.Thread(target=run, args=(index,), name=f"lane-{index}", daemon=True)
               for index in range(min(len(lanes), len(items)))]
    for thread in threads:
        thread.start()
    try:
        for position in range(len(items)):
            with changed:
                while position not in results and finished[0] < len(threads):
                    changed.wait()
                if position not in results:  # its lane stopped: a later item failed
                    ok, value = next(r for _, r in sorted(results.items()) if not r[0])
                else:
                    ok, value = results.pop(position)
            if not ok:
                raise value  # type: ignore[misc]
            yield value  # type: ignore[misc]
    finally:
        stop.set()
        for thread in threads:
            thread.join()
