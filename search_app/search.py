"""The search page: results grouped by video, facets, pagination, help and suggestions."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import Blueprint, current_app, g, render_template, request
from flask_babel import format_decimal
from flask_babel import gettext as _

from indexer.records import SOURCES
from indexer.results import Hit, QuerySyntaxError

from .errors import abort_with
from .params import search_params
from .urls import url_with_query

bp = Blueprint("search", __name__)


@dataclass
class VideoGroup:
    video_id: str
    title: str
    date: str
    speaker: str  # of every hit; "" when its hits are of several speakers (each says its own)
    hits: list[Hit] = field(default_factory=list)


def group_by_video(hits: list[Hit]) -> list[VideoGroup]:
    """Hits are best first; a video's place is that of its best hit."""
    groups: dict[str, VideoGroup] = {}
    for hit in hits:
        group = groups.setdefault(hit.video_id, VideoGroup(hit.video_id, hit.title, hit.date,
                                                           hit.speaker))
        group.hits.append(hit)
    for group in groups.values():  # who said them: in the header when one voice said all
        if len({hit.speaker for hit in group.hits}) > 1:
            group.speaker = ""
    return list(groups.values())


def source_param() -> str | None:
    """?source=official|asr (openapi.json): whose words to search; empty is both. The values
    as the facet links write them, lowercase; anything else is a 400 that says which there
    are (the index refuses it too, for other callers)."""
    source = (request.args.get("source") or "").strip() or None
    if source and source not in SOURCES:
        abort_with(400, _("Unknown source %(source)s: use official (the official text) or asr "
                          "(the machine transcript).", source=source[:40]))
    return source


def page_url(page: int) -> str:
    query = request.args.copy()
    query["page"] = str(page)
    return url_with_query("search.index", query)


def facet_url(name: str, value: str | None) -> str:
    """This search narrowed (or widened, with None) by one facet; back to page 1."""
    query = request.args.copy()
    query.pop("page", None)
    key = {"language": "lang"}.get(name, name)
    if value is None:
        query.pop(key, None)
    else:
        query[key] = value
    return url_with_query("search.index", query)


@bp.route("/")
@bp.route("/search")
def index():
    archive = current_app.extensions["archive"]
    params = search_params()
    source = source_param()
    context = {"params": params, "source": source, "results": None, "error": None,
               "suggestion": None, "videos": [], "groups": []}
    if not params.q:
        context["videos"] = archive.videos()[:12]
        return render_template("search.html", **context)
    try:
        results = archive.searcher.search(
            params.q, language=params.lang, entity=params.entity, speaker=params.speaker,
            year=params.year, page=params.page, per_page=params.per_page, facets=True,
            source=source)
    except QuerySyntaxError as exc:
        context["error"] = str(exc)
        return render_template("search.html", **context), 400
    context["results"] = results
    context["groups"] = group_by_video(results.hits)
    if not results.total:
        context["suggestion"] = archive.searcher.suggestion(params.q)
    context["entity_name"] = lambda entity_id: archive.entity_name(entity_id, g.ui_lang)
    # "More than 10,000": the total is a lower bound on large archives (SearchResults).
    context.update(page_url=page_url, facet_url=facet_url, number=format_decimal)
    return render_template("search.html", **context)
