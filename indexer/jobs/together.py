"""Several queued jobs transcribed at once by one worker, their windows decoded together.

A job's file of a minute or less is one or two 30 s windows: alone, it leaves a batch nearly
empty. When a worker finds several jobs queued, it claims up to `files_at_once` of them and
transcribes their files as `speechsearch index` does several files (index_many.py: one
engine, each file in a thread of its own, their batches decoded as one call on each lane).
Each job keeps what it has alone: its own options (title, speaker, force, official text),
its progress and heartbeat, its outcome written on it (runner.record), a failure of its own
that fails no other job. The transcripts then go to the index in one commit (group commit:
runner.commit_pending). Jobs that transcribe nothing (find and replace, a correction's
realignment) run one after the other, as before.

Used by the embedded queue (embedded.py). A Celery task is one job: each pool process takes
one at a time, so its jobs are not decoded together.
"""

from __future__ import annotations

import logging
from contextlib import ExitStack
from pathlib import Path

from ..index_many import ManyFiles
from ..index_writer import IndexWriter
from ..pipeline import Indexer
from .queue import JobQueue
from .runner import (
    claim,
    commit_pending,
    heartbeat,
    is_transcription,
    record,
    run_claimed,
    transcribe_job,
)
from .table import JobState

logger = logging.getLogger(__name__)


def run_together(queue: JobQueue, job_ids: list[int], indexer: Indexer) -> list[str]:
    """Claim the jobs `job_ids` and run them, the transcriptions together; returns the final
    state of each (or "not claimed": another worker has it, or it is finished)."""
    claimed = {job_id: claim(queue, job_id) for job_id in job_ids}
    jobs = [job for job in claimed.values() if job is not None]
    states = {job_id: "not claimed" for job_id, job in claimed.items() if job is None}
    for job in (job for job in jobs if not is_transcription(job)):
        states[job.id] = run_claimed(queue, job, indexer)
    transcribing = [job for job in jobs if is_transcription(job)]
    if len(transcribing) > 1:
        logger.info("jobs %s: transcribed together",
                    ", ".join(str(job.id) for job in transcribing))
    if transcribing:
        with ExitStack() as beating:
            for job in transcribing:
                beating.enter_context(heartbeat(queue, job.id))
            outcomes = list(ManyFiles(
                indexer, [Path(job.path) for job in transcribing], len(transcribing),
                run=lambda own, position, _factory: transcribe_job(queue, transcribing[position],
                                                                   own)))
        recorded = [record(queue, job.id, outcome)
                    for job, outcome in zip(transcribing, outcomes, strict=True)]
        if JobState.TRANSCRIBED in recorded:
            commit_pending(queue, IndexWriter(queue.settings, indexer.gazetteer))
        for job in transcribing:
            states[job.id] = str(queue.get(job.id).state)
    return [states[job_id] for job_id in job_ids]
