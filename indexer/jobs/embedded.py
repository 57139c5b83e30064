"""The embedded queue: jobs from the database, run by a bounded pool of threads in this process.

Nothing to install or start: `speechsearch serve` runs it beside the site, `speechsearch worker`
alone. A thread that finds several jobs queued takes up to `files_at_once` of them and
decodes their windows together (together.py). Jobs live in the database, so a restart loses
none: a job that was running when the process died is queued again by `reap` (its process is
gone) and runs from the start.
"""

from __future__ import annotations

import logging
import threading

from ..index_writer import IndexWriter
from .queue import JobQueue
from .runner import make_indexer, next_queued, reap, threads_per_job
from .together import run_together

logger = logging.getLogger(__name__)

POLL_SECONDS = 2.0  # how often idle threads look for jobs queued by other processes


class EmbeddedRunner:
    def __init__(self, queue: JobQueue, workers: int = 1, threads: int | None = None):
        self.queue = queue
        self.workers = max(1, workers)
        self.threads = threads_per_job(self.workers, threads)
        # Jobs a thread takes at once when several are queued (together.py).
        self.jobs_at_once = max(1, queue.settings.files_at_once)
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> EmbeddedRunner:
        # Each thread has its own model; the cores are shared between them.
        for number in range(self.workers):
            thread = threading.Thread(target=self._loop, args=(number, self.threads), daemon=True,
                                      name=f"job-worker-{number}")
            thread.start()
            self._threads.append(thread)
        self.queue.runner = self
        logger.info("embedded job queue: %d worker thread(s)", self.workers)
        return self

    def wake(self) -> None:
        """A job was queued in this process: look now rather than at the next poll."""
        self._wake.set()

    def stop(self, timeout: float | None = None) -> None:
        """Stop taking jobs; a job in progress finishes first (the caller may not wait)."""
        self._stop.set()
        self._wake.set()
        for thread in self._threads:
            thread.join(timeout)

    def _loop(self, number: int, cpu_threads: int) -> None:
        indexer = make_indexer(self.queue, cpu_threads)
        writer = IndexWriter(self.queue.settings, indexer.gazetteer)
        while not self._stop.is_set():
            try:
                if number == 0:
                    reap(self.queue, writer)
                job_ids = next_queued(self.queue, self.jobs_at_once)
                if job_ids:  # one job, or several decoded together
                    run_together(self.queue, job_ids, indexer)
                    continue
            except Exception:  # a broken database or disk must not kill the pool for good
                logger.exception("job worker %d: error, trying again shortly", number)
            self._wake.wait(POLL_SECONDS)
            self._wake.clear()
