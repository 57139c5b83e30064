"""A correction's follow-up as a job (indexer/corrections/realign.py): the changed words of a
saved revision re-timed on the audio and its passages tagged again. The save itself is
immediate (spread times, re-indexed at once); the aligner and spaCy are indexing work, run by
the embedded pool or a Celery worker, never by the web request that saved."""

from __future__ import annotations

import logging

from ..corrections.realign import refine_revision
from ..corrections.replace import Batch
from ..official.attach import media_audio
from ..store import TranscriptNotFound, load_transcript
from .queue import JobQueue
from .table import Job, JobState

logger = logging.getLogger(__name__)
KIND = "realign"


def is_realign_job(job: Job) -> bool:
    return isinstance(job.meta, dict) and job.meta.get("kind") == KIND


def enqueue_realign(queue: JobQueue, video_id: str, revision: int, media: str,
                    user_id: int | None = None) -> Job:
    """Queue the follow-up of `video_id`'s revision `revision` (one "second" of progress)."""
    with queue.database.session() as session:
        job = Job(video_id=video_id, path=media, name=f"re-time revision {revision}"[:300],
                  state=JobState.QUEUED, meta={"kind": KIND, "revision": revision},
                  force=False, duration=1.0, user_id=user_id, created_at=queue.clock())
        session.add(job)
        session.commit()
    queue.dispatch(job)
    return job


def enqueue_batch_realign(queue: JobQueue, batch: Batch, user_id: int | None = None
                          ) -> list[Job]:
    """Queue the follow-up of each revision a find and replace batch made."""
    jobs = []
    for video_id, number in batch.videos.items():
        try:
            media = load_transcript(queue.settings.transcripts_dir, video_id).media.path
        except TranscriptNotFound:  # removed since: nothing to refine
            continue
        jobs.append(enqueue_realign(queue, video_id, number, media, user_id))
    return jobs


def run_realign(queue: JobQueue, job: Job, indexer) -> str:
    """Run a claimed follow-up job with `indexer`'s model and tagger; its final state."""
    settings = queue.settings
    try:
        transcript = load_transcript(settings.transcripts_dir, job.video_id)
        model = getattr(indexer.engine, "model", None)  # only faster-whisper can force-align
        audio = media_audio(transcript) if model is not None else None
        refined = refine_revision(settings, indexer.gazetteer, job.video_id,
                                  int(job.meta["revision"]), model, indexer.tagger, audio)
    except Exception as exc:  # a job's failure is recorded, and the worker goes on
        logger.exception("job %s failed", job.id)
        queue.update(job.id, state=JobState.FAILED, error=f"{type(exc).__name__}: {exc}",
                     finished_at=queue.clock())
        return str(JobState.FAILED)
    note = refined.reason or (f"revision {refined.saved.revision.number}: {refined.words} "
                              f"word(s) re-timed in {refined.passages} passage(s)")
    queue.update(job.id, state=JobState.DONE, finished_at=queue.clock(), done_seconds=1.0,
                 error="" if refined.saved else note[:2000])
    logger.info("job %s: %s", job.id, note)
    return str(JobState.DONE)
