"""Decode any common audio/video container to 16 kHz mono float32 with PyAV (no system ffmpeg).

Every failure becomes a MediaError whose message is one line a user can act on: the batch
reports it and moves on to the next file.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

import av
import numpy as np

from .errors import SpeechSearchError
from .records import MediaInfo

logger = logging.getLogger(__name__)

SAMPLE_RATE = 16000
# Extensions picked up when a folder is indexed. A file named explicitly is probed whatever
# its extension, since the content decides, not the name.
MEDIA_EXTENSIONS = frozenset(
    ".mp4 .m4v .mov .mkv .webm .avi .ts .mts .mpg .mpeg .wmv .flv .3gp "
    ".mp3 .m4a .aac .wav .flac .ogg .oga .opus .wma .aiff .aif".split()
)


class MediaError(SpeechSearchError):
    """A file that cannot be indexed; str(error) is the one-line reason."""


def content_hash(path: Path, chunk_size: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk_size):
            digest.update(block)
    return digest.hexdigest()


def _check_file(path: Path) -> int:
    if not path.exists():
        raise MediaError("file not found")
    if not path.is_file():
        raise MediaError("not a regular file")
    size = path.stat().st_size
    if size == 0:
        raise MediaError("empty file (0 bytes)")
    return size


def _open(path: Path) -> av.container.InputContainer:
    try:
        return av.open(str(path), metadata_errors="ignore")
    except av.error.InvalidDataError as exc:
        raise MediaError("not a media file, or corrupt (no known audio/video format)") from exc
    except av.error.FFmpegError as exc:
        raise MediaError(f"cannot open media: {exc.strerror or exc}") from exc


def probe(path: Path) -> MediaInfo:
    """Read container facts and hash the content; raise MediaError if it has no usable audio."""
    path = Path(path)
    size = _check_file(path)
    with _open(path) as container:
        audio = next(iter(container.streams.audio), None)
        if audio is None:
            raise MediaError("no audio stream (nothing to transcribe)")
        video = next((s for s in container.streams.video
                      if not (s.disposition & av.stream.Disposition.attached_pic)), None)
        duration = _duration(container, audio)
        info = MediaInfo(
            path=str(path.resolve()),
            sha256=content_hash(path),
            size=size,
            container=container.format.name,
            duration=duration,
            has_video=video is not None,
            width=video.codec_context.width if video is not None else None,
            height=video.codec_context.height if video is not None else None,
        )
    return info


def _duration(container: av.container.InputContainer, stream: av.stream.Stream) -> float:
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return container.duration / av.time_base
    return 0.0


def load_audio(path: Path, sample_rate: int = SAMPLE_RATE) -> np.ndarray:
    """Decode the first audio stream to mono float32 in [-1, 1] at `sample_rate`.

    Raises MediaError for corrupt data and for streams that decode to nothing.
    """
    path = Path(path)
    _check_file(path)
    resampler = av.AudioResampler(format="s16", layout="mono", rate=sample_rate)
    chunks: list[np.ndarray] = []
    with _open(path) as container:
        if not container.streams.audio:
            raise MediaError("no audio stream (nothing to transcribe)")
        stream = container.streams.audio[0]
        try:
            for frame in container.decode(stream):
                frame.pts = None  # let the resampler re-time frames with gaps
                for out in resampler.resample(frame):
                    chunks.append(out.to_ndarray().reshape(-1))
            for out in resampler.resample(None):
                chunks.append(out.to_ndarray().reshape(-1))
        except av.error.FFmpegError as exc:
            if not chunks:
                raise MediaError(f"corrupt audio: {exc.strerror or exc}") from exc
            # A damaged tail is common in real archives: keep what decoded, say so.
            logger.warning("%s: audio is damaged after %.1f s; indexing what decoded (%s)",
                           path.name, sum(map(len, chunks)) / sample_rate, exc)
    if not chunks:
        raise MediaError("zero-length audio (the stream decodes to nothing)")
    audio = np.concatenate(chunks).astype(np.float32) / 32768.0
    if audio.size < sample_rate // 10:
        raise MediaError("zero-length audio (less than 0.1 s decodes)")
    return audio


def iter_media_files(paths: list[Path]) -> list[Path]:
    """Expand folders (recursively, sorted) into media files; keep explicit files as given."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*")
                                if p.is_file() and p.suffix.lower() in MEDIA_EXTENSIONS))
        else:
            found.append(path)
    return found
