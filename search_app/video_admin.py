"""Archivists on the player page: edit a video's metadata, attach or remove its official text,
remove the video.

An official text is read and checked in the request (cheap), then aligned by a job (the
embedded queue or the Celery workers): a web request never runs the aligner. A text that is
refused changes nothing.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from flask import Blueprint, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from markupsafe import Markup, escape

from indexer.errors import SpeechSearchError
from indexer.index_writer import IndexWriter
from indexer.jobs import ACTIVE_STATES, OfficialJobError
from indexer.records import Metadata, Transcript
from indexer.store import TranscriptNotFound

from .archive import Archive
from .archivist import (
    EditMetadataForm,
    OfficialTextForm,
    RemoveForm,
    RemoveOfficialTextForm,
    archivist_required,
    form_errors,
)
from .errors import http_error
from .official_reasons import official_text_reason
from .removal import Removal, RemovalError, remove_video
from .videos import load

logger = logging.getLogger(__name__)
bp = Blueprint("video_admin", __name__, url_prefix="/videos")
OFFICIAL_ENDPOINT = "video_admin.official"  # takes bodies over MAX_CONTENT_LENGTH (a PDF)
FORM_SLACK = 256 * 1024  # the form's other fields and multipart boundaries around the text


def update_metadata(archive: Archive, video_id: str, metadata: Metadata) -> Transcript:
    """Rewrite the transcript's metadata (atomically), then re-index the video.

    The transcript is the source of truth and is saved first: if indexing fails (the writer
    lock stays busy), saving again re-indexes it.
    """
    # revise() loads a fresh copy: the archive's cached transcript is shared by every request.
    return IndexWriter(archive.settings, archive.gazetteer).revise(
        video_id, lambda transcript: transcript.with_metadata(metadata))


@bp.route("/<video_id>/metadata", methods=["POST"])
@archivist_required
def edit(video_id: str):
    load(video_id)  # 404 for an unknown video
    form = EditMetadataForm()
    if not form.validate_on_submit():
        for error in form_errors(form):
            flash(error)
        return redirect(url_for("videos.player", video_id=video_id, edit=1))
    try:
        update_metadata(current_app.extensions["archive"], video_id, form.metadata())
    except TranscriptNotFound:
        flash(_("This video was removed in the meantime."))
        return redirect(url_for("search.index"))
    except (SpeechSearchError, OSError) as exc:  # the index locked by another program, a full disk
        logger.exception("re-indexing %s after a metadata edit failed", video_id)
        flash(_("The new metadata is saved, but the search index could not be updated "
                "(%(reason)s). Save again to retry.", reason=str(exc)))
        return redirect(url_for("videos.player", video_id=video_id, edit=1))
    flash(_("Metadata saved; searches show it now."))
    return redirect(url_for("videos.player", video_id=video_id))


@bp.route("/<video_id>/remove", methods=["POST"])
@archivist_required
def remove(video_id: str):
    load(video_id)
    form = RemoveForm()
    if not form.validate_on_submit():
        for error in form_errors(form):
            flash(error)
        return redirect(url_for("videos.player", video_id=video_id, edit=1))
    try:
        removal = remove_video(current_app.extensions["archive"].settings, video_id)
    except RemovalError as exc:
        flash(_("Nothing was removed: %(reason)s.", reason=str(exc)))
        return redirect(url_for("videos.player", video_id=video_id))
    flash(_("“%(title)s” is removed from the archive: its transcript and search entries are "
            "gone.", title=removal.title or video_id))
    flash_media_outcome(removal)
    return redirect(url_for("search.index"))


def flash_media_outcome(removal: Removal) -> None:
    """What became of the media files of a removal (here and on the jobs page)."""
    if removal.media_removed:
        flash(ngettext("Its media file was deleted.", "Its %(num)d media files were deleted.",
                       len(removal.media_removed)))
    for path in removal.media_kept:
        flash(_("Its media file %(path)s is outside the data folder, so it was left in place.",
                path=str(path)))


def official_text_limit(config) -> int:
    """The largest official text an archivist may attach (MAX_OFFICIAL_TEXT_BYTES in the
    config, else the indexer's)."""
    from indexer.official import MAX_OFFICIAL_TEXT_BYTES  # pypdf, bs4: on first use only

    return int(config.get("MAX_OFFICIAL_TEXT_BYTES") or MAX_OFFICIAL_TEXT_BYTES)


def official_body_limit(config) -> int:
    """The largest request body the official text form may send (body_limits.py refuses more
    from the headers)."""
    return official_text_limit(config) + FORM_SLACK


@bp.url_value_preprocessor
def official_text_body(endpoint: str | None, values: dict | None) -> None:
    # Before CSRF protection parses the form: only archivists get more than the site's limit.
    if endpoint == OFFICIAL_ENDPOINT and request.method == "POST" and \
            current_user.is_authenticated and current_user.is_archivist:
        request.max_content_length = official_body_limit(current_app.config)


@bp.errorhandler(413)
def too_large(error):
    if request.endpoint != OFFICIAL_ENDPOINT:
        return http_error(error)
    flash(_("This official text is too large: at most %(limit)s MB. Attach the text alone, "
            "without images.", limit=f"{official_text_limit(current_app.config) / 1e6:g}"))
    return redirect(url_for("videos.player", video_id=request.view_args["video_id"], edit=1))


def active_job(video_id: str) -> int | None:
    jobs = current_app.extensions["jobs"].of_video(video_id)
    return next((job.id for job in jobs if job.state in ACTIVE_STATES), None)


def posted_text(form: OfficialTextForm) -> tuple[bytes, str] | str:
    """The bytes of the text and its file name ("" for a paste), or why there are none."""
    upload = form.file.data
    pasted = (form.text.data or "").strip()
    if upload and upload.filename and pasted:
        return _("Paste the text or choose its file, not both.")
    if upload and upload.filename:
        # One byte more than the limit is enough for the reader to refuse it with its reason.
        return upload.read(official_text_limit(current_app.config) + 1), upload.filename
    if pasted:
        return pasted.encode("utf-8"), ""
    return _("Paste the official text or choose its file.")


OFFICIAL_REFUSALS = {
    "media gone": lambda error: _(
        "The official text was not queued: the media file of this video is no longer where "
        "it was indexed, and the text is aligned to its audio."),
    "already attached": lambda error: _("This official text is already attached to this "
                                        "video."),
    "active job": lambda error: _(
        "The official text was not queued: job %(id)d is still working on this video; "
        "attach the text once it is over.", id=error.job_id),
}


@bp.route("/<video_id>/official", methods=["POST"])
@archivist_required
def official(video_id: str):
    """Check the text in the request, and queue its alignment as a job."""
    from indexer.official import OfficialTextError

    load(video_id)
    back = redirect(url_for("videos.player", video_id=video_id, edit=1))
    form = OfficialTextForm()
    if not form.validate_on_submit():
        for error in form_errors(form):
            flash(error)
        return back
    posted = posted_text(form)
    if isinstance(posted, str):
        flash(posted)
        return back
    data, name = posted
    try:
        job = current_app.extensions["jobs"].enqueue_official(
            video_id, data, name, user_id=current_user.id,
            max_bytes=official_text_limit(current_app.config))
    except OfficialTextError as exc:  # the reader's reason, in the page's language
        flash(_("The official text was not queued: %(reason)s",
                reason=official_text_reason(exc)))
        return back
    except OfficialJobError as exc:
        refusal = OFFICIAL_REFUSALS.get(exc.kind)
        flash(refusal(exc) if refusal else _("The official text was not queued: %(reason)s",
                                             reason=str(exc)))
        return back
    flash(Markup(_("The official text is queued (job %(id)d): it is aligned to the recording "
                   "in the background. <a href=\"%(url)s\">The jobs page</a> shows its "
                   "progress.", id=job.id, url=escape(url_for("jobs_views.page")))))
    return redirect(url_for("videos.player", video_id=video_id))


def remove_official_text(archive: Archive, video_id: str) -> Transcript:
    """The video back to its machine transcript alone. (Not the indexer's remove_from_video:
    importing the aligner's module would load torch into the web process.)"""
    return IndexWriter(archive.settings, archive.gazetteer).revise(
        video_id, lambda transcript: replace(transcript, official=None))


@bp.route("/<video_id>/official/remove", methods=["POST"])
@archivist_required
def remove_official(video_id: str):
    transcript = load(video_id)
    back = redirect(url_for("videos.player", video_id=video_id, edit=1))
    form = RemoveOfficialTextForm()
    if not form.validate_on_submit():
        for error in form_errors(form):
            flash(error)
        return back
    if transcript.official is None:
        flash(_("This video has no official text."))
        return back
    job_id = active_job(video_id)
    if job_id is not None:
        flash(_("The official text was not removed: job %(id)d is still working on this "
                "video; remove the text once it is over.", id=job_id))
        return back
    try:
        remove_official_text(current_app.extensions["archive"], video_id)
    except TranscriptNotFound:
        flash(_("This video was removed in the meantime."))
        return redirect(url_for("search.index"))
    except (SpeechSearchError, OSError) as exc:
        logger.exception("re-indexing %s after removing its official text failed", video_id)
        flash(_("The official text is removed from the transcript, but the search index could "
                "not be updated (%(reason)s): searches show the text until the index is "
                "rebuilt (speechsearch reindex).", reason=str(exc)))
        return back
    flash(_("The official text is removed: searches and the player show the machine "
            "transcript again."))
    return redirect(url_for("videos.player", video_id=video_id))
