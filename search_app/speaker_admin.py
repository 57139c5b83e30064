"""Archivists name the voices of a video on its player page ("Speaker 2" -> a name).

The name is stored on the transcript's speaker (records.Speaker), so it applies to every
passage of that voice, the voice is learnt into the profile of that name (new videos are
matched to it), and the video is re-indexed in the same writer's turn: `speaker:` finds those
passages by the new name at once (indexer/speakers/registry.py). A name given automatically
(a profile's match, with its score) is confirmed by saving it, or rejected.
"""

from __future__ import annotations

import logging

from flask import Blueprint, current_app, flash, redirect, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from indexer.errors import SpeechSearchError
from indexer.speakers.registry import SpeakerRegistry, UnknownSpeaker
from indexer.store import TranscriptNotFound

from .archivist import archivist_required, form_errors
from .errors import abort_with
from .videos import load

logger = logging.getLogger(__name__)
bp = Blueprint("speaker_admin", __name__, url_prefix="/videos")


class SpeakerNameForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])


class RejectForm(FlaskForm):
    """Only the CSRF token: the button says what it does."""


def registry() -> SpeakerRegistry:
    archive = current_app.extensions["archive"]
    return SpeakerRegistry(archive.settings, archive.gazetteer)


@bp.route("/<video_id>/speakers/<speaker_id>", methods=["POST"])
@archivist_required
def rename(video_id: str, speaker_id: str):
    transcript = load(video_id)  # 404 for an unknown video
    if speaker_id not in {speaker.id for speaker in transcript.speakers}:
        abort_with(404, _("This video has no speaker %(id)s.", id=speaker_id[:20]))
    form = SpeakerNameForm()
    back = url_for("videos.player", video_id=video_id, edit=1) + "#speakers"
    if not form.validate_on_submit():
        for error in form_errors(form):
            flash(error)
        return redirect(back)
    name = " ".join(form.name.data.split())
    try:
        registry().name(video_id, speaker_id, name)
    except (TranscriptNotFound, UnknownSpeaker):
        flash(_("This video or speaker was changed in the meantime."))
        return redirect(back)
    except (SpeechSearchError, OSError) as exc:  # the index locked, a full disk
        logger.exception("re-indexing %s after naming a speaker failed", video_id)
        flash(_("The name is saved, but the search index could not be updated (%(reason)s). "
                "Save again to retry.", reason=str(exc)))
        return redirect(back)
    flash(_("The name %(name)s now applies to every passage of this voice.", name=name))
    return redirect(url_for("videos.player", video_id=video_id))


@bp.route("/<video_id>/speakers/<speaker_id>/reject", methods=["POST"])
@archivist_required
def reject(video_id: str, speaker_id: str):
    """The automatic name of a voice is wrong: it is "Speaker N" again."""
    load(video_id)
    back = url_for("videos.player", video_id=video_id, edit=1) + "#speakers"
    form = RejectForm()
    if not form.validate_on_submit():
        for error in form_errors(form):
            flash(error)
        return redirect(back)
    try:
        registry().reject(video_id, speaker_id)
    except (TranscriptNotFound, UnknownSpeaker):
        abort_with(404, _("This video has no speaker %(id)s.", id=speaker_id[:20]))
    except (SpeechSearchError, OSError) as exc:
        logger.exception("re-indexing %s after rejecting a speaker's name failed", video_id)
        flash(_("The name is saved, but the search index could not be updated (%(reason)s). "
                "Save again to retry.", reason=str(exc)))
    return redirect(back)
