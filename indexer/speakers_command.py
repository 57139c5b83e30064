"""`speechsearch diarize VIDEO_ID`: tell the voices of an indexed video apart, afterwards."""

from __future__ import annotations

from pathlib import Path

import click

from .cli_common import data_dir_option, settings_from
from .decode import MediaError, load_audio
from .gazetteer import Gazetteer
from .index_writer import IndexWriter
from .speakers.diarize import diarize_transcript
from .store import load_transcript


@click.command()
@click.argument("video_id")
@click.option("--speakers", type=click.IntRange(1, 20), default=None, metavar="N",
              help="How many voices speak (default: estimated).")
@click.option("--media", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The recording, if it is no longer where it was indexed from.")
@data_dir_option
@click.pass_context
def diarize(ctx: click.Context, video_id: str, speakers: int | None, media: Path | None,
            data_dir: Path | None) -> None:
    """Find who speaks when in an indexed video, split its passages at speaker changes, and
    re-index it. Names already given to its speakers are kept.

        speechsearch diarize 3f2a9c0d1e2b4a5f --speakers 3
    """
    settings = settings_from(ctx, data_dir)
    transcript = load_transcript(settings.transcripts_dir, video_id)
    path = media or Path(transcript.media.path)
    try:
        audio = load_audio(path)
    except MediaError as exc:
        raise click.ClickException(
            f"cannot read the recording of {video_id} ({exc}); give it with --media FILE") from exc
    writer = IndexWriter(settings, Gazetteer.load(settings.gazetteer_path))
    revised = writer.revise(video_id, lambda fresh: diarize_transcript(fresh, audio, speakers))
    labels = revised.speaker_labels()
    turns = {speaker.id: 0 for speaker in revised.speakers}
    for segment in revised.reading():
        turns[segment.speaker] = turns.get(segment.speaker, 0) + 1
    click.echo(f"{video_id}: {len(revised.speakers)} speaker(s)")
    for speaker in revised.speakers:
        click.echo(f"  {speaker.id}  {labels[speaker.id]}  ({turns.get(speaker.id, 0)} passages)")
