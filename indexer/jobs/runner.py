"""Running one job, whoever runs it (the embedded pool or a Celery worker).

How nothing is lost or indexed twice:
- A job is *claimed* by one conditional UPDATE (queued -> running); a second delivery of the
  same job (Celery redelivers unacknowledged tasks) finds it claimed and does nothing.
- While it runs, its worker writes a heartbeat. A job whose worker died (its process is gone on
  this host, or no heartbeat for STALE seconds) is put back in the queue by `reap`.
- Transcribing ends with the transcript saved (atomic file) and the job `transcribed`. Index
  writes then go through `commit_pending`: one process at a time (the index writer's turn)
  indexes *every* transcribed job in one Whoosh commit, and marks them done. Two jobs that
  finish together are both in the batch of whichever gets the turn first; a worker that dies
  between its transcript and the index leaves a `transcribed` job that the next commit picks
  up. Re-indexing a video replaces its documents, so a repeated commit never duplicates them.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select, update

from ..engines import EngineOptions
from ..index_writer import IndexWriter
from ..official import OfficialTextError, read_official_text
from ..pipeline import FileOutcome, Indexer, IndexOptions
from ..records import Metadata
from ..store import TranscriptNotFound, load_transcript
from .official_texts import text_digest
from .queue import JobQueue
from .realign_jobs import is_realign_job, run_realign
from .replace_jobs import is_replace_job, run_replace
from .table import Job, JobState

logger = logging.getLogger(__name__)

RUN_TOKEN = secrets.token_hex(4)  # tells this process from an earlier one that had its pid
PROGRESS_EVERY = 1.0  # seconds of wall time between progress writes


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{RUN_TOKEN}"


def _process_gone(worker: str) -> bool:
    """True when `worker` ran on this host and its process no longer exists."""
    host, _, rest = worker.partition(":")
    pid, _, token = rest.partition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False  # another machine's worker: only its heartbeat can tell
    if int(pid) == os.getpid():
        return token != RUN_TOKEN  # our pid, but an earlier life of it
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def make_indexer(queue: JobQueue, cpu_threads: int = 0) -> Indexer:
    """An Indexer for the queue's data dir; the model loads on its first job."""
    return Indexer(queue.settings,
                   IndexOptions(engine_options=EngineOptions(
                       cpu_threads=cpu_threads, batch_size=queue.settings.batch_size,
                       lanes=queue.settings.lanes)))


