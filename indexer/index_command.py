"""`speechsearch index`: transcribe and index media files, several at once (index_many.py),
or queue them for the workers (`--queue`); a progress bar per file, a line per outcome and a
summary.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import click
from tqdm import tqdm

from .cli_common import data_dir_option, settings_from
from .config import DEFAULT_FILES_AT_ONCE, MAX_FILES_AT_ONCE
from .decode import iter_media_files
from .engines import DEFAULT_BATCH_SIZE, ENGINE_NAMES, MAX_BATCH_SIZE, MAX_LANES, EngineOptions
from .engines.lanes import MAX_AUTO_LANES
from .export import clock
from .index_many import ManyFiles
from .jobs.commands import enqueue_files
from .pipeline import FileOutcome, Indexer, IndexOptions, MetadataError, validate_date
from .records import Metadata
from .reindex import prepare_index


def _check_date(ctx, param, value: str | None) -> str | None:
    try:
        return validate_date(value or "") or None
    except MetadataError as exc:
        raise click.BadParameter(str(exc)) from None


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--engine", type=click.Choice(ENGINE_NAMES), default="faster-whisper",
              show_default=True, help="Speech-to-text engine.")
@click.option("--model", default="base", show_default=True,
              help="Whisper model: 'base' (installed from PyPI), a local CTranslate2 model "
                   "folder, or a standard name such as 'small' (needs a network).")
@click.option("--language", default="auto", show_default=True, metavar="auto|CODE",
              help="Spoken language. 'auto' detects it per speech chunk among the archive's "
                   "languages.")
@click.option("--title", help="Title of every file given (else the sidecar's, else the name).")
@click.option("--date", callback=_check_date, help="Date, YYYY-MM-DD.")
@click.option("--speaker", help="Speaker's name.")
@click.option("--event", help="Event, e.g. 'NATO-Russia Council, Brussels'.")
@click.option("--force", is_flag=True, help="Transcribe and index again files already indexed "
              "(the archivists' corrected passages are kept, matched by time).")
@click.option("--discard-corrections", is_flag=True,
              help="With --force: drop the archivists' corrections instead of keeping them (a "
                   "revision: `speechsearch revert` brings them back).")
@click.option("--beam-size", type=click.IntRange(1, 10), default=5, show_default=True,
              help="Beam search width: 1 is faster, 5 more accurate.")
@click.option("--batch-size", type=click.IntRange(1, MAX_BATCH_SIZE), default=None,
              metavar="N",
              help="Speech windows (up to 30 s each) decoded at once, shared among the "
                   "lanes: faster, and a little more memory per window. 1 turns batching off. "
                   "Default "
                   f"SPEECHSEARCH_BATCH_SIZE, else {DEFAULT_BATCH_SIZE}.")
@click.option("--files-at-once", type=click.IntRange(1, MAX_FILES_AT_ONCE), default=None,
              metavar="N",
              help="Files indexed at once, their speech windows decoded together: faster on "
                   "many short files, and each file's audio held in memory meanwhile. 1 "
                   "indexes them one by one. Default SPEECHSEARCH_FILES_AT_ONCE, else "
                   f"{DEFAULT_FILES_AT_ONCE}.")
@click.option("--lanes", type=click.IntRange(0, MAX_LANES), default=None, metavar="N",
              help="Copies of the model decoding side by side, the cores split between them "
                   "(faster on two cores or more; each holds its model and batch in memory). "
                   "0 chooses: one a core, at most "
                   f"{MAX_AUTO_LANES}. Default SPEECHSEARCH_LANES, else 0.")
@click.option("--no-prompt", is_flag=True,
              help="Do not bias recognition toward the gazetteer's names.")
@click.option("--official-text", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The published text of the speech (.txt, .html, .srt, .vtt or .pdf), aligned "
                   "word by word to the audio; one media file only. Else a sidecar beside the "
                   "media (talk.mp4 -> talk.txt...) is used.")
@click.option("--speakers", type=click.IntRange(1, 20), default=None, metavar="N",
              help="How many voices speak (default: estimated).")
@click.option("--no-diarize", is_flag=True, help="Do not tell the voices apart.")
@click.option("--queue", "queue", is_flag=True,
              help="Queue the files as jobs for `speechsearch worker` / `serve` instead of "
                   "indexing them here (default engine and settings).")
@data_dir_option
@click.pass_context
def index(ctx: click.Context, paths: tuple[Path, ...], engine: str, model: str, language: str,
          title: str | None, date: str | None, speaker: str | None, event: str | None,
          force: bool, discard_corrections: bool, beam_size: int, batch_size: int | None,
          files_at_once: int | None, lanes: int | None, no_prompt: bool,
          official_text: Path | None, speakers: int | None, no_diarize: bool, queue: bool,
          data_dir: Path | None) -> None:
    """Transcribe and index media files or folders (searched recursively).

    Each file is identified by its content: a file already indexed is skipped, even renamed.
    Metadata can also come from a sidecar JSON beside the media (talk.mp4 -> talk.json) with
    the keys title, date, speaker, event. An official text (--official-text, or a sidecar
    talk.txt/.html/.srt/.vtt/.pdf) is aligned to the audio and becomes what is searched and
    shown; an indexed file gets a new text without being transcribed again.

        speechsearch index data/samples

        speechsearch index statement.mp4 --official-text statement.pdf

        speechsearch index talk.mp4 --title "Press point" --date 2009-12-04 --speaker "J. Doe"

        speechsearch index /archive/2009 --queue
    """
    settings = settings_from(ctx, data_dir)
    options = IndexOptions(
        engine=engine, model=model, force=force, prompt=not no_prompt,
        language=None if language == "auto" else language.lower(),
        metadata=Metadata(title=title or "", date=date or "", speaker=speaker or "",
                          event=event or ""),
        engine_options=EngineOptions(beam_size=beam_size,
                                     batch_size=batch_size or settings.batch_size,
                                     lanes=settings.lanes if lanes is None else lanes),
        official_text=official_text,
        diarize=not no_diarize, speakers=speakers,
        discard_corrections=discard_corrections,
    )
    if discard_corrections and (not force or queue):
        raise click.UsageError("--discard-corrections goes with --force (transcribing again "
                               "here), not without it nor with --queue.")
    files = iter_media_files(list(paths))
    if not files:
        raise click.ClickException("No media files found in: " + ", ".join(map(str, paths)))
    if official_text and len(files) > 1:
        raise click.UsageError(f"--official-text is the text of one speech, but {len(files)} "
                               "media files were given: index them one by one, or put each "
                               "text beside its media (talk.mp4 -> talk.txt).")
    if official_text and queue:
        raise click.UsageError("--official-text cannot be used with --queue: put the text "
                               "beside the media (talk.mp4 -> talk.txt), or attach it later "
                               "with `speechsearch official`.")
    if queue:
        custom = [name for name, value in (("--engine", engine != "faster-whisper"),
                                           ("--model", model != "base"),
                                           ("--language", language != "auto"),
                                           ("--beam-size", beam_size != 5),
                                           ("--batch-size", batch_size is not None),
                                           ("--files-at-once", files_at_once is not None),
                                           ("--lanes", lanes is not None),
                                           ("--no-prompt", no_prompt),
                                           ("--speakers", speakers is not None),
                                           ("--no-diarize", no_diarize)) if value]
        if custom:
            raise click.UsageError(f"{', '.join(custom)} cannot be used with --queue: jobs run "
                                   "with the workers' default settings.")
        if enqueue_files(settings, files, options.metadata, force):
            ctx.exit(1)
        return
    # After an upgrade the old index is refused: rebuilt; an interrupted rewrite: finished.
    rebuilt = prepare_index(settings)
    if rebuilt:
        click.echo(f"index rebuilt in this version's format: {rebuilt.videos} videos")
    indexer = Indexer(settings, options)
    outcomes = []

    @contextmanager
    def progress(position: int, member: int):
        """One bar a file, on its member's line while files are indexed at once."""
        bar: list[tqdm] = []
        path = files[position]

        def start(media):
            bar.append(tqdm(total=round(media.duration, 1), unit="s", leave=False, disable=None,
                            position=member, desc=f"[{position + 1}/{len(files)}] {path.name}",
                            bar_format="{desc}: {percentage:3.0f}%|{bar}| {n:.0f}/{total:.0f} s"
                                       " of audio [{elapsed}<{remaining}]"))
            return lambda done: bar[0].update(min(done, bar[0].total) - bar[0].n)

        try:
            yield start
        finally:
            for b in bar:
                b.close()

    run = ManyFiles(indexer, files, files_at_once or settings.files_at_once, progress)
    for outcome in run:  # in file order, each as soon as it and those before it are done
        outcomes.append(outcome)
        _report(outcome, overlapped=run.at_once > 1)
    _summary(outcomes, run.seconds if run.at_once > 1 else None)
    if any(o.status == "failed" for o in outcomes):
        ctx.exit(1)


