"""The distributed queue: Celery with Redis as broker, one task per job.

The task only carries the job's id; the job itself (file, metadata, state) is in the database
every worker sees. Tasks are acknowledged late, after the job ran, and a task whose worker
process died is rejected back to the queue; the claim in `runner` makes any second delivery
a no-op, so a job is never run twice at once and never indexed twice.
"""

from __future__ import annotations

import logging

from celery import Celery
from celery.signals import worker_process_init

from ..config import Settings
from .runner import make_indexer, run_job, threads_per_job

logger = logging.getLogger(__name__)

TASK_NAME = "speechsearch.index_job"
QUEUE = "speechsearch"

_process: dict = {}  # this worker process's Indexer (the model loads once) and its threads


def make_celery(settings: Settings, queue=None) -> Celery:
    """A Celery app on the settings' broker; `queue` (a JobQueue) runs the tasks, in a worker."""
    celery = Celery("speechsearch", broker=settings.broker_url, set_as_current=False)
    celery.conf.update(
        task_acks_late=True,  # acknowledged when the job is over, not when it starts
        task_reject_on_worker_lost=True,  # a killed worker's task goes back to the queue
        worker_prefetch_multiplier=1,  # a job is minutes long: never hold one in reserve
        task_default_queue=QUEUE,
        task_ignore_result=True,  # results are in the job table
        broker_connection_retry_on_startup=True,
        broker_transport_options={"visibility_timeout": settings.job_visibility_timeout},
        worker_hijack_root_logger=False,
    )

    @celery.task(name=TASK_NAME)
    def index_job(job_id: int) -> str:
        if queue is None:
            raise RuntimeError("this Celery app only sends tasks")
        if "indexer" not in _process:
            _process["indexer"] = make_indexer(queue, _process.get("cpu_threads", 0))
        return run_job(queue, job_id, _process["indexer"])

    return celery


def prepare_worker_processes(queue, concurrency: int, threads: int | None = None) -> None:
    """Each forked worker process shares the cores, and opens its own database connections."""
    _process["cpu_threads"] = threads_per_job(concurrency, threads)

    @worker_process_init.connect(weak=False)
    def fresh_connections(**_) -> None:
        queue.database.dispose(close=False)  # the parent's pooled connections are not ours
