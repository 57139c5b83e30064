"""Running one job, whoever runs it (the embedded pool or a Celery worker).

How nothing is lost or indexed twice:
- A job is *claimed* by one conditional UPDATE (queued -> running); a second delivery of the
  same job (Celery redelivers unacknowledged tasks) finds it claimed and does nothing.
- While it runs, its worker writes a heartbeat. A job whose worker died (its process is gone on
  this host, or no heartbeat for STALE seconds) is put back in the queue by `reap`.
- Transcribing ends with the transcript saved (atomic file) and the job `transcribed`. Index
  writes then go through `commit_pending`: one process at a time (a lock file in the data dir)
  indexes *every* transcribed job in one Whoosh commit, and marks them done. Two jobs that finish
  together are both in the batch of whichever gets the lock first; a worker that dies between
  its transcript and the index leaves a `transcribed` job that the next commit picks up.
  Re-indexing a video replaces its documents, so a repeated commit never duplicates them.
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

from flask import Flask, current_app
from sqlalchemy import update

from indexer.pipeline import Indexer, IndexOptions
from indexer.records import Metadata
from indexer.search_index import add_many
from indexer.store import TranscriptNotFound, load_transcript

from ..models import Job, db
from .queue import dispatch, now
from .writer_lock import index_writer_lock

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


def claim(job_id: int) -> Job | None:
    """Take a queued job for this worker; None if someone else has it or it is finished."""
    moment = now()
    taken = db.session.execute(
        update(Job).where(Job.id == job_id, Job.state == "queued").values(
            state="running", worker=worker_name(), attempts=Job.attempts + 1, error="",
            started_at=moment, heartbeat_at=moment, done_seconds=0.0)
    ).rowcount
    db.session.commit()
    return db.session.get(Job, job_id) if taken else None


def next_queued() -> int | None:
    return db.session.execute(
        db.select(Job.id).where(Job.state == "queued").order_by(Job.id).limit(1)
    ).scalar()


def run_job(job_id: int, indexer: Indexer) -> str:
    """Claim and run job `job_id`; returns its final state (or "not claimed")."""
    job = claim(job_id)
    if job is None:
        logger.info("job %s: already taken or finished, nothing to do", job_id)
        return "not claimed"
    logger.info("job %s: %s (attempt %s) on %s", job.id, job.name, job.attempts, job.worker)
    app = current_app._get_current_object()
    with _heartbeat(app, job.id):
        try:
            outcome = indexer.transcribe_file(Path(job.path), _progress(job.id),
                                              Metadata(**job.meta), force=bool(job.force))
        except Exception as exc:  # a job's failure is recorded, and the worker goes on
            logger.exception("job %s failed", job_id)
            outcome = None
            reason = f"{type(exc).__name__}: {exc}"
    db.session.expire_all()
    job = db.session.get(Job, job_id)
    if outcome is None or outcome.status == "failed":
        job.state, job.error = "failed", (reason if outcome is None else outcome.reason)
        job.finished_at = now()
    elif outcome.status == "skipped":
        job.state, job.error, job.finished_at = "done", outcome.reason, now()
    else:
        job.state = "transcribed"
        job.duration = outcome.duration or job.duration
        job.done_seconds = job.duration
        job.transcribe_seconds = outcome.seconds
    db.session.commit()
    if job.state == "transcribed":
        commit_pending(indexer)
    db.session.expire_all()
    return db.session.get(Job, job_id).state


def _progress(job_id: int):
    """The pipeline's progress factory: writes the seconds done, at most once a second."""
    def factory(media):
        db.session.execute(update(Job).where(Job.id == job_id).values(duration=media.duration))
        db.session.commit()
        last = [0.0]

        def on_progress(done: float) -> None:
            if time.monotonic() - last[0] >= PROGRESS_EVERY:
                last[0] = time.monotonic()
                db.session.execute(update(Job).where(Job.id == job_id).values(
                    done_seconds=min(done, media.duration), heartbeat_at=now()))
                db.session.commit()
        return on_progress
    return factory


@contextmanager
def _heartbeat(app: Flask, job_id: int) -> Iterator[None]:
    """Beat every few seconds on a thread of its own: decoding a long file reports no progress."""
    stop = threading.Event()
    interval = max(1.0, float(app.config["JOB_STALE_SECONDS"]) / 4)

    def beat() -> None:
        with app.app_context():
            while not stop.wait(interval):
                db.session.execute(update(Job).where(Job.id == job_id, Job.state == "running")
                                   .values(heartbeat_at=now()))
                db.session.commit()

    thread = threading.Thread(target=beat, name=f"heartbeat-{job_id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def commit_pending(indexer: Indexer) -> int:
    """Index every transcribed job in one commit (group commit); returns how many."""
    settings = indexer.settings
    with index_writer_lock(settings.data_dir):
        db.session.expire_all()
        jobs = list(db.session.execute(
            db.select(Job).where(Job.state == "transcribed").order_by(Job.id)).scalars())
        transcripts, committed = {}, []
        for job in jobs:
            try:
                transcripts.setdefault(job.video_id,
                                       load_transcript(settings.transcripts_dir, job.video_id))
                committed.append(job)
            except (TranscriptNotFound, ValueError, KeyError) as exc:
                job.state, job.error, job.finished_at = "failed", (
                    f"its transcript cannot be read ({exc}); retry to transcribe again"), now()
        if transcripts:
            add_many(settings.index_dir, list(transcripts.values()), indexer.gazetteer,
                     settings.languages, parallel=False)
        for job in committed:
            job.state, job.finished_at = "done", now()
        db.session.commit()
    if committed:
        logger.info("indexed %d job(s) in one commit: %s", len(committed),
                    ", ".join(str(j.id) for j in committed))
    return len(committed)


def reap(indexer: Indexer | None = None) -> list[int]:
    """Put back in the queue the jobs whose worker died; finish transcribed jobs left behind.
    Returns the ids queued again (each is dispatched anew)."""
    stale_before = now() - timedelta(seconds=float(current_app.config["JOB_STALE_SECONDS"]))
    requeued = []
    running = db.session.execute(db.select(Job).where(Job.state == "running")).scalars()
    for job in list(running):
        if not (_process_gone(job.worker) or job.heartbeat_at is None
                or job.heartbeat_at < stale_before):
            continue
        # Conditional on the same worker: two reapers never both requeue it.
        taken = db.session.execute(
            update(Job).where(Job.id == job.id, Job.state == "running",
                              Job.worker == job.worker).values(state="queued")
        ).rowcount
        db.session.commit()
        if taken:
            logger.warning("job %s: worker %s is gone; queued again", job.id, job.worker)
            requeued.append(job.id)
            dispatch(db.session.get(Job, job.id))
    if indexer is not None and db.session.execute(
            db.select(Job.id).where(Job.state == "transcribed")).first():
        commit_pending(indexer)
    return requeued


def threads_per_job(jobs_at_once: int, threads: int | None = None) -> int:
    """CTranslate2 threads for each of `jobs_at_once` jobs: `threads` when given, else the
    cores this process may run on (CPU affinity, e.g. a container's cpuset), shared out."""
    if threads:
        return threads
    return max(1, len(os.sched_getaffinity(0)) // max(1, jobs_at_once))


def make_indexer(app: Flask, cpu_threads: int = 0) -> Indexer:
    """An Indexer for this app's data dir; the model loads on its first job."""
    from indexer.engines import EngineOptions

    settings = app.extensions["archive"].settings
    return Indexer(settings, IndexOptions(engine_options=EngineOptions(cpu_threads=cpu_threads)))
