"""Archivists on the player page: edit a video's metadata, remove the video."""

from __future__ import annotations

import logging

from flask import Blueprint, current_app, flash, redirect, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from indexer.errors import SpeechSearchError
from indexer.index_writer import IndexWriter
from indexer.records import Metadata, Transcript
from indexer.store import TranscriptNotFound, load_transcript, save_transcript

from .archive import Archive
from .archivist import EditMetadataForm, RemoveForm, archivist_required, form_errors
from .removal import Removal, RemovalError, remove_video
from .videos import load

logger = logging.getLogger(__name__)
bp = Blueprint("video_admin", __name__, url_prefix="/videos")


def update_metadata(archive: Archive, video_id: str, metadata: Metadata) -> Transcript:
    """Rewrite the transcript's metadata (atomically), then re-index the video.

    The transcript is the source of truth and is saved first: if indexing fails (the writer
    lock stays busy), saving again re-indexes it.
    """
    settings = archive.settings
    writer = IndexWriter(settings, archive.gazetteer)
    with writer.turn():
        # A fresh copy: the archive's cached transcript is shared by every request.
        transcript = load_transcript(settings.transcripts_dir, video_id)
        transcript.metadata = metadata
        save_transcript(settings.transcripts_dir, transcript)
        writer.add([transcript])
    return transcript


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
