"""Official texts queued for alignment: checked, then kept under the data dir for their job.

A text attached from the site or by `speechsearch official` is aligned by a job (the aligner is
indexing work: a web request never runs it). What can be checked cheaply is checked before the
job is queued, so bad input is refused with its reason and nothing is touched: the text is read
(`indexer.official`), the video must be in the archive with its media file still there, and
the text must not be the one already attached.

The job then reads the queue's own copy, `<data>/official/<video_id>-<sha>/<name>`: written
atomically, named by the video and the bytes' hash (the same text queued twice is one file),
in a folder no user chooses; only the file's base name comes from the user, made safe, so
that the official layer keeps the name the text was given ("statement.pdf").
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..official import (
    MAX_OFFICIAL_TEXT_BYTES,
    OfficialText,
    parse_official_text,
    read_official_text,
)
from ..official.formats import SUFFIXES
from ..records import Transcript
from ..store import TranscriptNotFound, is_video_id, load_transcript
from .queue import OfficialJobError

OFFICIAL_DIR = "official"
# The suffix a copy gets when its name has none (a pasted text): the format it was read as,
# so that the job reads it the same way.
FORMAT_SUFFIX = {"text": ".txt", "html": ".html", "srt": ".srt", "vtt": ".vtt", "pdf": ".pdf"}
UNSAFE = re.compile(r"[^\w.-]+")


@dataclass
class QueuedText:
    """A text read and checked, with what its job needs."""

    transcript: Transcript
    text: OfficialText
    data: bytes  # the bytes as given, kept for the job
    name: str  # the file's safe base name, its suffix that of the format read


def text_digest(text: OfficialText) -> str:
    # The same hash as indexer.official.attach.text_digest (the layer's sha256), computed here
    # without importing the aligner (numpy, spaCy) into every web process.
    return hashlib.sha256(text.text.encode("utf-8")).hexdigest()


def safe_name(given: str, text: OfficialText) -> str:
    """A base name for the copy: the given one's, made safe, with the suffix of its format."""
    base = Path(given.replace("\\", "/")).name if given else ""
    stem, suffix = os.path.splitext(base)
    if suffix.lower() not in SUFFIXES:
        stem, suffix = base, FORMAT_SUFFIX.get(text.source_format, ".txt")
    stem = UNSAFE.sub("_", stem).strip("._")[:100] or ("pasted-text" if not given
                                                       else "official-text")
    return stem + suffix.lower()


def check_text(transcripts_dir: Path, video_id: str, source: Path | bytes,
               name: str = "", max_bytes: int | None = None) -> QueuedText:
    """Read the text (a file, or bytes with the name they came under; "" for a paste) and
    check it can be aligned to `video_id`; raises OfficialTextError or OfficialJobError."""
    try:
        if not is_video_id(video_id):
            raise TranscriptNotFound(video_id)
        transcript = load_transcript(transcripts_dir, video_id)
    except TranscriptNotFound:
        raise OfficialJobError(f"there is no video {video_id[:40]} in the archive: index its "
                               "media file first (`speechsearch index FILE`)",
                               "unknown video") from None
    limit = MAX_OFFICIAL_TEXT_BYTES if max_bytes is None else max_bytes
    if isinstance(source, Path):
        text = read_official_text(source, limit)  # an unreadable or oversized file: refused
        data, name = source.read_bytes(), name or source.name
    else:
        text, data = parse_official_text(bytes(source), name, limit), bytes(source)
    media = Path(transcript.media.path)
    if not media.is_file():
        raise OfficialJobError(f"the media file of {video_id} is no longer at {media}: the "
                               "text is aligned to its audio; put the file back there, or "
                               "index it again where it is now", "media gone")
    if transcript.official and transcript.official.sha256 == text_digest(text):
        raise OfficialJobError(f"this text is already attached to {video_id} (as "
                               f"{transcript.official.source})", "already attached")
    return QueuedText(transcript, text, data, safe_name(name, text))


def keep_copy(data_dir: Path, video_id: str, queued: QueuedText) -> Path:
    """The queue's copy of the text, written atomically (a reader never sees half of it)."""
    sha = hashlib.sha256(queued.data).hexdigest()[:16]
    folder = data_dir / OFFICIAL_DIR / f"{video_id}-{sha}"
    target = folder / queued.name
    if target.is_file() and target.read_bytes() == queued.data:
        return target.resolve()
    folder.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".incoming-")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(queued.data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target.resolve()


def remove_copies(data_dir: Path, video_id: str) -> None:
    """Forget the kept texts of a video removed from the archive (the id is 16 hex digits:
    no pattern in it)."""
    if not is_video_id(video_id):
        return
    for folder in (data_dir / OFFICIAL_DIR).glob(f"{video_id}-*"):
        shutil.rmtree(folder, ignore_errors=True)
