"""`speechsearch history VIDEO_ID` and `speechsearch revert VIDEO_ID REV`: the revisions of a
video's corrections (indexer/corrections/), listed, compared and restored."""

from __future__ import annotations

import getpass
import json
from pathlib import Path

import click

from .cli_common import data_dir_option, settings_from
from .corrections import RevisionStore, diff_words, revert
from .export import clock
from .gazetteer import Gazetteer
from .reindex import prepare_index
from .store import load_transcript


@click.command()
@click.argument("video_id")
@click.option("--diff", "compare", type=int, nargs=2, metavar="OLD NEW",
              help="Show the words changed from revision OLD to revision NEW instead.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@data_dir_option
@click.pass_context
def history(ctx: click.Context, video_id: str, compare: tuple[int, int] | None, as_json: bool,
            data_dir: Path | None) -> None:
    """List the revisions of a video's transcript (0 is the machine's), or compare two.

        speechsearch history 3f2a9c0d1b2e4f56

        speechsearch history 3f2a9c0d1b2e4f56 --diff 0 2
    """
    settings = settings_from(ctx, data_dir)
    transcript = load_transcript(settings.transcripts_dir, video_id)  # unknown id: refused
    store = RevisionStore(settings.data_dir, video_id)
    if compare:
        old, new = (store.snapshot(number) for number in compare)
        changes = diff_words(old.segments, new.segments)
        if as_json:
            click.echo(json.dumps([c.to_dict() for c in changes], ensure_ascii=False, indent=1))
            return
        for change in changes:
            if change.op == "equal":
                click.echo(f"          {change.old}")
                continue
            click.echo(f"[{clock(change.start)}] " +
                       (click.style(f"-{change.old}", fg="red") if change.old else "") +
                       (" " if change.old and change.new else "") +
                       (click.style(f"+{change.new}", fg="green") if change.new else ""))
        return
    revisions = store.revisions()
    if as_json:
        click.echo(json.dumps({"video_id": video_id, "revision": transcript.revision,
                               "revisions": [r.to_dict() for r in revisions]},
                              ensure_ascii=False, indent=1))
        return
    if not revisions:
        click.echo(f"{video_id} has never been corrected: revision 0, the machine's.")
        return
    for entry in revisions:
        current = " (current)" if entry.number == transcript.revision else ""
        what = entry.kind + (f" of {entry.reverts}" if entry.reverts is not None else "")
        click.echo(f"{entry.number:>4}  {entry.time}  {entry.author}  {what}, "
                   f"{entry.passages} passage(s){current}" +
                   (f"\n      {entry.message}" if entry.message else ""))


@click.command(name="revert")
@click.argument("video_id")
@click.argument("revision", type=click.IntRange(0))
@click.option("-m", "--message", default="", help="Why (kept in the history).")
@click.option("--author", default=None, help="Who reverts [the system user's name].")
@click.option("--json", "as_json", is_flag=True, help="Print the new revision as JSON.")
@data_dir_option
@click.pass_context
def revert_command(ctx: click.Context, video_id: str, revision: int, message: str,
                   author: str | None, as_json: bool, data_dir: Path | None) -> None:
    """Restore a revision of a video's transcript, as a new revision (re-indexed now).

        speechsearch revert 3f2a9c0d1b2e4f56 0 -m "back to the machine transcript"
    """
    settings = settings_from(ctx, data_dir)
    gazetteer = Gazetteer.load(settings.gazetteer_path)
    prepare_index(settings, gazetteer)
    saved = revert(settings, gazetteer, video_id, revision, message=message,
                   author=author or f"{getpass.getuser()} (command line)")
    if as_json:
        click.echo(json.dumps(saved.revision.to_dict(), ensure_ascii=False, indent=1))
        return
    click.echo(f"{video_id}: revision {saved.revision.number} restores revision {revision} "
               f"({saved.revision.passages} passage(s) changed); searches show it now.")
