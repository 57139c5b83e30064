"""JSON API for researchers' scripts; documented in openapi.json (served at /api/openapi.json)."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from flask import Blueprint, current_app, jsonify
from flask_babel import gettext as _

from indexer.export import public_dict
from indexer.quote_results import MAX_WORDS, MIN_WORDS
from indexer.results import QuerySyntaxError

from .errors import abort_with
from .params import search_params
from .quote import find as find_quote
from .quote import quote_params
from .search import source_param
from .urls import external_url
from .videos import load, transcript_response

bp = Blueprint("api", __name__, url_prefix="/api")
OPENAPI = Path(__file__).with_name("openapi.json")


def player_url(video_id: str, start: float, end: float | None = None) -> str:
    fragment = f"#t={start:.1f}" + (f",{end:.1f}" if end is not None else "")
    return external_url("videos.player", video_id=video_id) + fragment


@bp.route("/search")
def search():
    params = search_params()
    source = source_param()
    if not params.q:
        abort_with(400, _("The q parameter is required: the words to search for."))
    try:
        results = current_app.extensions["archive"].searcher.search(
            params.q, language=params.lang, entity=params.entity, speaker=params.speaker,
            year=params.year, page=params.page, per_page=params.per_page, facets=True,
            source=source)
    except QuerySyntaxError as exc:
        abort_with(400, str(exc))
    data = results.to_dict()
    data["pages"] = results.pages
    for hit in data["hits"]:
        hit["url"] = player_url(hit["video_id"], hit["start"], hit["end"])
    return jsonify(data)


@bp.route("/quote")
def quote():
    """Where a quote as remembered was said: {"query", "hits": [{"video_id", "title",
    "start", "end", "said", "similarity", "diff", "url"}]} (search_app/quote.py)."""
    params = quote_params()
    if not params.q:
        abort_with(400, _("The q parameter is required: the quote, %(low)d to %(high)d "
                          "words.", low=MIN_WORDS, high=MAX_WORDS))
    try:
        results = find_quote(params)
    except QuerySyntaxError as exc:
        abort_with(400, str(exc))
    data = results.to_dict()
    for hit, item in zip(results.hits, data["hits"]):
        item["url"] = player_url(hit.video_id, hit.start, hit.end)
    return jsonify(data)


@bp.route("/videos")
def videos():
    found = [asdict(v) | {"url": external_url("api.video", video_id=v.video_id)}
             for v in current_app.extensions["archive"].videos()]
    return jsonify(total=len(found), videos=found)


@bp.route("/videos/<video_id>")
def video(video_id: str):
    transcript = load(video_id)
    data = public_dict(transcript)
    data["media"].pop("path", None)  # where the file lives on the server is nobody's business
    data["media_url"] = external_url("videos.media", video_id=video_id)
    data["player_url"] = external_url("videos.player", video_id=video_id)
    return jsonify(data)


@bp.route("/videos/<video_id>/transcript.<fmt>")
def transcript(video_id: str, fmt: str):
    return transcript_response(video_id, fmt)


@bp.route("/openapi.json")
def openapi():
    return current_app.response_class(OPENAPI.read_text(encoding="utf-8"),
                                      mimetype="application/json")

