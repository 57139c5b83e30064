"""What only archivists may do: the guard for their views and the forms they fill in (upload
page; player page: metadata, official text, removal)."""

from __future__ import annotations

import re
from datetime import date
from functools import wraps

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from indexer.records import Metadata

from .errors import abort_with


def archivist_required(view):
    """Anonymous visitors go to the login page (and come back); members get a 403 page."""
    @wraps(view)
    def guarded(*args, **kwargs):
        if not current_user.is_authenticated:
            return current_app.login_manager.unauthorized()
        if not current_user.is_archivist:
            abort_with(403, _("This page is for archivists. Ask an administrator to give "
                              "your account the archivist role."))
        return view(*args, **kwargs)
    return guarded


DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")  # fromisoformat alone also takes 20091204


def iso_date(form, field) -> None:
    # Not indexer.pipeline.validate_date: importing the pipeline loads spaCy and torch (2 s)
    # into every web process.
    try:
        valid = bool(DATE.match(field.data)) and bool(date.fromisoformat(field.data))
    except ValueError:
        valid = False
    if not valid:
        raise ValidationError(_l("The date must be a real date written YYYY-MM-DD, "
                                 "like 2009-12-04."))


class MetadataForm(FlaskForm):
    title = StringField(_l("Title"), validators=[Optional(), Length(max=300)])
    date = StringField(_l("Date"), validators=[Optional(), iso_date])
    speaker = StringField(_l("Speaker"), validators=[Optional(), Length(max=300)])
    event = StringField(_l("Event"), validators=[Optional(), Length(max=300)])

    def metadata(self, default_title: str = "") -> Metadata:
        value = {name: (getattr(self, name).data or "").strip()
                 for name in ("title", "date", "speaker", "event")}
        return Metadata(**{**value, "title": value["title"] or default_title})


class EditMetadataForm(MetadataForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])


class RemoveForm(FlaskForm):
    confirm = BooleanField(_l("Yes, remove this video from the archive"),
                           validators=[DataRequired(_l("Tick the box to confirm."))])


class OfficialTextForm(FlaskForm):
    """An official text to align to the video: pasted, or its file (one of the two; the view
    reads and checks it, video_admin.py)."""

    text = TextAreaField(_l("Paste the text"), validators=[Optional()])
    file = FileField(_l("Or choose its file (.txt, .html, .srt, .vtt, .pdf)"),
                     validators=[Optional()])


class RemoveOfficialTextForm(FlaskForm):
    """Only the CSRF token: the button says what it does, and the text can be attached again."""


def form_errors(form: FlaskForm) -> list[str]:
    """Each field's errors as one line for a flash message: "Date: the date must be…"."""
    return [f"{getattr(form, name).label.text}: {' '.join(map(str, errors))}"
            for name, errors in form.errors.items() if name != "csrf_token"] + \
        [str(e) for e in form.errors.get("csrf_token", [])]
