"""`speechsearch official VIDEO_ID TEXT_FILE`: attach an official text to an indexed video.

The text is read first (a bad file is refused with nothing touched), then its alignment is
queued as a job and, unless `--queue`, run right here by the job runner `serve` and `worker`
use: it shows in `speechsearch jobs` with its progress, and is indexed by the same group
commit. `--remove` takes the text off again (no aligner: the machine transcript is indexed
again as it was).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from pathlib import Path

import click

from .cli_common import data_dir_option, settings_from
from .config import Settings
from .jobs import ACTIVE_STATES, JobQueue, JobState, open_queue
from .store import load_transcript

logger = logging.getLogger(__name__)
POLL_SECONDS = 0.5  # how often the progress bar reads the job's progress


@click.command()
@click.argument("video_id")
@click.argument("text_file", required=False,
                type=click.Path(dir_okay=False, path_type=Path))
@click.option("--remove", is_flag=True,
              help="Remove the video's official text instead: it is searched and shown with "
                   "its machine transcript alone again. Give no TEXT_FILE.")
@click.option("--queue", "queue_only", is_flag=True,
              help="Only queue the alignment, for `speechsearch serve` or `speechsearch "
                   "worker` (the Celery workers when SPEECHSEARCH_BROKER_URL is set) to run; "
                   "`speechsearch jobs` follows it. By default it runs here, now.")
@data_dir_option
@click.pass_context
def official(ctx: click.Context, video_id: str, text_file: Path | None, remove: bool,
             queue_only: bool, data_dir: Path | None) -> None:
    """Attach an official text (.txt, .html, .srt, .vtt or .pdf) to an indexed video: it is
    aligned word by word to the audio, then searched and shown in place of the machine
    transcript where it covers it. A text of another speech or language is refused, and the
    video stays as it was.

        speechsearch official 17a1a292df1174ea statement.pdf

        speechsearch official 17a1a292df1174ea --remove
    """
    settings = settings_from(ctx, data_dir)
    if remove:
        if text_file is not None:
            raise click.UsageError("--remove takes no TEXT_FILE.")
        _remove(settings, video_id)
        return
    if text_file is None:
        raise click.UsageError("Give the TEXT_FILE to attach, or --remove.")
    from .official import read_official_text  # pypdf, BeautifulSoup: only for this command

    read_official_text(text_file)  # a bad file is refused before the queue is opened
    queue = open_queue(settings)
    job = queue.enqueue_official(video_id, text_file, dispatch=queue_only)
    if queue_only:
        where = ("the Celery workers (`speechsearch worker`)" if settings.broker_url else
                 "`speechsearch serve` or `speechsearch worker`")
        click.echo(f"queued job {job.id} ({job.name}), run by {where}; `speechsearch jobs` "
                   "shows it.")
        return
    state, error = _run_here(queue, job.id)
    if state != JobState.DONE:
        raise click.ClickException(f"the official text was not attached: {error}")
    _report(settings, video_id)


def _run_here(queue: JobQueue, job_id: int) -> tuple[str, str]:
    """Run the job with the job runner, a progress bar following it; its final state and
    error. If a `serve` or `worker` polling the queue took it first, this waits for it."""
    from .jobs.runner import make_indexer, run_job, threads_per_job  # loads the pipeline

    failure: list[BaseException] = []

    def work() -> None:
        try:
            run_job(queue, job_id, make_indexer(queue, threads_per_job(1)))
        except BaseException as exc:  # shown by the main thread, which owns the terminal
            failure.append(exc)

    # A daemon thread: after a Ctrl-C the job is left running under this process's name, and
    # the next `serve`/`worker` queues it again (its process is gone).
    thread = threading.Thread(target=work, name=f"official-job-{job_id}", daemon=True)
    thread.start()
    with click.progressbar(length=100, label="Aligning the official text",
                           show_eta=False) as bar:
        while True:
            job = queue.get(job_id)
            percent = queue.view(job)["percent"] or 0
            bar.update(max(0, round(percent) - bar.pos))
            if not thread.is_alive() and (failure or job.state not in ACTIVE_STATES):
                break
            time.sleep(POLL_SECONDS)
    if failure:
        raise failure[0]
    return job.state, job.error


def _report(settings: Settings, video_id: str) -> None:
    transcript = load_transcript(settings.transcripts_dir, video_id)
    layer = transcript.official
    kinds = Counter(departure.kind for departure in layer.departures)
    detail = ", ".join(f"{count} {kind}" for kind, count in sorted(kinds.items()))
    click.echo(f"{transcript.metadata.title or video_id}: official text {layer.source} "
               f"attached; {layer.coverage:.0%} of its words heard as written; "
               f"{len(layer.departures)} departure(s)" + (f" ({detail})" if detail else "") +
               f". `speechsearch delivery {video_id}` lists them.")


def _remove(settings: Settings, video_id: str) -> None:
    transcript = load_transcript(settings.transcripts_dir, video_id)  # unknown id: refused
    if transcript.official is None:
        click.echo(f"{video_id} has no official text: nothing to remove.")
        return
    queue = open_queue(settings)
    active = [job for job in queue.of_video(video_id) if job.state in ACTIVE_STATES]
    if active:
        raise click.ClickException(
            f"job {active[0].id} is {active[0].state} on {video_id}: remove the text once it "
            "is over (`speechsearch jobs`).")
    from .official.attach import remove_from_video  # the aligner's module: numpy, spaCy
    from .pipeline import Indexer

    remove_from_video(Indexer(settings), video_id)
    click.echo(f"{transcript.metadata.title or video_id}: official text "
               f"{transcript.official.source} removed; the machine transcript is searched and "
               "shown again.")
