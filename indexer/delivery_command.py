"""`speechsearch delivery VIDEO_ID`: where the delivered speech departed from its official text."""

from __future__ import annotations

import json
from pathlib import Path

import click

from .cli_common import data_dir_option, settings_from
from .export import clock
from .store import load_transcript

KIND_COLOURS = {"omitted": "yellow", "added": "cyan", "changed": "magenta"}


@click.command()
@click.argument("video_id")
@click.option("--json", "as_json", is_flag=True,
              help='Print JSON for scripts: a list of {"kind", "start", "end", "official", '
                   '"said"}, kind being omitted, added or changed.')
@data_dir_option
@click.pass_context
def delivery(ctx: click.Context, video_id: str, as_json: bool, data_dir: Path | None) -> None:
    """Check against delivery: passages of the official text omitted, passages added, words
    changed, each with its time span.

        speechsearch delivery 3f2a9c0d1e2b4a5f --json
    """
    settings = settings_from(ctx, data_dir)
    transcript = load_transcript(settings.transcripts_dir, video_id)
    if transcript.official is None:
        raise click.ClickException(
            f"{video_id} has no official text: attach one with "
            f"`speechsearch official {video_id} TEXT_FILE`.")
    departures = transcript.official.departures
    if as_json:
        click.echo(json.dumps([d.to_dict() for d in departures], ensure_ascii=False, indent=1))
        return
    layer = transcript.official
    click.echo(f"{transcript.metadata.title or video_id}: official text {layer.source}, "
               f"{layer.coverage:.0%} of its words heard as written; "
               f"{len(departures)} departure(s).")
    for departure in departures:
        kind = click.style(f"{departure.kind:<8}", fg=KIND_COLOURS.get(departure.kind))
        span = f"{clock(departure.start)}-{clock(departure.end)}"
        if departure.kind == "changed":
            what = f"{departure.official!r} said as {departure.said!r}"
        else:
            what = departure.official or departure.said
        click.echo(f"{kind} {span:>11}  {what}")
