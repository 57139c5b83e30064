"""Archivists' page of voice profiles (/speakers): list, rename, merge, delete.

The same operations as `speechsearch speakers` (indexer/speakers/registry.py): a rename or a
merge renames the voice in every video, re-indexed in the writer's turn.
"""

from __future__ import annotations

import logging

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from indexer.errors import SpeechSearchError
from indexer.speakers.profiles import ProfileError

from .archivist import archivist_required, form_errors
from .speaker_admin import registry

logger = logging.getLogger(__name__)
bp = Blueprint("profiles_views", __name__)


class RenameForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])


class MergeForm(FlaskForm):
    other = StringField(_l("Same person as"), validators=[DataRequired(), Length(max=20)])


class DeleteForm(FlaskForm):
    """Only the CSRF token: the button says what it does."""


@bp.route("/speakers")
@archivist_required
def page():
    return render_template("profiles.html", profiles=registry().profiles())


def _do(form: FlaskForm, action, done: str):
    if not form.validate_on_submit():
        for error in form_errors(form):
            flash(error)
        return redirect(url_for("profiles_views.page"))
    try:
        action()
    except ProfileError as exc:
        flash(str(exc))
    except (SpeechSearchError, OSError) as exc:  # the index locked, a full disk
        logger.exception("changing voice profiles failed")
        flash(_("The change is saved, but the search index could not be updated (%(reason)s). "
                "Do it again to retry.", reason=str(exc)))
    else:
        flash(done)
    return redirect(url_for("profiles_views.page"))


@bp.route("/speakers/<profile_id>/rename", methods=["POST"])
@archivist_required
def rename(profile_id: str):
    form = RenameForm()
    return _do(form, lambda: registry().rename(profile_id, form.name.data),
               _("Renamed in every video."))


@bp.route("/speakers/<profile_id>/merge", methods=["POST"])
@archivist_required
def merge(profile_id: str):
    form = MergeForm()
    return _do(form, lambda: registry().merge(profile_id, form.other.data),
               _("Merged: one person in every video."))


@bp.route("/speakers/<profile_id>/delete", methods=["POST"])
@archivist_required
def delete(profile_id: str):
    return _do(DeleteForm(), lambda: registry().delete(profile_id),
               _("The profile is deleted; the names given in videos stay."))
