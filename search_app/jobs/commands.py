"""`speechsearch jobs`, `speechsearch jobs retry ID`, `speechsearch worker`, and `index --queue`."""

from __future__ import annotations

import logging
import signal
import threading
from pathlib import Path

import click
from flask import Flask

from indexer.cli_common import data_dir_option, settings_from
from indexer.config import Settings
from indexer.export import clock
from indexer.records import Metadata

logger = logging.getLogger(__name__)

STATE_COLOURS = {"failed": "red", "done": "green", "running": "cyan", "transcribed": "cyan"}


def site_app(settings: Settings) -> Flask:
    from search_app import create_app

    return create_app({"DATA_DIR": str(settings.data_dir),
                       "LANGUAGES": ",".join(settings.languages)})


def enqueue_files(settings: Settings, files: list[Path], metadata: Metadata,
                  force: bool) -> int:
    """`index --queue`: queue the files, say what became of each; returns the failures."""
    from .queue import enqueue

    app = site_app(settings)
    broker = app.config.get("BROKER_URL")
    with app.app_context():  # the jobs' ids are read from the database session
        results = enqueue(files, metadata, force=force)
        for result in results:
            if result.status == "failed":
                click.echo(click.style("failed  ", fg="red") + f"{result.path}: "
                           f"{result.reason}", err=True)
            elif result.status == "queued":
                click.echo(f"queued  {result.path} (job {result.job.id})")
            else:
                click.echo(f"skipped {result.path} ({result.status}, {result.reason})")
    queued = sum(r.status == "queued" for r in results)
    where = ("Celery workers (`speechsearch worker`)" if broker else
             "`speechsearch serve` or `speechsearch worker` on this machine")
    click.echo(f"{queued} job(s) queued, run by {where}; `speechsearch jobs` shows them.")
    return sum(r.status == "failed" for r in results)


@click.group(invoke_without_command=True)
@click.option("--state", type=click.Choice(("queued", "running", "transcribed", "done",
                                            "failed")), help="Only jobs in this state.")
@click.option("--limit", type=click.IntRange(1, 10000), default=50, show_default=True,
              help="Number of jobs, newest first.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@data_dir_option
@click.pass_context
def jobs(ctx: click.Context, state: str | None, limit: int, as_json: bool,
         data_dir: Path | None) -> None:
    """List indexing jobs: state, progress, speed, errors. `jobs retry ID` retries one.

        speechsearch jobs --state failed
    """
    if ctx.invoked_subcommand:
        return
    import json

    from .queue import job_view, recent_jobs

    app = site_app(settings_from(ctx, data_dir))
    with app.app_context():
        views = [job_view(job) for job in recent_jobs(limit, state)]
    if as_json:
        click.echo(json.dumps(views, ensure_ascii=False, indent=1))
        return
    if not views:
        click.echo("No jobs." + ("" if state else " Queue files with `speechsearch index PATH "
                                                  "--queue`."))
        return
    for view in views:
        progress = f"{view['percent']:5.1f}%" if view["percent"] is not None else "   -  "
        speed = f"{view['speed']:.1f}x" if view["speed"] else ""
        eta = f"{clock(view['eta_seconds'])} left" if view["eta_seconds"] is not None else ""
        state_text = click.style(f"{view['state']:<11}", fg=STATE_COLOURS.get(view["state"]))
        line = f"{view['id']:>5}  {state_text} {progress}  {view['name']}"
        extra = "  ".join(x for x in (clock(view["duration"]) if view["duration"] else "", speed,
                                      eta, f"attempt {view['attempts']}" if view["attempts"] > 1
                                      else "") if x)
        click.echo(line + (f"  ({extra})" if extra else ""))
        if view["error"]:
            click.echo("       " + view["error"])


@jobs.command("retry")
@click.argument("job_id", type=int)
@data_dir_option
@click.pass_context
def retry_command(ctx: click.Context, job_id: int, data_dir: Path | None) -> None:
    """Queue a failed job again.

        speechsearch jobs retry 12
    """
    from .queue import JobError, retry

    app = site_app(settings_from(ctx, data_dir))
    with app.app_context():
        try:
            job = retry(job_id)
        except JobError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(f"job {job.id} queued again ({job.name})")


@click.command()
@click.option("--concurrency", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Jobs at once in this worker; the machine's cores are shared among them.")
@click.option("--threads", type=click.IntRange(1, 256), default=None,
              help="CPU threads per job [default: the cores this process may use, divided by "
                   "--concurrency]. Set it when other workers share the machine.")
@data_dir_option
@click.pass_context
def worker(ctx: click.Context, concurrency: int, threads: int | None,
           data_dir: Path | None) -> None:
    """Run indexing jobs until stopped (Ctrl-C).

    With SPEECHSEARCH_BROKER_URL (redis://host:6379/0) this is a Celery worker: start one on
    every machine that sees the same data dir and database. Without it, it runs the embedded
    queue's jobs from the database.

        SPEECHSEARCH_BROKER_URL=redis://10.0.0.5:6379/0 speechsearch worker --concurrency 2
    """
    app = site_app(settings_from(ctx, data_dir))
    if app.config.get("BROKER_URL"):
        _celery_worker(app, concurrency, threads)
    else:
        _embedded_worker(app, concurrency, threads)


def _embedded_worker(app: Flask, concurrency: int, threads: int | None) -> None:
    from .embedded import EmbeddedRunner

    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    runner = EmbeddedRunner(app, concurrency, threads).start()
    click.echo(f"Running queued jobs with {concurrency} worker(s); Ctrl-C stops.")
    try:
        stopped.wait()
    except KeyboardInterrupt:
        pass
    click.echo("Stopping after the jobs in progress (Ctrl-C again leaves them to be re-run).")
    runner.stop()


def _celery_worker(app: Flask, concurrency: int, threads: int | None) -> None:
    import os
    import socket

    from .celery_app import QUEUE, celery_for, prepare_worker_processes
    from .runner import make_indexer, reap

    prepare_worker_processes(app, concurrency, threads)
    celery = celery_for(app)
    stop = threading.Event()

    def reaper() -> None:
        # Jobs of a worker that died (SIGKILL, a lost machine) go back to the queue as soon as
        # its heartbeat is stale, rather than when Redis's visibility timeout runs out; a job
        # left transcribed by a worker that died before its index commit is committed here
        # (the indexer is only used for its settings and gazetteer: no model is loaded).
        with app.app_context():
            indexer = make_indexer(app)
            while not stop.wait(min(10.0, float(app.config["JOB_STALE_SECONDS"]) / 2)):
                try:
                    reap(indexer)
                except Exception:  # the database may be briefly away: try at the next round
                    logger.exception("reaping stale jobs failed")

    thread = threading.Thread(target=reaper, name="job-reaper", daemon=True)
    thread.start()
    try:
        celery.worker_main(["worker", f"--concurrency={concurrency}", "--pool=prefork",
                            f"--queues={QUEUE}", "--loglevel=INFO", "--without-gossip",
                            "--without-mingle", f"--hostname=speechsearch-{os.getpid()}@"
                            f"{socket.gethostname()}"])
    finally:
        stop.set()
