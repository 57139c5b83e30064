"""Find and replace batches as jobs (indexer/corrections/replace.py): a batch that touches many
videos is run by the embedded pool or a Celery worker, its progress (videos done of the batch)
on the jobs page. Each video's revision is committed in the index writer's turn; a batch run
again after a crash goes on where it stopped (the batch file says which videos are done)."""

from __future__ import annotations

import logging

from ..corrections.replace import Batch, batch_path, load_batch, parse_keys, run_batch, save_batch
from ..gazetteer import Gazetteer
from .queue import JobQueue
from .table import Job, JobState

logger = logging.getLogger(__name__)
KIND = "replace"


def is_replace_job(job: Job) -> bool:
    return isinstance(job.meta, dict) and job.meta.get("kind") == KIND


def enqueue_replace(queue: JobQueue, batch: Batch, user_id: int | None = None) -> Job:
    """Record the batch, and queue its job (one "second" of progress per video)."""
    save_batch(queue.settings.data_dir, batch)
    videos = len(parse_keys(batch.keys))
    with queue.database.session() as session:
        job = Job(video_id="", path=str(batch_path(queue.settings.data_dir, batch.id)),
                  name=f"replace: {batch.phrase} → {batch.replacement}"[:300],
                  state=JobState.QUEUED, meta={"kind": KIND, "batch": batch.id}, force=False,
                  duration=float(videos), user_id=user_id, created_at=queue.clock())
        session.add(job)
        session.commit()
    queue.dispatch(job)
    return job


def run_replace(queue: JobQueue, job: Job) -> str:
    """Run a claimed replace job; its final state."""
    def progress(done: int, total: int) -> None:
        queue.update(job.id, done_seconds=float(done), heartbeat_at=queue.clock())

    try:
        batch = load_batch(queue.settings.data_dir, job.meta["batch"])
        # The gazetteer as it is now: the batch's name may have been added to it just before.
        batch = run_batch(queue.settings, Gazetteer.load(queue.settings.gazetteer_path), batch,
                          progress)
    except Exception as exc:  # a job's failure is recorded, and the worker goes on
        logger.exception("job %s failed", job.id)
        queue.update(job.id, state=JobState.FAILED, error=f"{type(exc).__name__}: {exc}",
                     finished_at=queue.clock())
        return str(JobState.FAILED)
    skipped = "; ".join(f"{v}: {why}" for v, why in batch.skipped.items())
    queue.update(job.id, state=JobState.DONE, finished_at=queue.clock(),
                 done_seconds=job.duration,
                 error=f"{len(batch.skipped)} video(s) left as they were: {skipped}"[:2000]
                 if skipped else "")
    return str(JobState.DONE)
