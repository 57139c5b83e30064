"""The player page, its captions, transcript exports and the media itself (with Range).

With an official text attached, the player reads the text's passages (`Transcript.reading()`)
and keeps the machine transcript one switch away; the departures from the text are marked where
they happen: omitted passages struck through at their time (they are in no passage: nothing was
said), added ones (the machine transcript's) labelled, changed words with what was said.
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass

from flask import Blueprint, Response, current_app, g, render_template
from flask_babel import gettext as _

from indexer.export import FORMATS, MEDIA_TYPES, export
from indexer.records import Departure, Segment, Speaker, Transcript
from indexer.store import TranscriptNotFound

from .errors import abort_with
from .params import start_time
from .ranges import send_media

bp = Blueprint("videos", __name__, url_prefix="/videos")
MAX_CHIPS = 15
TIME_SLACK = 0.005  # seconds: a word's times equal a departure's, up to the JSON's rounding


@dataclass(frozen=True)
class WordView:
    lead: str  # the spacing before the word, outside its span
    text: str
    start: float
    end: float
    probability: float
    uncertain: bool  # a machine-transcript word Whisper was unsure of (dotted)
    said: str = ""  # an official word said otherwise: what was said


@dataclass(frozen=True)
class PassageView:
    index: int
    segment: Segment
    words: list[WordView]
    kind: str = "passage"

    @property
    def start(self) -> float:
        return self.segment.start


@dataclass(frozen=True)
class OmittedView:
    departure: Departure
    kind: str = "omitted"

    @property
    def start(self) -> float:
        return self.departure.start


def word_views(segment: Segment, low_confidence: float,
               changed: list[Departure]) -> list[WordView]:
    views = []
    for word in segment.words:
        text = word.word.strip()
        lead = word.word[:len(word.word) - len(word.word.lstrip())]
        said = ""
        if segment.source == "official":
            said = next((d.said for d in changed if d.start - TIME_SLACK <= word.start
                         and word.end <= d.end + TIME_SLACK), "")
        # An official word's probability is the forced alignment's, not a doubt about the
        # text: only the machine transcript's words are dotted.
        uncertain = segment.source == "asr" and word.probability < low_confidence
        views.append(WordView(lead, text, word.start, word.end, word.probability, uncertain, said))
    return views


def passage_views(segments: list[Segment], low_confidence: float,
                  changed: list[Departure] | None = None) -> list[PassageView]:
    return [PassageView(index, segment, word_views(segment, low_confidence, changed or []))
            for index, segment in enumerate(segments)]


def reading_views(transcript: Transcript,
                  low_confidence: float) -> list[PassageView | OmittedView]:
    """The passages to read, with the omitted ones placed at their time."""
    if transcript.official is None:  # the machine transcript, or its corrections
        return [*passage_views(transcript.reading(), low_confidence)]
    departures = transcript.official.departures
    passages = passage_views(transcript.reading(), low_confidence,
                             [d for d in departures if d.kind == "changed"])
    omitted = [OmittedView(d) for d in departures if d.kind == "omitted"]
    # Stable: an omitted passage comes before a passage starting at the same second (it was
    # to be said just before).
    return sorted([*omitted, *passages], key=lambda item: (item.start, item.kind != "omitted"))


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
    for segment in transcript.reading():
        for entity in {e.id for e in segment.entities}:
            entities[entity] = entities.get(entity, 0) + 1
    # The archive's own names always; a name only spaCy found must come up twice, since a
    # single guess on machine-transcribed speech is mostly noise ("Premenement De La…").
    chips = [(entity_id, count) for entity_id, count in
             sorted(entities.items(), key=lambda kv: -kv[1])
             if entity_id in archive.gazetteer.entries or count >= 2][:MAX_CHIPS]
    low_confidence = current_app.config["LOW_CONFIDENCE"]
    return render_template(
        "player.html", t=transcript, start=start_time(),
        reading=reading_views(transcript, low_confidence),
        # The machine's own passages beside the text read: an official text's, or the
        # archivists' corrections of the machine transcript.
        machine=passage_views(transcript.segments, low_confidence)
        if transcript.official or transcript.corrected else None,
        chips=[(entity_id, archive.entity_name(entity_id, g.ui_lang), count)
               for entity_id, count in chips],
        formats=FORMATS, voices=voice_views(transcript), languages=archive.settings.languages,
    )


@dataclass
class VoiceView:
    """A speaker on the player: its label and colour (1..SPEAKER_COLOURS, in order)."""

    id: str
    label: str
    colour: int
    speaker: Speaker


SPEAKER_COLOURS = 8  # [data-colour="1"] ... "8" in app.css


def voice_views(transcript: Transcript) -> dict[str, VoiceView]:
    """Each speaker id's view, in order of first speech; {} when the voices were not told
    apart (the metadata speaker is then in the page's header)."""
    return {speaker.id: VoiceView(
                speaker.id, speaker.name or _("Speaker %(number)s", number=number + 1),
                number % SPEAKER_COLOURS + 1, speaker)
            for number, speaker in enumerate(transcript.speakers)}


def transcript_response(video_id: str, fmt: str) -> Response:
    if fmt not in FORMATS:
        abort_with(404, _("Unknown transcript format %(fmt)s: use srt, vtt, txt, json or rttm.",
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
