"""The jobs page for archivists: each indexing job's progress, live, and a retry for failures.

The rows are rendered by one template, for the page and for `/jobs.json` (which the page polls
every 2 s): the live update shows exactly what a reload would, in the UI language.
"""

from __future__ import annotations

from flask import Blueprint, current_app, flash, jsonify, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from indexer.jobs import ACTIVE_STATES, JobError, JobState

from .archivist import archivist_required
from .forms import EmptyForm

bp = Blueprint("jobs_views", __name__)
STATES = {
    JobState.QUEUED: _l("Queued"),
    JobState.RUNNING: _l("Transcribing"),
    JobState.TRANSCRIBED: _l("Indexing"),
    JobState.DONE: _l("Done"),
    JobState.FAILED: _l("Failed"),
}


def views() -> list[dict]:
    queue = current_app.extensions["jobs"]
    return [queue.view(job) for job in queue.recent()]


def rows(jobs: list[dict]) -> str:
    return render_template("jobs_rows.html", jobs=jobs, states=STATES)


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


def _refusal(exc: JobError) -> str:
    """Why a retry was refused, in the UI language (JobError's message is the CLI's)."""
    if exc.state is None:
        return _("There is no job %(id)d.", id=exc.job_id)
    return _("Job %(id)d has not failed (it is %(state)s): only failed jobs can be retried.",
             id=exc.job_id, state=str(STATES.get(exc.state, exc.state)).lower())
