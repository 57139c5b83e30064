"""Transcripts on disk: `<data-dir>/transcripts/<video_id>.json`, the source of truth.

A transcript is written atomically (temporary file, fsync, rename) before the index is touched,
so the index can always be rebuilt from the transcripts.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path

from .errors import UsageError
from .records import Transcript

VIDEO_ID = re.compile(r"^[0-9a-f]{16}$")


class TranscriptNotFound(UsageError, KeyError):
    def __str__(self) -> str:
        return f"no transcript for video id {self.args[0]!r}"


def is_video_id(value: str) -> bool:
    return bool(VIDEO_ID.match(value))


def transcript_path(transcripts_dir: Path, video_id: str) -> Path:
    # Ids reach here from users (CLI, URLs): never let one name another path.
    if not is_video_id(video_id):
        raise TranscriptNotFound(video_id)
    return transcripts_dir / f"{video_id}.json"


def write_json_atomic(path: Path, data: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, ensure_ascii=False, indent=1)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def save_transcript(transcripts_dir: Path, transcript: Transcript) -> Path:
    path = transcript_path(transcripts_dir, transcript.video_id)
    write_json_atomic(path, transcript.to_dict())
    return path


def load_transcript(transcripts_dir: Path, video_id: str) -> Transcript:
    path = transcript_path(transcripts_dir, video_id)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise TranscriptNotFound(video_id) from None
    return Transcript.from_dict(data)


def has_transcript(transcripts_dir: Path, video_id: str) -> bool:
    return transcript_path(transcripts_dir, video_id).is_file()


def iter_video_ids(transcripts_dir: Path) -> Iterator[str]:
    """The ids of every transcript, in order. Plain names from os.scandir: at thousands of
    videos, pathlib's objects cost more than the listing itself (the site's home page)."""
    try:
        names = sorted(entry.name for entry in os.scandir(transcripts_dir))
    except (FileNotFoundError, NotADirectoryError):
        return
    for name in names:
        stem, _, extension = name.rpartition(".")
        if extension == "json" and is_video_id(stem):
            yield stem
