"""Check against delivery: where a speech departed from its official text (issue 15).

A page per video (linked from the player when a text is attached) and its JSON twin, from the
departures the aligner stored with the text (indexer/official/delivery.py): each one a kind,
a time span and the words written and said, so that a journalist can listen to every place
where the speaker did not read the text as published.
"""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template

from indexer.records import Transcript

from .videos import load

bp = Blueprint("delivery", __name__)


def official_text(transcript: Transcript) -> dict | None:
    layer = transcript.official
    if layer is None:
        return None
    return {"source": layer.source, "format": layer.format, "attached": layer.attached,
            "coverage": layer.coverage}


@bp.route("/videos/<video_id>/delivery")
def report(video_id: str):
    transcript = load(video_id)
    layer = transcript.official
    return render_template("delivery.html", t=transcript, layer=layer,
                           departures=layer.departures if layer else [])


@bp.route("/api/videos/<video_id>/delivery")
def api_report(video_id: str):
    transcript = load(video_id)  # an unknown id: the errors module answers 404 in JSON
    layer = transcript.official
    return jsonify(video_id=transcript.video_id, official_text=official_text(transcript),
                   departures=[d.to_dict() for d in layer.departures] if layer else [])
