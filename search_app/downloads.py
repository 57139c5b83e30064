"""Downloads for verified accounts: the original file, or a clip of just the soundbite.

Anonymous users are sent to log in and come back; unverified accounts get a 403 saying why.
Every download is private to its account: no shared cache may keep it.

The history (account page) lists what was downloaded: each file (the original, or a clip of a
span in a format) once per session, when it is first sent. A player seeking in a file, or a
download manager resuming one, fetches it in many Range requests: they are one download.
"""

from __future__ import annotations

import functools
import hashlib
import math
import mimetypes
import re
import shutil
import tempfile
from pathlib import Path

from flask import (
    Blueprint,
    Response,
    current_app,
    make_response,
    redirect,
    request,
    send_file,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from indexer.store import TranscriptNotFound

from .clips import ClipError, ClipRequest, clip_filename, clip_srt, cut_clip, validate
from .clock import now
from .errors import abort_with
from .models import Download, db
from .ranges import send_media
from .videos import load

bp = Blueprint("downloads", __name__, url_prefix="/videos")
_TIME = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{1,2}(?:\.\d+)?)$")
LOGGED = "downloads_logged"  # session key: digests of the files logged in this session
REMEMBERED = 20  # the session cookie keeps the last few (12 characters each)


def verified_required(view):
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        if not current_user.verified:
            abort_with(403, _("Verify your e-mail address to download: enter the code we "
                              "sent you."))
        return private(make_response(view(*args, **kwargs)))
    return wrapper


def private(response: Response) -> Response:
    """For the account's own browser only, checked with the site before each reuse (send_file
    makes files public for an hour)."""
    response.cache_control.public = False
    response.cache_control.max_age = None
    response.expires = None
    response.cache_control.private = True
    response.cache_control.no_cache = True
    return response


def seconds_arg(name: str) -> float:
    """12.5, or 1:02.5, or 1:02:03 -> seconds; 400 otherwise."""
    raw = (request.args.get(name) or "").strip()
    match = _TIME.match(raw)
    try:
        if match:
            hours, minutes, secs = match.groups()
            value = int(hours or 0) * 3600 + int(minutes) * 60 + float(secs)
        else:
            value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        abort_with(400, _("%(name)s must be a time, like 83.5 or 1:23.5.", name=name))
    return value


def log_download(response: Response, video_id: str, title: str, fmt: str, start=None,
                 end=None) -> None:
    """Log a file sent (not a HEAD, a 304 or a 412) unless this session already logged it."""
    if request.method != "GET" or response.status_code not in (200, 206):
        return
    # The account is part of the key: another one may log in to the same browser session.
    key = f"{current_user.id} {video_id} {fmt} {start} {end}"
    digest = hashlib.sha256(key.encode()).hexdigest()[:12]
    logged = session.get(LOGGED, [])
    if digest in logged:
        return
    db.session.add(Download(user_id=current_user.id, video_id=video_id, title=title[:300],
                            start=start, end=end, format=fmt, at=now()))
    db.session.commit()
    session[LOGGED] = [*logged, digest][-REMEMBERED:]


@bp.route("/<video_id>/download")
@verified_required
def full(video_id: str):
    transcript = load(video_id)
    try:
        path = current_app.extensions["archive"].media_path(video_id)
    except TranscriptNotFound:
        abort_with(404, _("The media file of this video is no longer available."))
    name = clip_filename(transcript, None, None, path.suffix.lstrip("."))
    response = send_media(path, as_attachment=True, download_name=name)
    log_download(response, video_id, transcript.metadata.title, "original")
    return response


def _clip_request() -> ClipRequest:
    padding = request.args.get("padding")
    return ClipRequest(start=seconds_arg("start"), end=seconds_arg("end"),
                       format=request.args.get("format", "mp4")[:10],
                       padding=seconds_arg("padding") if padding else 0.25)


@bp.route("/<video_id>/clip")
@verified_required
def clip(video_id: str):
    transcript = load(video_id)
    wanted = _clip_request()
    work = Path(tempfile.mkdtemp(prefix="speechsearch-clip-"))
    try:
        path = cut_clip(transcript, wanted, work,
                        max_seconds=current_app.config["MAX_CLIP_SECONDS"])
    except ClipError as exc:
        shutil.rmtree(work, ignore_errors=True)
        abort_with(400, str(exc))
    except FileNotFoundError:
        shutil.rmtree(work, ignore_errors=True)
        abort_with(404, _("The media file of this video is no longer available."))
    # Open, then delete at once: the open handle keeps the data until the response is sent,
    # and nothing is left behind whatever the client does.
    handle = open(path, "rb")  # noqa: SIM115 (closed by the response)
    shutil.rmtree(work, ignore_errors=True)
    response = send_file(handle, as_attachment=True, download_name=path.name,
                         mimetype=mimetypes.guess_type(path.name)[0] or "application/octet-stream")
    log_download(response, video_id, transcript.metadata.title, wanted.format, wanted.start,
                 wanted.end)
    return response


@bp.route("/<video_id>/clip.srt")
@verified_required
def clip_subtitles(video_id: str):
    """Subtitles for a clip, timed from 0 (for re-encoded clips; a stream copy starts at the
    keyframe before the requested start)."""
    transcript = load(video_id)
    wanted = _clip_request()
    try:
        start, end = validate(transcript, wanted, current_app.config["MAX_CLIP_SECONDS"])
    except ClipError as exc:
        abort_with(400, str(exc))
    name = clip_filename(transcript, start, end, "srt")
    return Response(clip_srt(transcript, start, end), mimetype="application/x-subrip",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
