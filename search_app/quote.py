"""The quote finder's page (/quote) and what it shares with /api/quote: reading the request
and finding the places, timed from the transcripts (indexer/quote_times.py)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, current_app, render_template

from indexer.quote_results import MAX_CHARS, MAX_WORDS, MIN_WORDS, QuoteHit, QuoteResults
from indexer.quote_times import time_hits
from indexer.results import QuerySyntaxError

from .params import int_arg, search_params

bp = Blueprint("quote", __name__)
MAX_LIMIT = 20  # places on one answer: each is timed from its transcript file


@dataclass(frozen=True)
class QuoteParams:
    q: str
    lang: str | None
    limit: int


def quote_params() -> QuoteParams:
    """?q= (the quote), ?lang= and ?limit=, checked as /search checks its own (params.py)."""
    params = search_params()  # q's length and lang's code, the same rules and messages
    return QuoteParams(params.q, params.lang, int_arg("limit", 5, 1, MAX_LIMIT))


def find(params: QuoteParams) -> QuoteResults:
    """Raises QuerySyntaxError (QuoteError) for a quote of too few or too many words."""
    archive = current_app.extensions["archive"]
    results = archive.searcher.quote(params.q, language=params.lang, limit=params.limit)
    return time_hits(results, archive.settings.transcripts_dir, load=archive.transcript)


def citation(hit: QuoteHit, url: str) -> str:
    """As the player's "Copy citation" makes it (static/player.js): title, date, speaker:
    "the words", then the link at their time."""
    parts = ", ".join(p for p in (hit.title, hit.date, hit.speaker) if p)
    return f"{parts}: “{hit.said}” {url}#t={hit.start:.1f},{hit.end:.1f}"


@bp.route("/quote")
def index():
    params = quote_params()
    context = {"params": params, "results": None, "error": None, "min_words": MIN_WORDS,
               "max_words": MAX_WORDS, "max_chars": MAX_CHARS, "citation": citation}
    if not params.q:
        return render_template("quote.html", **context)
    try:
        context["results"] = find(params)
    except QuerySyntaxError as exc:
        context["error"] = str(exc)
        return render_template("quote.html", **context), 400
    return render_template("quote.html", **context)
