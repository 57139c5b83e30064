"""Corrections on the site: archivists edit passages on the player page and revert revisions
on a video's history page; everyone sees the history, the word diffs and, through the JSON API,
the revisions (read-only; archivists' e-mails are not shown to the public).

The work is the indexer's (indexer/corrections/): each save is a revision, re-indexed at once
in the index writer's turn; a save made on an older revision is refused as a conflict.
"""

from __future__ import annotations

import logging

from flask import (
    Blueprint,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import FloatField, HiddenField, IntegerField, StringField, TextAreaField
from wtforms.validators import AnyOf, InputRequired, Length, NumberRange, Optional

from indexer.corrections import (
    ConflictError,
    Edit,
    EditError,
    RevisionNotFound,
    RevisionStore,
    diff_words,
    revert,
    save_edits,
)
from indexer.corrections.edits import OPERATIONS
from indexer.errors import SpeechSearchError
from indexer.store import TranscriptNotFound

from .archivist import archivist_required, form_errors
from .clock import now
from .errors import abort_with
from .urls import external_url
from .videos import load

logger = logging.getLogger(__name__)
bp = Blueprint("corrections", __name__)
PUBLIC_FIELDS = ("number", "kind", "time", "message", "base", "passages", "reverts")


class PassageForm(FlaskForm):
    operation = HiddenField(validators=[AnyOf(OPERATIONS)])
    base = IntegerField(_l("Revision"), validators=[InputRequired(), NumberRange(min=0)])
    text = TextAreaField(_l("Text"), validators=[Optional()])
    word = IntegerField(_l("Split before word"), validators=[Optional(), NumberRange(min=0)])
    language = StringField(_l("Language"), validators=[Optional(), Length(max=10)])
    speaker = StringField(_l("Speaker"), validators=[Optional(), Length(max=200)])
    start = FloatField(_l("Start (s)"), validators=[Optional()])
    end = FloatField(_l("End (s)"), validators=[Optional()])
    message = StringField(_l("Note for the history"), validators=[Optional(), Length(max=500)])


class RevertForm(FlaskForm):
    base = IntegerField(validators=[InputRequired(), NumberRange(min=0)])
    message = StringField(_l("Note for the history"), validators=[Optional(), Length(max=500)])


def _iso_now() -> str:
    return now().replace(microsecond=0).isoformat()


def _save(video_id: str, action, back: str):
    """Run a save; flash what became of it; the response."""
    archive = current_app.extensions["archive"]
    try:
        saved = action(archive.settings, archive.gazetteer)
    except TranscriptNotFound:
        flash(_("This video was removed in the meantime."))
        return redirect(url_for("search.index"))
    except ConflictError as exc:
        flash(_("Not saved: %(author)s saved revision %(number)d of this video at %(time)s, "
                "after the revision you were editing. Their version: “%(theirs)s”. Yours: "
                "“%(yours)s”. Make your change again on theirs.", author=exc.newer.author,
                number=exc.newer.number, time=exc.newer.time,
                theirs=" | ".join(exc.theirs) or "-", yours=" | ".join(exc.yours)))
        return redirect(back)
    except (EditError, RevisionNotFound) as exc:  # the indexer's reason (in English)
        flash(_("Nothing was saved: %(reason)s.", reason=str(exc)))
        return redirect(back)
    except (SpeechSearchError, OSError) as exc:  # the index locked by another program
        logger.exception("saving a correction of %s failed", video_id)
        flash(_("The correction is saved, but the search index could not be updated "
                "(%(reason)s); it is finished at the next start of the site.", reason=str(exc)))
        return redirect(back)
    flash(_("Saved as revision %(number)d; searches show it now.",
            number=saved.revision.number))
    return redirect(back)


@bp.route("/videos/<video_id>/passages/<int:passage>", methods=["POST"])
@archivist_required
def edit_passage(video_id: str, passage: int):
    load(video_id)  # 404 for an unknown video
    back = url_for("videos.player", video_id=video_id) + f"#s{passage}"
    form = PassageForm()
    if not form.validate_on_submit():
        for error in form_errors(form):
            flash(error)
        return redirect(back)
    # The page counts words from 1: "split before word 3" starts the second passage there.
    edit = Edit(form.operation.data, passage, text=form.text.data or "",
                word=(form.word.data or 0) - 1, language=form.language.data or "",
                speaker=form.speaker.data or "", start=form.start.data, end=form.end.data)
    return _save(video_id, lambda settings, gazetteer: save_edits(
        settings, gazetteer, video_id, [edit], base=form.base.data, author=current_user.email,
        message=form.message.data or "", now=_iso_now()), back)


@bp.route("/videos/<video_id>/revert/<int:number>", methods=["POST"])
@archivist_required
def revert_to(video_id: str, number: int):
    load(video_id)
    back = url_for("corrections.history", video_id=video_id)
    form = RevertForm()
    if not form.validate_on_submit():
        for error in form_errors(form):
            flash(error)
        return redirect(back)
    return _save(video_id, lambda settings, gazetteer: revert(
        settings, gazetteer, video_id, number, author=current_user.email,
        message=form.message.data or "", base=form.base.data, now=_iso_now()), back)


def _store(video_id: str) -> RevisionStore:
    load(video_id)
    return RevisionStore(current_app.extensions["archive"].settings.data_dir, video_id)


def _compared(store: RevisionStore, head: int) -> tuple[int, int, list]:
    """The revisions to compare (?old=&new=, by default the newest with the one before)."""
    try:
        new = int(request.args.get("new", head))
        old = int(request.args.get("old", max(new - 1, 0)))
        changes = diff_words(store.snapshot(old).segments, store.snapshot(new).segments)
    except ValueError:
        abort_with(400, _("old and new are revision numbers."))
    except RevisionNotFound as exc:
        abort_with(404, str(exc))
    return old, new, changes


@bp.route("/videos/<video_id>/history")
def history(video_id: str):
    transcript = load(video_id)
    store = _store(video_id)
    revisions = store.revisions()
    old, new, changes = _compared(store, transcript.revision) if revisions else (0, 0, [])
    return render_template("history.html", t=transcript, revisions=list(reversed(revisions)),
                           old=old, new=new, changes=changes, form=RevertForm())


def _public(entry) -> dict:
    data = entry.to_dict()
    return {key: data[key] for key in PUBLIC_FIELDS}


@bp.route("/api/videos/<video_id>/revisions")
def api_revisions(video_id: str):
    transcript = load(video_id)
    revisions = [_public(r) for r in _store(video_id).revisions()]
    return jsonify(video_id=video_id, revision=transcript.revision, revisions=revisions,
                   history_url=external_url("corrections.history", video_id=video_id))


@bp.route("/api/videos/<video_id>/revisions/<int:number>")
def api_revision(video_id: str, number: int):
    store = _store(video_id)
    try:
        entry, snapshot = store.revision(number), store.snapshot(number)
    except RevisionNotFound as exc:
        abort_with(404, str(exc))
    passages = [{"start": s.start, "end": s.end, "text": s.text, "language": s.language,
                 "corrected": s.corrected} for s in snapshot.segments]
    return jsonify(_public(entry) | {"video_id": video_id, "passages": passages})


@bp.route("/api/videos/<video_id>/diff")
def api_diff(video_id: str):
    transcript = load(video_id)
    store = _store(video_id)
    if not store.revisions():
        abort_with(404, _("This video has never been corrected: it has no revisions to "
                          "compare."))
    old, new, changes = _compared(store, transcript.revision)
    return jsonify(video_id=video_id, old=old, new=new,
                   changes=[c.to_dict() for c in changes])
