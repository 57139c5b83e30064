"""Soundbites: cut part of an indexed video with ffmpeg, snapped so that no word is cut."""

from __future__ import annotations

import logging
import math
import os
import re
import subprocess
import tempfile
import threading
import time
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import imageio_ffmpeg
from flask_babel import gettext as _

from indexer.export import clock, to_srt
from indexer.records import Transcript

logger = logging.getLogger(__name__)

FORMATS = ("mp4", "copy", "m4a", "wav")
TOLERANCE = 0.05  # seconds a clip may end past the recorded duration (rounding of containers)
MAX_PADDING = 5.0
PRESET = "superfast"  # libx264 speed/size trade-off of frame-accurate clips
# Containers a stream copy may keep; other sources are copied into Matroska. Not FLAC: its
# copied header keeps the length of the whole source.
COPY_CONTAINERS = {"mp4", "m4v", "m4a", "mov", "mkv", "mka", "webm", "avi", "ts", "mts", "m2ts",
                   "flv", "mpg", "mpeg", "3gp", "ogv", "ogg", "opus", "mp3", "wav", "aac"}
_ASCII = str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss", "ø": "o", "đ": "d", "ł": "l", "þ": "th"})

_slots_lock = threading.Lock()
_slots = threading.BoundedSemaphore(2)


class ClipError(ValueError):
    """A clip that cannot be made; the message is for the user (HTTP 400)."""


@dataclass(frozen=True)
class ClipRequest:
    start: float
    end: float
    format: str = "mp4"
    padding: float = 0.25


def set_max_concurrent(n: int) -> None:
    """How many clips may be cut at once (ffmpeg processes); cuts in progress are not affected."""
    if n < 1:
        raise ValueError("at least one clip must be allowed at a time")
    global _slots
    with _slots_lock:
        _slots = threading.BoundedSemaphore(n)


@contextmanager
def clip_slot(wait: float = 30.0) -> Iterator[None]:
    """Hold one of the concurrent-clip slots, or raise ClipError after `wait` seconds."""
    with _slots_lock:
        slots = _slots  # release the semaphore we acquired, even if it is replaced meanwhile
    if not slots.acquire(timeout=wait):
        raise ClipError(_("The server is busy cutting other clips; try again in a minute."))
    try:
        yield
    finally:
        slots.release()


def snap_to_words(transcript: Transcript, start: float, end: float,
                  padding: float) -> tuple[float, float]:
    """Move the boundaries outward to whole words, then pad, within [0, duration]."""
    for segment in transcript.segments:
        for word in segment.words:
            if word.start < start < word.end:
                start = word.start
            if word.start < end < word.end:
                end = word.end
    return max(0.0, start - padding), min(transcript.duration, end + padding)


def validate(transcript: Transcript, request: ClipRequest,
             max_seconds: float = 600.0) -> tuple[float, float]:
    """Check a request against the video; return the snapped (start, end) to cut."""
    start, end, padding = request.start, request.end, request.padding
    if request.format not in FORMATS:
        raise ClipError(_("Unknown clip format %(fmt)s: use mp4, copy, m4a or wav.",
                          fmt=repr(request.format[:10])))
    if not all(isinstance(x, int | float) and math.isfinite(x) for x in (start, end, padding)):
        raise ClipError(_("The clip start, end and padding must be numbers."))
    if start < 0:
        raise ClipError(_("The clip cannot start before the video (0:00)."))
    if start >= end:
        raise ClipError(_("The clip must start before it ends."))
    if end > transcript.duration + TOLERANCE:
        raise ClipError(_("The clip ends after the video (it is %(length)s long).",
                          length=clock(transcript.duration)))
    if end - start > max_seconds:
        raise ClipError(_("A clip can be at most %(length)s long.", length=clock(max_seconds)))
    if not 0 <= padding <= MAX_PADDING:
        raise ClipError(_("The padding must be between 0 and %(most)s seconds.",
                          most=f"{MAX_PADDING:g}"))
    snapped = snap_to_words(transcript, start, min(end, transcript.duration), padding)
    if snapped[1] - snapped[0] > max_seconds + 2 * padding + 1.0:
        # A (mis-timed) word lasting minutes must not stretch the clip past the limit.
        snapped = max(0.0, start - padding), min(transcript.duration, end + padding)
    return snapped


def clip_srt(transcript: Transcript, start: float, end: float) -> str:
    """SubRip of the passages read (the official text's, when attached) overlapping
    [start, end], timed from the start of the clip."""
    cues = [replace(s, start=max(0.0, s.start - start), end=min(s.end, end) - start)
            for s in transcript.reading() if s.end > start and s.start < end]
    return to_srt(replace(transcript, segments=cues, official=None))


def _slug(text: str, limit: int = 60) -> str:
    folded = unicodedata.normalize("NFKD", text.lower().translate(_ASCII))
    ascii_text = folded.encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")[:limit].strip("-")


def _mmss(seconds: float) -> str:
    minutes, secs = divmod(max(0, int(seconds)), 60)
    return f"{minutes:02d}{secs:02d}"


