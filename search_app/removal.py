"""Removing a video from the archive: its index entries, transcript, media and jobs.

One function for the site and for `speechsearch remove`. The order keeps the archive
consistent at every step: the index first (a search never finds a video whose transcript is
gone; a failure there changes nothing), then the transcript, then the media, then the jobs. A
media file is deleted only if it lives inside the data dir: a file indexed from elsewhere
belongs to its owner.

A video need not be in the archive to be removed: an upload whose job failed has its media
and its job, and no transcript; a media file stored for an id whose jobs are gone is removed
too (else nothing could ever delete it).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l

from indexer.config import Settings
from indexer.corrections import RevisionStore
from indexer.errors import UsageError
from indexer.index_writer import IndexWriter
from indexer.jobs import IN_FLIGHT_STATES, JobQueue
from indexer.search_index import is_indexed
from indexer.store import TranscriptNotFound, is_video_id, load_transcript, transcript_path

logger = logging.getLogger(__name__)


class RemovalError(UsageError):
    """Nothing was removed; str() says why: in the UI language during a request, else English
    (the message is translated when it is shown, hence lazy)."""


@dataclass
class Removal:
    video_id: str
    title: str = ""
    segments: int = 0  # index entries removed
    transcript: bool = False  # a transcript file was removed
    media_removed: list[Path] = field(default_factory=list)
    media_kept: list[Path] = field(default_factory=list)  # outside the data dir: left alone
    jobs: int = 0


def _inside(path: Path, folder: Path) -> bool:
    # resolve(): a symlink in the data dir pointing elsewhere is not the data dir's file.
    return path.resolve().is_relative_to(folder.resolve())


def remove_video(settings: Settings, video_id: str, *, force: bool = False,
                 unindexed_only: bool = False) -> Removal:
    """Remove everything the archive holds of `video_id` (an app context is needed).

    Raises RemovalError, having removed nothing, for an unknown id, while a job works on
    the video (unless `force`), or with `unindexed_only` for a video that has a transcript
    (the jobs page removes failed uploads, not the videos their jobs were re-indexing).
    """
    if not is_video_id(video_id):
        raise RemovalError(_l("%(id)s is not a video id (16 hexadecimal digits)",
                             id=video_id[:40]))
    # The index writer's turn, as the jobs' commits take it: no batch of transcribed jobs is
    # committed in the middle of a removal, and the job states read below stay true.
    writer = IndexWriter(settings, current_app.extensions["archive"].gazetteer)
    with writer.turn():
        return _remove(settings, writer, current_app.extensions["jobs"], video_id, force,
                       unindexed_only)


def _stored_media(settings: Settings, video_id: str) -> list[Path]:
    """The media files kept for `video_id` in the data dir (uploads.py names them
    `media/<id>.<container>`); the id is 16 hexadecimal digits, so no pattern in it."""
    return sorted((settings.data_dir / "media").glob(f"{video_id}.*"))


def _remove(settings: Settings, writer: IndexWriter, queue: JobQueue, video_id: str,
            force: bool, unindexed_only: bool) -> Removal:
    jobs = queue.of_video(video_id)
    busy = [job for job in jobs if job.state in IN_FLIGHT_STATES]
    if busy and not force:
        raise RemovalError(_l("job %(job)d is working on this video right now; remove it once "
                             "the job has ended", job=busy[0].id))
    try:
        transcript = load_transcript(settings.transcripts_dir, video_id)
    except TranscriptNotFound:
        transcript = None
    if transcript is not None and unindexed_only:
        raise RemovalError(_l("its video “%(title)s” is in the archive: remove it from its "
                             "player page, which removes its jobs too",
                             title=transcript.metadata.title or video_id))
    stored = _stored_media(settings, video_id)
    indexed = is_indexed(settings.index_dir, video_id)
    if transcript is None and not jobs and not stored and not indexed:
        raise RemovalError(_l("no video with id %(id)s in the archive", id=video_id))
    removal = Removal(video_id, title=transcript.metadata.title if transcript else "")
    if indexed:
        removal.segments = writer.remove(video_id)
    if transcript is not None:
        transcript_path(settings.transcripts_dir, video_id).unlink(missing_ok=True)
        RevisionStore(settings.data_dir, video_id).remove()  # its corrections' history
        removal.transcript = True
    media = {Path(path) for path in
             [transcript.media.path if transcript else None, *(job.path for job in jobs)]
             if path} | set(stored)
    for path in sorted(media):
        if not _inside(path, settings.data_dir):
            removal.media_kept.append(path)
        elif path.is_file():
            path.unlink()
            removal.media_removed.append(path)
    removal.jobs = queue.delete_of_video(video_id)
    logger.info("removed video %s: %d index entries, transcript %s, media %s, %d job(s)",
                video_id, removal.segments, removal.transcript,
                [str(p) for p in removal.media_removed] or "none", removal.jobs)
    return removal