def threads_per_job(jobs_at_once: int, threads: int | None = None) -> int:
    """CTranslate2 threads for each of `jobs_at_once` jobs: `threads` when given, else the
    cores this process may run on (CPU affinity, e.g. a container's cpuset), shared out."""
    if threads:
        return threads
    return max(1, len(os.sched_getaffinity(0)) // max(1, jobs_at_once))


def claim(queue: JobQueue, job_id: int) -> Job | None:
    """Take a queued job for this worker; None if someone else has it or it is finished."""
    moment = queue.clock()
    with queue.database.session() as session:
        taken = session.execute(
            update(Job).where(Job.id == job_id, Job.state == JobState.QUEUED).values(
                state=JobState.RUNNING, worker=worker_name(), attempts=Job.attempts + 1,
                error="", started_at=moment, heartbeat_at=moment, done_seconds=0.0)
        ).rowcount
        session.commit()
        if not taken:
            return None
        job = session.get(Job, job_id)
    logger.info("job %s: %s (attempt %s) on %s", job.id, job.name, job.attempts, job.worker)
    return job


def next_queued(queue: JobQueue, limit: int = 1) -> list[int]:
    """The ids of the `limit` oldest queued jobs."""
    with queue.database.session() as session:
        return list(session.execute(select(Job.id).where(Job.state == JobState.QUEUED)
                                    .order_by(Job.id).limit(limit)).scalars())


def run_job(queue: JobQueue, job_id: int, indexer: Indexer) -> str:
    """Claim and run job `job_id`; returns its final state (or "not claimed")."""
    job = claim(queue, job_id)
    if job is None:
        logger.info("job %s: already taken or finished, nothing to do", job_id)
        return "not claimed"
    return run_claimed(queue, job, indexer)


def run_claimed(queue: JobQueue, job: Job, indexer: Indexer) -> str:
    """Run a job this worker claimed; returns its final state."""
    if is_replace_job(job):  # find and replace across the archive: no transcription
        return run_replace(queue, job)
    if is_realign_job(job):  # a correction's words timed on the audio: no transcription
        return run_realign(queue, job, indexer)
    with heartbeat(queue, job.id):
        outcome = transcribe_job(queue, job, indexer)
    if record(queue, job.id, outcome) == JobState.TRANSCRIBED:
        commit_pending(queue, IndexWriter(queue.settings, indexer.gazetteer))
    return str(queue.get(job.id).state)


def is_transcription(job: Job) -> bool:
    return not (is_replace_job(job) or is_realign_job(job))


def transcribe_job(queue: JobQueue, job: Job, indexer: Indexer) -> FileOutcome:
    """The job's file transcribed and its transcript saved; an error is the job's failure
    (with its reason), and the worker goes on."""
    try:
        return indexer.transcribe_file(
            Path(job.path), _progress(queue, job.id), Metadata(**job.meta),
            force=bool(job.force),
            official_text=Path(job.official_text) if job.official_text else None)
    except Exception as exc:  # not swallowed: logged, and recorded as the job's error
        logger.exception("job %s failed", job.id)
        return FileOutcome(Path(job.path), "failed", f"{type(exc).__name__}: {exc}")


def record(queue: JobQueue, job_id: int, outcome: FileOutcome) -> str:
    """Write a transcription's outcome on its job; returns the job's new state."""
    with queue.database.session() as session:
        job = session.get(Job, job_id)
        if outcome.status == "failed":
            job.state, job.error, job.finished_at = JobState.FAILED, outcome.reason, \
                queue.clock()
        elif job.official_text and not text_attached(queue, job):
            # The pipeline refused the text (another speech, another language): the video
            # keeps what is indexed, and the job says why it did nothing.
            job.state, job.error, job.finished_at = JobState.FAILED, outcome.reason, \
                queue.clock()
            job.error_reason = outcome.refusal
        elif outcome.status == "skipped":
            job.state, job.error, job.finished_at = JobState.DONE, outcome.reason, queue.clock()
        else:
            job.state = JobState.TRANSCRIBED
            job.duration = outcome.duration or job.duration
            job.done_seconds = job.duration
            job.transcribe_seconds = outcome.seconds
        session.commit()
        return job.state


def text_attached(queue: JobQueue, job: Job) -> bool:
    """Whether the video's saved transcript now holds the job's official text."""
    try:
        transcript = load_transcript(queue.settings.transcripts_dir, job.video_id)
        text = read_official_text(Path(job.official_text))
    except (TranscriptNotFound, OfficialTextError, ValueError, KeyError):
        return False
    return bool(transcript.official) and transcript.official.sha256 == text_digest(text)


def _progress(queue: JobQueue, job_id: int):
    """The pipeline's progress factory: writes the seconds done, at most once a second."""
    def factory(media):
        _set(queue, job_id, duration=media.duration)
        last = [0.0]

        def on_progress(done: float) -> None:
            if time.monotonic() - last[0] >= PROGRESS_EVERY:
                last[0] = time.monotonic()
                _set(queue, job_id, done_seconds=min(done, media.duration),
                     heartbeat_at=queue.clock())
        return on_progress
    return factory


def _set(queue: JobQueue, job_id: int, *conditions, **values) -> None:
    with queue.database.session() as session:
        session.execute(update(Job).where(Job.id == job_id, *conditions).values(**values))
        session.commit()


@contextmanager
def heartbeat(queue: JobQueue, job_id: int) -> Iterator[None]:
    """Beat every few seconds on a thread of its own: decoding a long file reports no progress."""
    stop = threading.Event()
    interval = max(1.0, queue.settings.job_stale_seconds / 4)

    def beat() -> None:
        while not stop.wait(interval):
            _set(queue, job_id, Job.state == JobState.RUNNING, heartbeat_at=queue.clock())

    thread = threading.Thread(target=beat, name=f"heartbeat-{job_id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def commit_pending(queue: JobQueue, writer: IndexWriter) -> int:
    """Index every transcribed job in one commit (group commit); returns how many."""
    settings = queue.settings
    with writer.turn(), queue.database.session() as session:
        jobs = list(session.execute(select(Job).where(Job.state == JobState.TRANSCRIBED)
                                    .order_by(Job.id)).scalars())
        transcripts, committed = {}, []
        for job in jobs:
            try:
                transcripts.setdefault(job.video_id,
                                       load_transcript(settings.transcripts_dir, job.video_id))
                committed.append(job)
            except (TranscriptNotFound, ValueError, KeyError) as exc:
                job.state, job.error, job.finished_at = JobState.FAILED, (
                    f"its transcript cannot be read ({exc}); retry to transcribe again"
                ), queue.clock()
        if transcripts:
            writer.add(list(transcripts.values()), parallel=False)
        for job in committed:
            job.state, job.finished_at = JobState.DONE, queue.clock()
        session.commit()
    if committed:
        logger.info("indexed %d job(s) in one commit: %s", len(committed),
                    ", ".join(str(j.id) for j in committed))
    return len(committed)


def reap(queue: JobQueue, writer: IndexWriter | None = None) -> list[int]:
    """Put back in the queue the jobs whose worker died; finish transcribed jobs left behind.
    Returns the ids queued again (each is dispatched anew)."""
    stale_before = queue.clock() - timedelta(seconds=queue.settings.job_stale_seconds)
    requeued = []
    with queue.database.session() as session:
        running = list(session.execute(select(Job).where(Job.state == JobState.RUNNING))
                       .scalars())
        for job in running:
            if not (_process_gone(job.worker) or job.heartbeat_at is None
                    or job.heartbeat_at < stale_before):
                continue
            # Conditional on the same worker: two reapers never both requeue it.
            taken = session.execute(
                update(Job).where(Job.id == job.id, Job.state == JobState.RUNNING,
                                  Job.worker == job.worker).values(state=JobState.QUEUED)
            ).rowcount
            session.commit()
            if taken:
                logger.warning("job %s: worker %s is gone; queued again", job.id, job.worker)
                requeued.append(job.id)
        pending = session.execute(select(Job.id).where(Job.state == JobState.TRANSCRIBED)
                                  ).first()
    for job_id in requeued:
        queue.dispatch(queue.get(job_id))
    if writer is not None and pending:
        commit_pending(queue, writer)
    return requeued
