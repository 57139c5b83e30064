"""Putting files in the job queue, retrying them, and showing them.

A job is keyed by its file's content hash (`video_id`): a file already queued, running or
indexed is not queued again, even under another name. Every function here needs an app context.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

from flask import current_app

from indexer.decode import MediaError, probe
from indexer.records import MediaInfo, Metadata
from indexer.search_index import is_indexed

from ..models import Job, db

logger = logging.getLogger(__name__)

ACTIVE = ("queued", "running", "transcribed")
STATES = ("queued", "running", "transcribed", "done", "failed")


class JobError(ValueError):
    """A job request that cannot be honoured. The message is for the command line; the web
    page words it in the UI language from `job_id` and `state` (the job's, None if none)."""

    def __init__(self, message: str, job_id: int, state: str | None = None):
        super().__init__(message)
        self.job_id, self.state = job_id, state


@dataclass
class Enqueued:
    path: Path
    status: str  # "queued", "already queued", "already indexed" or "failed"
    reason: str = ""
    job: Job | None = None


def now() -> datetime:
    return datetime.now(timezone.utc)


def enqueue(paths: list[Path], metadata: Metadata | None = None, *, user_id: int | None = None,
            force: bool = False) -> list[Enqueued]:
    """Queue each media file; a file that cannot be read is reported and the others go on."""
    results = []
    for path in paths:
        path = Path(path).resolve()
        try:
            media = probe(path)
        except MediaError as exc:
            results.append(Enqueued(path, "failed", str(exc)))
            continue
        results.append(_add_job(path, media, metadata, user_id, force, None))
    # Sent once all are committed: each commit expires the jobs before it, and sending reads
    # them back, so the returned jobs stay readable after the app context ends.
    for result in results:
        if result.status == "queued":
            dispatch(result.job)
    return results


def enqueue_probed(path: Path, media: MediaInfo, metadata: Metadata | None = None, *,
                   user_id: int | None = None, force: bool = False,
                   name: str | None = None) -> Enqueued:
    """Queue one file already probed (its content hashed): an upload is hashed only once.
    `name`: what the jobs page calls it (an upload's own name, not the name it is kept
    under); default the file's name."""
    result = _add_job(Path(path).resolve(), media, metadata, user_id, force, name)
    if result.status == "queued":
        dispatch(result.job)
    return result


def _add_job(path: Path, media: MediaInfo, metadata: Metadata | None, user_id: int | None,
             force: bool, name: str | None) -> Enqueued:
    active = db.session.execute(
        db.select(Job).where(Job.video_id == media.video_id, Job.state.in_(ACTIVE))
    ).scalars().first()
    if active:
        return Enqueued(path, "already queued", f"job {active.id}", active)
    index_dir = current_app.extensions["archive"].settings.index_dir
    if not force and is_indexed(index_dir, media.video_id):
        return Enqueued(path, "already indexed", f"id {media.video_id}")
    job = Job(video_id=media.video_id, path=str(path), name=(name or path.name)[:300],
              state="queued", meta={k: v for k, v in asdict(metadata or Metadata()).items() if v},
              force=force, duration=media.duration, user_id=user_id, created_at=now())
    db.session.add(job)
    db.session.commit()
    return Enqueued(path, "queued", "", job)


def dispatch(job: Job) -> None:
    """Hand a queued job to whoever runs jobs: Celery's broker, or this process's embedded
    pool; with neither, a `speechsearch worker` (or `serve`) polling the database takes it."""
    app = current_app._get_current_object()
    try:
        if app.config.get("BROKER_URL"):
            from .celery_app import TASK_NAME, celery_for

            celery_for(app).send_task(TASK_NAME, args=[job.id])
        elif runner := app.extensions.get("job_runner"):
            runner.wake()
    except Exception as exc:  # the broker's client raises many kinds; the job must not vanish
        logger.error("job %s could not be sent to the broker: %s", job.id, exc)
        job.state, job.error, job.finished_at = "failed", (
            f"could not reach the job broker ({exc}); start it, then retry this job"), now()
        db.session.commit()


def retry(job_id: int) -> Job:
    job = db.session.get(Job, job_id)
    if job is None:
        raise JobError(f"no job {job_id}; `speechsearch jobs` lists them", job_id)
    if job.state != "failed":
        raise JobError(f"job {job_id} is {job.state}; only failed jobs can be retried", job_id,
                       job.state)
    job.state, job.error, job.done_seconds = "queued", "", 0.0
    job.worker, job.started_at, job.finished_at, job.heartbeat_at = "", None, None, None
    db.session.commit()
    dispatch(job)
    return job


def recent_jobs(limit: int = 200, state: str | None = None) -> list[Job]:
    query = db.select(Job).order_by(Job.id.desc()).limit(limit)
    if state:
        query = query.where(Job.state == state)
    return list(db.session.execute(query).scalars())


def job_view(job: Job) -> dict:
    """What the jobs page, the JSON and the CLI show of a job."""
    percent = speed = eta = None
    if job.duration:
        done = job.duration if job.state in ("transcribed", "done") else job.done_seconds
        percent = round(min(100.0, 100.0 * done / job.duration), 1)
    if job.state == "running" and job.started_at and job.done_seconds > 0:
        elapsed = (now() - job.started_at).total_seconds()
        if elapsed > 0:
            speed = job.done_seconds / elapsed
            eta = max(0.0, (job.duration - job.done_seconds) / speed)
    elif job.transcribe_seconds and job.duration:
        speed = job.duration / job.transcribe_seconds

    def iso(moment: datetime | None) -> str | None:
        return moment.isoformat(timespec="seconds") if moment else None

    return {"id": job.id, "name": job.name, "video_id": job.video_id, "state": job.state,
            "percent": percent, "done_seconds": round(job.done_seconds, 1),
            "duration": round(job.duration, 1), "speed": round(speed, 2) if speed else None,
            "eta_seconds": round(eta) if eta is not None else None, "error": job.error,
            "attempts": job.attempts, "worker": job.worker, "created_at": iso(job.created_at),
            "started_at": iso(job.started_at), "finished_at": iso(job.finished_at)}
