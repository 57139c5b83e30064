"""`speechsearch jobs`, `speechsearch jobs retry ID`, `speechsearch worker`, and `index --queue`."""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import threading
from pathlib import Path

import click

from ..cli_common import data_dir_option, settings_from
from ..config import Settings
from ..export import clock
from ..index_writer import IndexWriter
from ..records import Metadata
from ..reindex import prepare_index
from . import open_queue
from .embedded import EmbeddedRunner
from .queue import JobQueue
from .runner import make_indexer, reap
from .table import JobState

logger = logging.getLogger(__name__)

STATE_COLOURS = {JobState.FAILED: "red", JobState.DONE: "green", JobState.RUNNING: "cyan",
                 JobState.TRANSCRIBED: "cyan"}


def enqueue_files(settings: Settings, files: list[Path], metadata: Metadata,
                  force: bool) -> int:
    """`index --queue`: queue the files, say what became of each; returns the failures."""
    results = open_queue(settings).enqueue(files, metadata, force=force)
    for result in results:
        if result.status == "failed":
            click.echo(click.style("failed  ", fg="red") + f"{result.path}: {result.reason}",
                       err=True)
        elif result.status == "queued":
            click.echo(f"queued  {result.path} (job {result.job.id})")
        else:
            click.echo(f"skipped {result.path} ({result.status}, {result.reason})")
    queued = sum(r.status == "queued" for r in results)
    where = ("Celery workers (`speechsearch worker`)" if settings.broker_url else
             "`speechsearch serve` or `speechsearch worker` on this machine")
    click.echo(f"{queued} job(s) queued, run by {where}; `speechsearch jobs` shows them.")
    return sum(r.status == "failed" for r in results)


@click.group(invoke_without_command=True)
@click.option("--state", type=click.Choice([s.value for s in JobState]),
              help="Only jobs in this state.")
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
    queue = open_queue(settings_from(ctx, data_dir))
    views = [queue.view(job) for job in queue.recent(limit, state)]
    if as_json:
        click.echo(json.dumps(views, ensure_ascii=False, indent=1))
        return
    if not views:
        click.echo("No jobs." + ("" if state else " Queue files with `speechsearch index PATH "
                                                  "--queue`."))
        return
    for view in views:
        click.echo(_job_line(view))
        if view["error"]:
            click.echo("       " + view["error"])


def _job_line(view: dict) -> str:
    progress = f"{view['percent']:5.1f}%" if view["percent"] is not None else "   -  "
    speed = f"{view['speed']:.1f}x" if view["speed"] else ""
    eta = f"{clock(view['eta_seconds'])} left" if view["eta_seconds"] is not None else ""
    state_text = click.style(f"{view['state']:<11}", fg=STATE_COLOURS.get(view["state"]))
    extra = "  ".join(x for x in (clock(view["duration"]) if view["duration"] else "", speed,
                                  eta, f"attempt {view['attempts']}" if view["attempts"] > 1
                                  else "") if x)
    line = f"{view['id']:>5}  {state_text} {progress}  {view['name']}"
    return line + (f"  ({extra})" if extra else "")


@jobs.command("retry")
@click.argument("job_id", type=int)
@data_dir_option
@click.pass_context
def retry_command(ctx: click.Context, job_id: int, data_dir: Path | None) -> None:
    """Queue a failed job again.

        speechsearch jobs retry 12
    """
    job = open_queue(settings_from(ctx, data_dir)).retry(job_id)
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
    settings = settings_from(ctx, data_dir)
    prepare_index(settings)  # the index of this version's format, interrupted rewrites finished
    queue = open_queue(settings)
    if queue.settings.broker_url:
        _celery_worker(queue, concurrency, threads)
    else:
        _embedded_worker(queue, concurrency, threads)


def _embedded_worker(queue: JobQueue, concurrency: int, threads: int | None) -> None:
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    runner = EmbeddedRunner(queue, concurrency, threads).start()
    click.echo(f"Running queued jobs with {concurrency} worker(s); Ctrl-C stops.")
    try:
        stopped.wait()
    except KeyboardInterrupt:
        pass
    click.echo("Stopping after the jobs in progress (Ctrl-C again leaves them to be re-run).")
    runner.stop()


def _celery_worker(queue: JobQueue, concurrency: int, threads: int | None) -> None:
    # Celery loads only for a distributed worker, not for every `speechsearch` command.
    from .celery_app import QUEUE, make_celery, prepare_worker_processes

    prepare_worker_processes(queue, concurrency, threads)
    celery = make_celery(queue.settings, queue)
    stop = threading.Event()

    def reaper() -> None:
        # Jobs of a worker that died (SIGKILL, a lost machine) go back to the queue as soon as
        # its heartbeat is stale, rather than when Redis's visibility timeout runs out; a job
        # left transcribed by a worker that died before its index commit is committed here
        # (the indexer is only used for its gazetteer: no model is loaded).
        writer = IndexWriter(queue.settings, make_indexer(queue).gazetteer)
        while not stop.wait(min(10.0, queue.settings.job_stale_seconds / 2)):
            try:
                reap(queue, writer)
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
