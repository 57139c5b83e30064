"""Where a queued job goes: Celery's broker when BROKER_URL is set, else the embedded pool."""

from __future__ import annotations

from flask import Flask


def send(app: Flask, job_id: int) -> None:
    if app.config.get("BROKER_URL"):
        from .celery_app import TASK_NAME, celery_for

        celery_for(app).send_task(TASK_NAME, args=[job_id])
    elif runner := app.extensions.get("job_runner"):
        runner.wake()
    # else: a `speechsearch worker` (or `serve`) polling the same database takes it.
