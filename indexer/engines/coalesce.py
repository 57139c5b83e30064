"""Several files' windows decoded together: one engine, several file threads (index_many.py).

A corpus file of 5-50 s is one or two windows: its own batch (`--batch-size`) is nearly
empty, and batching gains nothing. So several files are transcribed at once, each in a thread
of its own, and their `transcribe_batch` calls go through a `Coalescer`: each file thread
(a member) submits its group of requests and waits; when every member still taking part is
either waiting or gone, the last to arrive runs ONE `transcribe_batch` over all the submitted
requests (members in their fixed order, at most `limit` requests an engine call) and hands
each member its results.

No timeout decides what goes together: a round holds the next submission of every member
still in, so the same files, given to the same members, give the same batches and the same
transcripts (batched decoding differs slightly from decoding alone: engines/batching.py).
The price is that a round waits for the slowest member to come back (its decoding, language
ID, or the entities and index of its previous file): the other stages are not overlapped
with transcription, as they are not when files are indexed one after the other.

While a round decodes, every member is waiting: nothing else uses the engine, so its cache
of the language ID's encoder outputs (faster.py) is used and dropped by that one call.
If the pooled call fails, each member's requests are decoded again on their own, so that a
bad request fails its own file and no other.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

from .base import Engine, Request, Transcribed

logger = logging.getLogger(__name__)


@dataclass
class _Submission:
    requests: list[Request]
    results: list[Transcribed] = field(default_factory=list)
    error: BaseException | None = None
    done: bool = False


class Coalescer:
    """Pools the `transcribe_batch` calls of `members` threads into one engine call a round."""

    def __init__(self, engine: Engine, members: int, limit: int):
        self.engine = engine
        self.limit = max(1, limit)
        self._live = members
        self._pending: dict[int, _Submission] = {}
        self._cond = threading.Condition()
        self.rounds: list[dict[int, int]] = []  # per round, requests of each member (tests)

    def member(self, index: int) -> Member:
        return Member(self, index)

    def submit(self, index: int, requests: Sequence[Request]) -> list[Transcribed]:
        submission = _Submission(list(requests))
        with self._cond:
            if index in self._pending:
                raise RuntimeError(f"member {index} submitted twice in one round")
            self._pending[index] = submission
            if len(self._pending) == self._live:
                self._run()
            while not submission.done:
                self._cond.wait()
        if submission.error is not None:
            raise submission.error
        return submission.results

    def leave(self) -> None:
        """A member has nothing more to transcribe (done, failed or stopped): the others no
        longer wait for it."""
        with self._cond:
            self._live -= 1
            if self._pending and len(self._pending) == self._live:
                self._run()

    def _run(self) -> None:
        """Decode the round (the lock is held: every other member is waiting)."""
        pending = sorted(self._pending.items())
        self._pending = {}
        self.rounds.append({index: len(s.requests) for index, s in pending})
        try:
            results = self._decode([r for _, s in pending for r in s.requests])
            start = 0
            for _, submission in pending:
                submission.results = results[start:start + len(submission.requests)]
                start += len(submission.requests)
        except Exception as exc:  # one member's bad request must not fail the others
            logger.warning("a batch of %d files failed (%s): decoding each file's windows "
                           "on their own", len(pending), exc)
            for _, submission in pending:
                try:
                    submission.results = self._decode(submission.requests)
                except Exception as own:  # raised again in that member's thread
                    submission.error = own
        except BaseException as exc:  # Ctrl-C while decoding: every member stops
            for _, submission in pending:
                submission.error = exc
            raise
        finally:
            for _, submission in pending:
                submission.done = True
            self._cond.notify_all()

    def _decode(self, requests: list[Request]) -> list[Transcribed]:
        results: list[Transcribed] = []
        for first in range(0, len(requests), self.limit):
            results.extend(self.engine.transcribe_batch(requests[first:first + self.limit]))
        return results


class Member:
    """One file thread's view of the engine: `transcribe_batch` goes through the coalescer,
    everything else (language ID, the model for forced alignment...) is the engine's."""

    def __init__(self, coalescer: Coalescer, index: int):
        self._coalescer = coalescer
        self._index = index

    def __getattr__(self, name: str):
        return getattr(self._coalescer.engine, name)

    @property
    def lanes(self) -> list[Member]:
        return [self]  # a member's file is on its coalescer's lane only (index_many.py)

    def transcribe_batch(self, requests: Sequence[Request]) -> list[Transcribed]:
        return self._coalescer.submit(self._index, requests)

    def leave(self) -> None:
        self._coalescer.leave()