def clip_filename(transcript: Transcript, start: float | None, end: float | None,
                  ext: str) -> str:
    """ASCII download name: ``<date>_<title-slug>_<mmss>-<mmss>.<ext>``; no range for the
    whole file (start None)."""
    meta = transcript.metadata
    date = meta.date if re.fullmatch(r"\d{4}-\d{2}-\d{2}", meta.date) else ""
    title = _slug(meta.title) or _slug(transcript.video_id) or "clip"
    extension = re.sub(r"[^a-z0-9]", "", ext.lower()) or "bin"
    span = f"{_mmss(start)}-{_mmss(end)}" if start is not None and end is not None else ""
    stem = "_".join(part for part in (date, title, span) if part)
    return f"{stem}.{extension}"


def output_extension(transcript: Transcript, fmt: str) -> str:
    """File extension of a clip; a stream copy keeps the source container when it can."""
    if fmt != "copy":
        return fmt
    source = Path(transcript.media.path).suffix.lower().lstrip(".")
    return source if source in COPY_CONTAINERS else "mkv" if transcript.media.has_video else "mka"


@lru_cache(maxsize=1)
def ffmpeg_exe() -> str:
    # The static build of imageio-ffmpeg (it honours IMAGEIO_FFMPEG_EXE), with libx264.
    return imageio_ffmpeg.get_ffmpeg_exe()


def _codec_args(fmt: str, has_video: bool) -> list[str]:
    video = has_video and fmt in ("mp4", "copy")
    maps = ["-map", "0:v:0", "-map", "0:a:0"] if video else ["-vn", "-map", "0:a:0"]
    if fmt == "copy":
        return [*maps, "-c", "copy", "-avoid_negative_ts", "make_zero"]
    if fmt == "wav":
        return [*maps, "-c:a", "pcm_s16le"]
    aac = ["-c:a", "aac", "-b:a", "128k", "-movflags", "+faststart"]
    if not video:
        return [*maps, *aac]
    # Even dimensions and 8-bit 4:2:0: what libx264 needs and every player reads. Encoding is
    # nearly all of the time (decoding 30 s of 720p takes 0.6 s): on two cores "veryfast" took
    # 6.3 s for a 30 s 720p clip, "superfast" 3.2 s (bigger file, same CRF quality aim),
    # "ultrafast" 1.9 s but without deblocking. See the clips section of docs/benchmarks.md.
    return [*maps, "-c:v", "libx264", "-preset", PRESET, "-crf", "23", "-pix_fmt", "yuv420p",
            "-vf", "scale=trunc(iw/2)*2:trunc(ih/2)*2", *aac]


def cut_clip(transcript: Transcript, request: ClipRequest, out_dir: Path,
             max_seconds: float = 600.0, wait: float = 30.0,
             timeout: float | None = None) -> Path:
    """Cut the clip into `out_dir` (owned by the caller) and return its path.

    Raises ClipError for a bad request, a busy server or an ffmpeg failure, and
    FileNotFoundError when the media file is no longer where it was indexed.
    """
    start, end = validate(transcript, request, max_seconds)
    source = Path(transcript.media.path).resolve()  # absolute: never read as an option
    if not source.is_file():
        raise FileNotFoundError(f"media file missing: {source}")
    ext = output_extension(transcript, request.format)
    target = Path(out_dir) / clip_filename(transcript, start, end, ext)
    args = [ffmpeg_exe(), "-nostdin", "-hide_banner", "-v", "error", "-y",
            "-ss", f"{start:.3f}", "-i", str(source), "-t", f"{end - start:.3f}",
            *_codec_args(request.format, transcript.media.has_video), "-sn", "-dn"]
    with clip_slot(wait):
        fd, name = tempfile.mkstemp(prefix=".clip-", suffix=f".{ext}", dir=out_dir)
        os.close(fd)
        partial = Path(name)
        began = time.monotonic()
        try:
            result = subprocess.run([*args, str(partial)], capture_output=True, text=True,
                                    errors="replace", timeout=timeout or 120 + end - start)
            if result.returncode != 0:
                lines = [line.strip() for line in result.stderr.splitlines() if line.strip()]
                last = lines[-1] if lines else f"ffmpeg exited with {result.returncode}"
                # Server paths are none of the user's business.
                last = last.replace(str(source), source.name).replace(str(partial), target.name)
                logger.warning("clip of %s failed: %s", transcript.video_id, result.stderr[-2000:])
                raise ClipError(_("Could not cut the clip: %(reason)s", reason=last))
            os.replace(partial, target)
        except subprocess.TimeoutExpired:
            logger.warning("clip of %s timed out (%s)", transcript.video_id, request)
            raise ClipError(_("Could not cut the clip: it took too long.")) from None
        finally:
            partial.unlink(missing_ok=True)
    logger.info("cut %s %.2f-%.2f as %s in %.2f s", transcript.video_id, start, end,
                request.format, time.monotonic() - began)
    return target