def _report(outcome: FileOutcome, overlapped: bool = False) -> None:
    """`overlapped`: files were indexed at once, so a file's own speed means little (the
    summary gives the run's)."""
    name = str(outcome.path)
    if outcome.status == "failed":
        click.echo(click.style("failed  ", fg="red") + f"{name}: {outcome.reason}", err=True)
    elif outcome.status == "skipped":
        click.echo(f"skipped {name} ({outcome.reason}, id {outcome.video_id})")
    else:
        speed = outcome.duration / outcome.seconds if outcome.seconds else 0
        timing = f"{clock(outcome.duration)} of audio" + (
            "" if overlapped else f", {speed:.1f}x real time")
        how = (f"{timing}; {outcome.reason}" if outcome.transcribed and outcome.reason
               else outcome.reason or timing)
        click.echo(click.style("indexed ", fg="green") + f"{name} (id {outcome.video_id}; {how})")


def _summary(outcomes: list[FileOutcome], wall: float | None = None) -> None:
    """`wall`: the run's, when files were indexed at once (their own times overlap)."""
    counts = {s: sum(o.status == s for o in outcomes) for s in ("indexed", "skipped", "failed")}
    transcribed = [o for o in outcomes if o.transcribed]
    audio = sum(o.duration for o in transcribed)
    if wall is None or not transcribed:
        wall = sum(o.seconds for o in transcribed)
    speed = f", {audio / wall:.1f}x real time" if wall else ""
    click.echo(f"{len(outcomes)} file(s): {counts['indexed']} indexed, {counts['skipped']} "
               f"skipped, {counts['failed']} failed; {audio / 3600:.2f} h of audio transcribed "
               f"in {wall:.0f} s{speed}")
