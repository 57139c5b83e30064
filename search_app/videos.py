"""The player page, its captions, transcript exports and the media itself (with Range)."""

from __future__ import annotations

import mimetypes

from flask import Blueprint, Response, current_app, g, render_template
from flask_babel import gettext as _

from indexer.export import FORMATS, MEDIA_TYPES, export
from indexer.store import TranscriptNotFound

from .errors import abort_with
from .params import start_time
from .ranges import send_media

bp = Blueprint("videos", __name__, url_prefix="/videos")
MAX_CHIPS = 15


def load(video_id: str):
    try:
        return current_app.extensions["archive"].transcript(video_id)
    except TranscriptNotFound:
        abort_with(404, _("No video with id %(id)s in the archive.", id=video_id[:40]))


@bp.route("/<video_id>")
def player(video_id: str):
    transcript = load(video_id)
    archive = current_app.extensions["archive"]
    entities: dict[str, int] = {}
    for segment in transcript.segments:
        for entity in {e.id for e in segment.entities}:
            entities[entity] = entities.get(entity, 0) + 1
    # The archive's own names always; a name only spaCy found must come up twice, since a
    # single guess on machine-transcribed speech is mostly noise ("Premenement De La…").
    chips = [(entity_id, count) for entity_id, count in
             sorted(entities.items(), key=lambda kv: -kv[1])
             if entity_id in archive.gazetteer.entries or count >= 2][:MAX_CHIPS]
    return render_template(
        "player.html", t=transcript, start=start_time(),
        chips=[(entity_id, archive.entity_name(entity_id, g.ui_lang), count)
               for entity_id, count in chips],
        low_confidence=current_app.config["LOW_CONFIDENCE"], formats=FORMATS,
    )


def transcript_response(video_id: str, fmt: str) -> Response:
    if fmt not in FORMATS:
        abort_with(404, _("Unknown transcript format %(fmt)s: use srt, vtt, txt or json.",
                          fmt=fmt[:10]))
    transcript = load(video_id)
    response = Response(export(transcript, fmt), mimetype=MEDIA_TYPES[fmt])
    response.charset = "utf-8"
    if fmt != "vtt":
        response.headers["Content-Disposition"] = (
            f'attachment; filename="{video_id}.{fmt}"')
    return response


@bp.route("/<video_id>/transcript.<fmt>")
def transcript_file(video_id: str, fmt: str):
    return transcript_response(video_id, fmt)


@bp.route("/<video_id>/media")
def media(video_id: str):
    """The original file, for the player: public, as the archive is (anyone may watch), so
    caches may keep it; Range requests get 206 partial content (ranges.py)."""
    load(video_id)
    try:
        path = current_app.extensions["archive"].media_path(video_id)
    except TranscriptNotFound:
        abort_with(404, _("The media file of this video is no longer available."))
    mimetype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return send_media(path, mimetype=mimetype, max_age=3600)
