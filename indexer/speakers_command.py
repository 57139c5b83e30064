"""`speechsearch diarize VIDEO_ID`: tell the voices of an indexed video apart, afterwards;
`speechsearch speakers list|rename|merge|delete`: the voice profiles."""

from __future__ import annotations

import json
from pathlib import Path

import click

from .cli_common import data_dir_option, settings_from
from .decode import MediaError, load_audio
from .gazetteer import Gazetteer
from .index_writer import IndexWriter
from .speakers.diarize import diarize_transcript
from .speakers.profiles import ProfileError, load_profiles
from .speakers.registry import SpeakerRegistry
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
    profiles = load_profiles(settings.data_dir)
    revised = writer.revise(video_id,
                            lambda fresh: diarize_transcript(fresh, audio, speakers, profiles))
    labels = revised.speaker_labels()
    turns = {speaker.id: 0 for speaker in revised.speakers}
    for segment in revised.reading():
        turns[segment.speaker] = turns.get(segment.speaker, 0) + 1
    click.echo(f"{video_id}: {len(revised.speakers)} speaker(s)")
    if revised.corrected is not None:  # kept by diarize_transcript, matched by time
        kept = sum(1 for segment in revised.reading() if segment.corrected)
        click.echo(f"  {kept} corrected passage(s) kept (revision {revised.revision})")
    for speaker in revised.speakers:
        click.echo(f"  {speaker.id}  {labels[speaker.id]}  ({turns.get(speaker.id, 0)} passages)")


@click.group()
def speakers() -> None:
    """Voice profiles: named voices, recognised in new videos.

        speechsearch speakers list
        speechsearch speakers rename p2 "Anders Fogh Rasmussen"
        speechsearch speakers merge p2 p5
        speechsearch speakers delete p5
    """


def _registry(ctx: click.Context, data_dir: Path | None) -> SpeakerRegistry:
    settings = settings_from(ctx, data_dir)
    return SpeakerRegistry(settings, Gazetteer.load(settings.gazetteer_path))


def _run(action):
    try:
        return action()
    except ProfileError as exc:
        raise click.ClickException(str(exc)) from exc


@speakers.command(name="list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@data_dir_option
@click.pass_context
def list_profiles(ctx: click.Context, as_json: bool, data_dir: Path | None) -> None:
    """The voice profiles: id, name, and the videos it was named in."""
    profiles = _run(_registry(ctx, data_dir).profiles)
    if as_json:
        click.echo(json.dumps([{"id": p.id, "name": p.name, "videos": p.videos}
                               for p in profiles], ensure_ascii=False, indent=1))
        return
    if not profiles:
        click.echo("no voice profiles yet: name a speaker on a video's player page")
    for profile in profiles:
        click.echo(f"{profile.id}  {profile.name}  ({len(profile.videos)} video(s))")


@speakers.command()
@click.argument("profile")
@click.argument("name")
@data_dir_option
@click.pass_context
def rename(ctx: click.Context, profile: str, name: str, data_dir: Path | None) -> None:
    """Rename a profile (by id or name), and its voice in every video."""
    renamed = _run(lambda: _registry(ctx, data_dir).rename(profile, name))
    click.echo(f"{renamed.id} is now {renamed.name}")


@speakers.command()
@click.argument("keep")
@click.argument("other")
@data_dir_option
@click.pass_context
def merge(ctx: click.Context, keep: str, other: str, data_dir: Path | None) -> None:
    """OTHER is the same person as KEEP: one profile, KEEP's name, in every video."""
    kept = _run(lambda: _registry(ctx, data_dir).merge(keep, other))
    click.echo(f"merged into {kept.id} {kept.name} ({len(kept.videos)} video(s))")


@speakers.command()
@click.argument("profile")
@data_dir_option
@click.pass_context
def delete(ctx: click.Context, profile: str, data_dir: Path | None) -> None:
    """Forget a profile: new videos are no longer matched to it (names given stay)."""
    gone = _run(lambda: _registry(ctx, data_dir).delete(profile))
    click.echo(f"deleted {gone.id} {gone.name}")
