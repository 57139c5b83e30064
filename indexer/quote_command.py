"""`speechsearch quote`: where a sentence as remembered was said, and how it differs."""

from __future__ import annotations

import json
import os
from pathlib import Path

import click

from .cli_common import data_dir_option, settings_from
from .export import clock
from .gazetteer import Gazetteer
from .quote_results import QuoteHit
from .quote_times import time_hits
from .search_index import SegmentSearcher

# Where `speechsearch serve` listens by default (search_app/urls.py), for the hits' links
# when SPEECHSEARCH_PUBLIC_URL, the site's address, is not set.
SERVE_DEFAULT_URL = "http://127.0.0.1:5000"
_MARKS = {"delete": ("[-", "-]"), "insert": ("{+", "+}")}


def player_url(base: str, hit: QuoteHit) -> str:
    return f"{base.rstrip('/')}/videos/{hit.video_id}#t={hit.start:.1f},{hit.end:.1f}"


def diff_text(hit: QuoteHit) -> str:
    """The quote against what was said, as `git diff --word-diff` marks words: [-quote-]
    where the quote has words not said, {+said+} where more was said."""
    parts = []
    for op in hit.diff:
        if op.op == "equal":
            parts.append(op.said)
        elif op.op == "replace":
            parts.append(f"[-{op.quote}-]{{+{op.said}+}}")
        else:
            left, right = _MARKS[op.op]
            parts.append(left + (op.quote or op.said) + right)
    return " ".join(parts)


@click.command()
@click.argument("text")
@click.option("--lang", help="Only passages in this language (fr, en...).")
@click.option("--limit", type=click.IntRange(1, 50), default=5, show_default=True,
              help="Number of places.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@data_dir_option
@click.pass_context
def quote(ctx: click.Context, text: str, lang: str | None, limit: int, as_json: bool,
          data_dir: Path | None) -> None:
    """Find where a sentence as remembered was said (4 to 80 words).

    Best first: what was really said, when, how alike (similarity 0-1) and the difference,
    word by word ([-in the quote-] {+said+}). Words changed, dropped, added or swapped, and
    quotes across two passages, are still found; nothing close is said so.

        speechsearch quote "je viens de présider la réunion du conseil OTAN Russie"
    """
    settings = settings_from(ctx, data_dir)
    searcher = SegmentSearcher(settings.index_dir, Gazetteer.load(settings.gazetteer_path))
    results = time_hits(searcher.quote(text, language=lang, limit=limit),
                        settings.transcripts_dir)
    base = os.environ.get("SPEECHSEARCH_PUBLIC_URL") or SERVE_DEFAULT_URL
    if as_json:
        data = results.to_dict()
        for hit, item in zip(results.hits, data["hits"]):
            item["url"] = player_url(base, hit)
        click.echo(json.dumps(data, ensure_ascii=False, indent=1))
        return
    if not results.hits:
        click.echo(f"Nothing close to {text!r} was said in the archive.")
        return
    for hit in results.hits:
        click.echo(f"\n{click.style(hit.title, bold=True)}  {clock(hit.start)}-{clock(hit.end)}"
                   f"  similarity {hit.similarity:.2f}  id {hit.video_id}")
        click.echo(f"  said:  {hit.said}")
        click.echo(f"  diff:  {diff_text(hit)}")
        click.echo(f"  {player_url(base, hit)}")
