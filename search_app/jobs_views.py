"""The jobs page for archivists: each indexing job's progress, live, and for a failed job a
retry, or its removal with its media file (a page of its own asks for the confirmation: the
live table would untick a box in its rows).

The rows are rendered by one template, for the page and for `/jobs.json` (which the page polls
every 2 s): the live update shows exactly what a reload would, in the UI language.
"""

from __future__ import annotations

from flask import Blueprint, current_app, flash, jsonify, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField
from wtforms.validators import DataRequired

from indexer.jobs import ACTIVE_STATES, Job, JobError, JobState

from .archivist import archivist_required, form_errors
from .forms import EmptyForm
from .official_reasons import job_error
from .removal import RemovalError, remove_video
from .video_admin import flash_media_outcome

bp = Blueprint("jobs_views", __name__)
STATES = {
    JobState.QUEUED: _l("Queued"),
    JobState.RUNNING: _l("Transcribing"),
    JobState.TRANSCRIBED: _l("Indexing"),
    JobState.DONE: _l("Done"),
    JobState.FAILED: _l("Failed"),
}


class RemoveJobForm(FlaskForm):
    confirm = BooleanField(_l("Yes, remove this job and its media file"),
                           validators=[DataRequired(_l("Tick the box to confirm."))])


def views() -> list[dict]:
    queue = current_app.extensions["jobs"]
    return [queue.view(job) for job in queue.recent()]


def rows(jobs: list[dict]) -> str:
    return render_template("jobs_rows.html", jobs=jobs, states=STATES, job_error=job_error)


@bp.route("/jobs")
@archivist_required
def page():
    jobs = views()
    return render_template("jobs.html", jobs=jobs, rows=rows(jobs))


@bp.route("/jobs.json")
@archivist_required
def data():
    jobs = views()
    counts = {state: sum(1 for job in jobs if job["state"] == state) for state in STATES}
    return jsonify(jobs=jobs, counts=counts,
                   active=sum(counts[state] for state in ACTIVE_STATES), rows=rows(jobs))


@bp.route("/jobs/<int:job_id>/retry", methods=["POST"])
@archivist_required
def retry(job_id: int):
    if EmptyForm().validate_on_submit():
        try:
            job = current_app.extensions["jobs"].retry(job_id)
        except JobError as exc:
            flash(_refusal(exc))
        else:
            flash(_("Job %(id)d (%(name)s) is queued again.", id=job.id, name=job.name))
    return redirect(url_for("jobs_views.page"))


@bp.route("/jobs/<int:job_id>/remove", methods=["GET", "POST"])
@archivist_required
def remove(job_id: int):
    """A failed job, its media file (when it is in the data dir) and any other job of the
    same file: what an upload that could not be indexed leaves (removal.py)."""
    job = current_app.extensions["jobs"].get(job_id)
    if job is None or job.state != JobState.FAILED:
        flash(_removal_refusal(job_id, job))
        return redirect(url_for("jobs_views.page"))
    form = RemoveJobForm()
    if not form.is_submitted():
        return render_template("jobs_remove.html", job=job, form=form)
    if not form.validate():
        for error in form_errors(form):
            flash(error)
        return redirect(url_for("jobs_views.remove", job_id=job_id))
    name = job.name
    try:
        removal = remove_video(current_app.extensions["archive"].settings, job.video_id,
                               unindexed_only=True)
    except RemovalError as exc:
        flash(_("Nothing was removed: %(reason)s.", reason=str(exc)))
    else:
        flash(_("Job %(id)d (%(name)s) is removed.", id=job_id, name=name))
        flash_media_outcome(removal)
    return redirect(url_for("jobs_views.page"))


def _removal_refusal(job_id: int, job: Job | None) -> str:
    if job is None:
        return _("There is no job %(id)d.", id=job_id)
    return _("Job %(id)d has not failed (it is %(state)s): only failed jobs can be removed "
             "here.", id=job_id, state=str(STATES.get(job.state, job.state)).lower())


def _refusal(exc) -> str:
    """Why a retry was refused, in the UI language (JobError's message is the CLI's)."""
    if exc.state is None:
        return _("There is no job %(id)d.", id=exc.job_id)
    return _("Job %(id)d has not failed (it is %(state)s): only failed jobs can be retried.",
             id=exc.job_id, state=str(STATES.get(exc.state, exc.state)).lower())
