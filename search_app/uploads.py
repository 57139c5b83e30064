"""Archivists upload media: each file is probed, kept in `<data-dir>/media/` under its content
hash, and queued for transcription. A bad file is refused with its reason; the others go on.

The page sends each file in its own request (per-file progress, and a refused file never costs
the others); a browser without JavaScript sends them all in one form, which works too.
"""

from __future__ import annotations

import logging
import os
import tempfile
from dataclasses import replace
from pathlib import Path, PurePath

from flask import (
    Blueprint,
    Request,
    current_app,
    jsonify,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.datastructures import FileStorage

from indexer.decode import MEDIA_EXTENSIONS, MediaError, probe
from indexer.records import MediaInfo, Metadata
from indexer.store import TranscriptNotFound

from .archivist import MetadataForm, archivist_required, form_errors
from .errors import error_response, http_error

logger = logging.getLogger(__name__)
bp = Blueprint("uploads", __name__)
MiB = 1024 * 1024
FORM_SLACK = 256 * 1024  # metadata fields and multipart boundaries around the file itself
UPLOAD_ENDPOINT = "uploads.upload"  # the one view that takes bodies over MAX_CONTENT_LENGTH
# Containers whose first FFmpeg name is no usual file extension.
SUFFIXES = {"matroska": ".mkv", "mpegts": ".ts", "asf": ".wmv", "mpeg": ".mpg"}


class UploadRequest(Request):
    """Files posted to the upload view are written straight into `<data-dir>/media/.incoming/`,
    on the filesystem of their final place: keeping a file is a rename, not a copy of
    gigabytes (Werkzeug would spool them to the system's temp dir)."""

    incoming: Path | None = None  # set for the upload view only, before the form is parsed
    spooled: list[Path]

    def _get_file_stream(self, total_content_length, content_type, filename=None,
                         content_length=None):
        if self.incoming is None:
            return super()._get_file_stream(total_content_length, content_type, filename,
                                            content_length)
        handle = tempfile.NamedTemporaryFile(dir=self.incoming, prefix="upload-", delete=False)
        self.spooled.append(Path(handle.name))
        return handle


@bp.record_once
def use_upload_request(state) -> None:
    state.app.request_class = UploadRequest


def media_dir() -> Path:
    return current_app.extensions["archive"].settings.data_dir / "media"


def limit_bytes(config) -> int:
    """The largest file an archivist may upload."""
    return int(float(config["MAX_UPLOAD_MB"]) * MiB)


def upload_body_limit(config) -> int:
    """The largest request body an upload may send: its files and the form around them (the
    server refuses more from the headers: body_limits.py)."""
    return limit_bytes(config) + FORM_SLACK


@bp.url_value_preprocessor
def open_upload(endpoint: str | None, values: dict | None) -> None:
    # Runs before the app's before_request, where CSRF protection parses the form: the upload's
    # own size limit and folder must be in place by then. Only archivists get the large limit;
    # anyone else keeps the site's and is refused by the view.
    if endpoint != UPLOAD_ENDPOINT or request.method != "POST" or \
            not (current_user.is_authenticated and current_user.is_archivist):
        return
    incoming = media_dir() / ".incoming"
    incoming.mkdir(parents=True, exist_ok=True)
    request.max_content_length = upload_body_limit(current_app.config)
    request.incoming, request.spooled = incoming, []


@bp.teardown_request
def drop_leftovers(error: BaseException | None) -> None:
    """Files not kept (refused, or a request cut short) leave nothing in .incoming/."""
    for path in getattr(request, "spooled", ()):
        path.unlink(missing_ok=True)


def prefers_json() -> bool:
    """The upload page's script asks for JSON; a form posted without JavaScript gets a page."""
    return request.accept_mimetypes.best_match(["text/html", "application/json"]) == \
        "application/json"


@bp.errorhandler(413)
def too_large(error):
    if request.incoming is None:  # not an archivist's upload: the site's own limit and message
        return http_error(error)
    message = _("This upload is too large: at most %(limit)s MB per file.",
                limit=current_app.config["MAX_UPLOAD_MB"])
    if prefers_json():
        return jsonify(error=message), 413
    return error_response(413, message)


def display_name(filename: str | None) -> str:
    # Some browsers send a full client path ("C:\\Users\\...\\talk.mp4"): keep the last part.
    return PurePath((filename or "").replace("\\", "/")).name[:300] or "upload"


def default_title(name: str) -> str:
    return Path(name).stem.replace("_", " ").replace("-", " ").strip() or name


def media_suffix(info: MediaInfo) -> str:
    """The kept file's extension, from the probed container (never from the uploaded name)."""
    names = info.container.split(",")
    if "mp4" in names:  # the MP4/QuickTime family
        return ".mp4" if info.has_video else ".m4a"
    for name in names:
        if f".{name}" in MEDIA_EXTENSIONS:
            return f".{name}"
    return SUFFIXES.get(names[0], ".media")


def spooled_path(storage: FileStorage) -> Path:
    """Where UploadRequest wrote the uploaded file, in .incoming/."""
    storage.stream.flush()
    return Path(storage.stream.name)


def media_of(queued, video_id: str) -> Path | None:
    """Where the video of an upload that was not queued (already queued or indexed) lives."""
    if queued.job is not None:
        return Path(queued.job.path)
    try:
        return Path(current_app.extensions["archive"].transcript(video_id).media.path)
    except TranscriptNotFound:
        return None


def outcome(name: str, ok: bool, status: str, message: str, **extra) -> dict:
    return {"name": name, "ok": ok, "status": status, "message": message, **extra}


def receive(storage: FileStorage, metadata: Metadata) -> dict:
    """Probe one uploaded file, keep it under its content hash and queue it."""
    name = display_name(storage.filename)
    path = spooled_path(storage)
    size = path.stat().st_size
    if size == 0:
        return outcome(name, False, "refused", _("%(name)s is empty (0 bytes).", name=name))
    if size > limit_bytes(current_app.config):
        return outcome(name, False, "refused", _(
            "%(name)s is too large: at most %(limit)s MB per file.", name=name,
            limit=current_app.config["MAX_UPLOAD_MB"]))
    try:
        info = probe(path)
    except MediaError as exc:
        return outcome(name, False, "refused", _(
            "%(name)s is not an audio or video file the archive can read (%(reason)s).",
            name=name, reason=str(exc)))
    target = media_dir() / f"{info.video_id}{media_suffix(info)}"
    created = not target.exists()  # else this very content is already kept there
    if created:
        os.replace(path, target)
    # The jobs page shows the name the archivist knows, not the content hash it is kept under.
    queued = current_app.extensions["jobs"].enqueue_probed(
        target, info, replace(metadata, title=metadata.title or default_title(name)),
        user_id=current_user.id, name=name)
    if queued.status in ("already queued", "already indexed") and created:
        # The video came from another file, which stays its media: drop the copy just made.
        kept = media_of(queued, info.video_id)
        if kept is not None and kept.resolve() != target.resolve():
            target.unlink(missing_ok=True)
    messages = {
        "queued": _("%(name)s is queued for transcription.", name=name),
        "already queued": _("%(name)s is already waiting to be transcribed.", name=name),
        "already indexed": _("%(name)s is already in the archive.", name=name),
    }
    return outcome(name, True, queued.status, messages[queued.status],
                   video_id=info.video_id, job_id=queued.job.id if queued.job else None,
                   url=url_for("videos.player", video_id=info.video_id)
                   if queued.status == "already indexed" else None)


@bp.route("/upload", methods=["GET", "POST"])
@archivist_required
def upload():
    form = MetadataForm()
    limit = current_app.config["MAX_UPLOAD_MB"]
    if request.method == "GET":
        return render_template("upload.html", form=form, limit_mb=limit, results=None)
    files = [f for f in request.files.getlist("files") if f.filename]
    errors = form_errors(form) if not form.validate_on_submit() else []
    if not files:
        errors.append(_("Choose at least one audio or video file."))
    if errors:
        if prefers_json():
            return jsonify(error=" ".join(errors)), 400
        return render_template("upload.html", form=form, limit_mb=limit, results=None,
                               errors=errors), 400
    metadata = form.metadata()
    if len(files) > 1:  # one title cannot name several files: each is titled by its name
        metadata = replace(metadata, title="")
    results = [receive(storage, metadata) for storage in files]
    for result in results:
        logger.info("upload by user %s: %s: %s", current_user.id, result["name"],
                    result["status"])
    if prefers_json():
        return jsonify(files=results)
    return render_template("upload.html", form=MetadataForm(formdata=None), limit_mb=limit,
                           results=results)
