"""Find and replace across the archive (archivists): a word or phrase is searched in every
video's reading layer, each occurrence previewed in context with a play link; the ones ticked
are replaced, one revision per video, as a batch that can be undone as a batch. A batch over
more than REPLACE_JOB_MIN_VIDEOS videos runs as a job (the jobs page shows its progress)."""

from __future__ import annotations

import json
import logging

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from wtforms import BooleanField, StringField
from wtforms.validators import AnyOf, DataRequired, Length, Optional

from indexer.corrections.names import add_name
from indexer.corrections.replace import (
    BATCHES_DIR,
    Batch,
    find,
    new_batch,
    parse_keys,
    run_batch,
    undo_batch,
)
from indexer.corrections.store import REVISIONS_DIR
from indexer.errors import UsageError
from indexer.gazetteer import LABELS
from indexer.jobs.replace_jobs import enqueue_replace

from .archivist import archivist_required, form_errors

logger = logging.getLogger(__name__)
bp = Blueprint("replace", __name__, url_prefix="/replace")
RECENT_BATCHES = 20
NAME_KINDS = [("PER", _l("a person")), ("ORG", _l("an organisation")), ("LOC", _l("a place")),
              ("MISC", _l("something else"))]


class ReplaceForm(FlaskForm):
    phrase = StringField(_l("Find"), validators=[DataRequired(), Length(max=200)])
    replacement = StringField(_l("Replace with"), validators=[DataRequired(), Length(max=200)])
    # Optionally, the corrected name into the gazetteer (corrections/names.py)
    gazetteer = BooleanField(_l("Add it to the gazetteer"), validators=[Optional()])
    label = StringField(_l("It names"), validators=[Optional(), AnyOf(LABELS)])
    language = StringField(_l("Language"), validators=[Optional(), Length(max=10)])
    aliases = StringField(_l("Other names (comma-separated)"), validators=[Optional(),
                                                                           Length(max=500)])
    hint = BooleanField(_l("Use it as a recognition hint for new videos"),
                        validators=[Optional()])


class UndoForm(FlaskForm):
    """Only the CSRF token."""


def recent_batches() -> list[Batch]:
    folder = current_app.extensions["archive"].settings.data_dir / REVISIONS_DIR / BATCHES_DIR
    paths = sorted(folder.glob("*.json"), reverse=True)[:RECENT_BATCHES] \
        if folder.is_dir() else []
    batches = []
    for path in paths:
        try:
            batches.append(Batch(**json.loads(path.read_text(encoding="utf-8"))))
        except (OSError, ValueError, TypeError) as exc:
            logger.warning("replacement batch %s is unreadable: %s", path, exc)
    return batches


@bp.route("")
@archivist_required
def page():
    phrase = (request.args.get("q") or "").strip()[:200]
    occurrences, error = [], ""
    if phrase:
        try:
            occurrences = find(current_app.extensions["archive"].settings, phrase,
                               limit=int(current_app.config.get("REPLACE_PREVIEW_LIMIT", 500)))
        except UsageError as exc:
            error = str(exc)
    return render_template("replace.html", phrase=phrase, occurrences=occurrences, error=error,
                           form=ReplaceForm(phrase=phrase), batches=recent_batches(),
                           undo_form=UndoForm(), name_kinds=NAME_KINDS,
                           languages=current_app.extensions["archive"].settings.languages)


@bp.route("", methods=["POST"])
@archivist_required
def apply():
    form = ReplaceForm()
    phrase = (form.phrase.data or "").strip()
    back = url_for("replace.page", q=phrase)
    if not form.validate_on_submit():
        for error in form_errors(form):
            flash(error)
        return redirect(back)
    keys = request.form.getlist("key")
    archive = current_app.extensions["archive"]
    try:
        batch = new_batch(phrase, form.replacement.data, keys, current_user.email)
    except UsageError as exc:
        flash(_("Nothing was replaced: %(reason)s.", reason=str(exc)))
        return redirect(back)
    videos = len(parse_keys(keys))
    if form.gazetteer.data:
        offer_name(form)
    if videos > int(current_app.config.get("REPLACE_JOB_MIN_VIDEOS", 5)):
        job = enqueue_replace(current_app.extensions["jobs"], batch, user_id=current_user.id)
        flash(Markup(_("The replacement in %(num)d videos is queued (job %(id)d). <a "
                       "href=\"%(url)s\">The jobs page</a> shows its progress.", num=videos,
                       id=job.id, url=escape(url_for("jobs_views.page")))))
        return redirect(url_for("replace.page"))
    batch = run_batch(archive.settings, archive.gazetteer, batch)
    flash(_("Replaced in %(num)d video(s), one revision each (batch %(id)s); searches show it "
            "now.", num=len(batch.videos), id=batch.id))
    for video_id, why in batch.skipped.items():
        flash(_("%(id)s was left as it was: %(reason)s", id=video_id, reason=why))
    return redirect(url_for("replace.page", q=batch.replacement))


@bp.route("/<batch_id>/undo", methods=["POST"])
@archivist_required
def undo(batch_id: str):
    form = UndoForm()
    if not form.validate_on_submit():
        for error in form_errors(form):
            flash(error)
        return redirect(url_for("replace.page"))
    archive = current_app.extensions["archive"]
    try:
        batch = undo_batch(archive.settings, archive.gazetteer, batch_id, current_user.email)
    except UsageError as exc:
        flash(_("Nothing was undone: %(reason)s.", reason=str(exc)))
        return redirect(url_for("replace.page"))
    flash(_("Batch %(id)s undone in %(num)d video(s), each by a new revision.", id=batch.id,
            num=len(batch.undone)))
    for video_id, why in batch.skipped.items():
        flash(_("%(id)s was left as it was: %(reason)s", id=video_id, reason=why))
    return redirect(url_for("replace.page", q=batch.phrase))


def offer_name(form: ReplaceForm) -> None:
    """The replacement into the gazetteer, as the form asks; flashes what became of it."""
    archive = current_app.extensions["archive"]
    try:
        entity_id = add_name(archive.settings, form.replacement.data, form.label.data or "MISC",
                             (form.language.data or archive.settings.languages[0]).lower(),
                             (form.aliases.data or "").split(","), hint=form.hint.data)
    except UsageError as exc:
        flash(_("The name was not added to the gazetteer: %(reason)s.", reason=str(exc)))
        return
    archive.reload_gazetteer()
    flash(_("“%(name)s” is in the gazetteer (%(id)s): videos indexed from now on tag it.",
            name=form.replacement.data, id=entity_id))
