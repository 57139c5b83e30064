"""Indexing jobs: queue files, run them (embedded pool or Celery workers), show and retry them.

`table` is the job table; `database` its engine and sessions (no Flask); `queue` puts files in
it; `runner` claims and runs one job and commits transcripts to the index in batches, in the
index writer's turn; `embedded` and `celery_app` are the two ways jobs reach a runner;
`commands` are `speechsearch index --queue`, `jobs` and `worker` (see the README's "Indexing
jobs" section).
"""

from ..config import Settings
from .database import Database, database_url
from .queue import Enqueued, JobError, JobQueue, OfficialJobError
from .table import ACTIVE_STATES, IN_FLIGHT_STATES, Job, JobState


def open_queue(settings: Settings, *, prepare: bool = True) -> JobQueue:
    """The job queue of the settings' database (its schema brought up to date first)."""
    url = database_url(settings.database_url, settings.data_dir)
    return JobQueue(settings, Database(url, prepare=prepare))


__all__ = ["ACTIVE_STATES", "IN_FLIGHT_STATES", "Database", "Enqueued", "Job", "JobError",
           "JobQueue", "JobState", "OfficialJobError", "database_url", "open_queue"]
