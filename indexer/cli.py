"""`speechsearch`: index speech videos, search what was said, export transcripts.

The jobs' commands come from `indexer.jobs.commands`; the site's (serve, users, remove, db)
are plug-ins of the group (cli_group.py). Library errors become CLI errors at the group's
edge, and nowhere else.
"""

from __future__ import annotations

import json
import logging
import sys
from html import unescape
from pathlib import Path

import click

from .cli_common import data_dir_option, settings_from
from .cli_group import SpeechSearchGroup
from .corrections_command import history, revert_command
from .delivery_command import delivery
from .export import FORMATS, clock, export
from .gazetteer import Gazetteer
from .index_command import index
from .jobs.commands import jobs, worker
from .language import DEFAULT_LANGUAGES
from .quote_command import quote
from .reindex import rebuild_index, repair_pending
from .search_index import query_index
from .speakers_command import diarize, speakers
from .store import TranscriptNotFound, load_transcript
from .whisper_models import provision_base_model


@click.group(cls=SpeechSearchGroup, context_settings={"help_option_names": ["-h", "--help"]})
@data_dir_option
@click.option("--languages", envvar="SPEECHSEARCH_LANGUAGES", default=None, metavar="CODES",
              help="The archive's languages, comma-separated [env SPEECHSEARCH_LANGUAGES; "
                   f"{','.join(DEFAULT_LANGUAGES)}]")
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.version_option(package_name="speechsearch")
def main(data_dir: Path | None, languages: str | None, verbose: int) -> None:
    """Search speech videos by what was said.

    Index media files, then search their transcripts:

        speechsearch index data/samples

        speechsearch search '"Conseil OTAN-Russie" Afghanistan'
    """
    level = (logging.WARNING, logging.INFO, logging.DEBUG)[min(verbose, 2)]
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")


@main.command()
@click.argument("query")
@click.option("--lang", help="Only segments in this language (fr, en...).")
@click.option("--entity", metavar="ID|NAME", help="Only segments naming this entity, by "
              "canonical id (org:nato) or any alias (NATO, OTAN).")
@click.option("--limit", type=click.IntRange(1, 1000), default=10, show_default=True,
              help="Number of hits.")
@click.option("--page", type=click.IntRange(1), default=1, show_default=True,
              help="Page of hits to show.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@data_dir_option
@click.pass_context
def search(ctx: click.Context, query: str, lang: str | None, entity: str | None, limit: int,
           page: int, as_json: bool, data_dir: Path | None) -> None:
    """Search what was said. Best matches first.

    Words (all must match), "exact phrases", AND/OR/NOT, wildcards (terror*), fuzzy
    (terrorism~) and field filters (lang:fr, entity:NATO, speaker:, title:, event:, year:).
    NATO also finds "OTAN": names match through their canonical entity.

        speechsearch search '"Conseil OTAN-Russie"' --lang fr --json
    """
    settings = settings_from(ctx, data_dir)
    gazetteer = Gazetteer.load(settings.gazetteer_path)
    results = query_index(settings.index_dir, query, gazetteer, language=lang, entity=entity,
                          page=page, per_page=limit)
    if as_json:
        click.echo(json.dumps(results.to_dict(), ensure_ascii=False, indent=1))
        return
    if not results.total:
        click.echo(f"No results for {query!r}.")
        return
    first = (page - 1) * limit
    click.echo(f"{results.total} segment(s) match; showing {first + 1}-{first + len(results.hits)}")
    for hit in results.hits:
        when = f"{clock(hit.start)}-{clock(hit.end)}"
        click.echo(f"\n{click.style(hit.title, bold=True)}  [{hit.language}] {when}  "
                   f"id {hit.video_id}")
        click.echo("  " + _terminal_highlight(hit.highlight))


def _terminal_highlight(html_text: str) -> str:
    parts = html_text.replace("</mark>", "<mark>").split("<mark>")
    return "".join(click.style(unescape(p), bold=True, underline=True) if i % 2 else unescape(p)
                   for i, p in enumerate(parts))


@main.command(name="export")
@click.argument("video_id")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="srt", show_default=True,
              help="Subtitles (srt, vtt), text with timestamps (txt), everything (json) or "
                   "who speaks when (rttm).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to this file instead of standard output.")
@data_dir_option
@click.pass_context
def export_command(ctx: click.Context, video_id: str, fmt: str, output: Path | None,
                   data_dir: Path | None) -> None:
    """Export a video's transcript (ids are shown by `index` and `search`).

        speechsearch export 3f2a9c0d1b2e4f56 --format vtt -o talk.vtt
    """
    settings = settings_from(ctx, data_dir)
    try:
        text = export(load_transcript(settings.transcripts_dir, video_id), fmt)
    except TranscriptNotFound as exc:
        raise click.ClickException(f"{exc}; `speechsearch search` shows the ids.") from exc
    if output:
        output.write_text(text, encoding="utf-8")
        click.echo(f"wrote {output}", err=True)
    else:
        click.echo(text, nl=False)


@main.command()
@data_dir_option
@click.pass_context
def models(ctx: click.Context, data_dir: Path | None) -> None:
    """Provision the default Whisper model (base, multilingual) into the data dir."""
    path = provision_base_model(settings_from(ctx, data_dir).models_dir)
    click.echo(f"Whisper base (faster-whisper, CTranslate2): {path}")


@main.command()
@data_dir_option
@click.pass_context
def reindex(ctx: click.Context, data_dir: Path | None) -> None:
    """Rebuild the search index from the transcripts (nothing is transcribed again).

    Needed when the index was made by an older version, or was lost or damaged: the
    transcripts are the source of truth. Searches go on meanwhile, on the old index.

        speechsearch reindex
    """
    settings = settings_from(ctx, data_dir)
    gazetteer = Gazetteer.load(settings.gazetteer_path)
    repair_pending(settings, gazetteer)  # an interrupted revision is recorded first
    rebuilt = rebuild_index(settings, gazetteer)
    click.echo(f"rebuilt the index of {settings.data_dir} from {rebuilt.videos} transcript(s), "
               f"{rebuilt.segments} passages")
    for video_id in rebuilt.unreadable:
        click.echo(click.style("left out ", fg="red") + f"{video_id}: its transcript cannot be "
                   "read (see the log)", err=True)
    if rebuilt.unreadable:
        ctx.exit(1)


main.add_command(index)
main.add_command(jobs)
main.add_command(delivery)
main.add_command(diarize)
main.add_command(speakers)
main.add_command(worker)
main.add_command(history)
main.add_command(revert_command)
main.add_command(quote)

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
