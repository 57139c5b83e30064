"""Indexing jobs: queue files, run them (embedded pool or Celery workers), show and retry them.

`queue` puts files in the job table; `runner` claims and runs one job and commits transcripts
to the index in batches under a single-writer lock; `embedded` and `celery_app` are the two
ways jobs reach a runner (see the README's "Indexing jobs" section).
"""

from .queue import Enqueued, JobError, enqueue, enqueue_probed, job_view, recent_jobs, retry

__all__ = ["Enqueued", "JobError", "enqueue", "enqueue_probed", "job_view", "recent_jobs",
           "retry"]
