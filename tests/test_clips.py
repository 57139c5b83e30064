"""Soundbite clips cut with the real ffmpeg from a small H.264/AAC video built from a fixture."""

from __future__ import annotations

import dataclasses
import math
import re
import time
from collections.abc import Iterator
from pathlib import Path

import av
import pytest
from conftest import FIXTURES, run_ffmpeg

from indexer.records import MediaInfo, Metadata, Segment, Transcript, Word
from search_app import clips
from search_app.clips import (
    ClipError,
    ClipRequest,
    clip_filename,
    clip_slot,
    clip_srt,
    cut_clip,
    set_max_concurrent,
    snap_to_words,
    validate,
)

FRAME = 1 / 25
WORDS = [  # (start, end, word): the English fixture, timed by hand
    (0.2, 0.6, "NATO"), (0.6, 1.0, "foreign"), (1.0, 1.6, "ministers"), (1.6, 1.9, "met"),
    (1.9, 2.0, "in"), (2.0, 2.6, "Brussels"), (2.6, 2.8, "to"), (2.8, 3.3, "discuss"),
    (3.3, 4.2, "cooperation"), (4.2, 4.4, "with"), (4.4, 4.9, "Russia"), (4.9, 5.1, "on"),
    (5.1, 6.0, "Afghanistan."),
]
SEGMENTS = [(0, 6), (6, 11), (11, 13)]  # word index ranges


@dataclasses.dataclass
class Probe:
    duration: float
    codecs: dict[str, str]  # stream type -> codec name


def probe(path: Path) -> Probe:
    with av.open(str(path)) as container:
        codecs = {s.type: s.codec_context.name for s in container.streams}
        return Probe(container.duration / 1_000_000, codecs)


@pytest.fixture(scope="module")
def video(tmp_path_factory: pytest.TempPathFactory, ffmpeg: str) -> Path:
    """7 s of speech over a navy picture: H.264/AAC mp4 with a keyframe every 2 s."""
    audio = FIXTURES / "en_nato.mp3"
    seconds = f"{probe(audio).duration:.3f}"
    target = tmp_path_factory.mktemp("media") / "speech.mp4"
    run_ffmpeg(ffmpeg, "-f", "lavfi", "-i", "color=c=navy:s=320x180:r=25", "-i", str(audio),
               "-t", seconds, "-map", "0:v", "-map", "1:a", "-c:v", "libx264", "-g", "50",
               "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "64k", str(target))
    return target


def make_transcript(path: Path, duration: float, title: str = "NATO in Brussels",
                    date: str = "2004-06-28") -> Transcript:
    words = [Word(start, end, text, 0.9) for start, end, text in WORDS]
    segments = [Segment(words[a].start, words[b - 1].end, " ".join(w.word for w in words[a:b]),
                        words[a:b], language="en") for a, b in SEGMENTS]
    media = MediaInfo(str(path), "ab" * 32, 1000, "mov,mp4,m4a,3gp,3g2,mj2", duration, True,
                      320, 180)
    return Transcript("ab" * 8, media, Metadata(title=title, date=date), "faster-whisper",
                      "base", "en", ["en"], segments, "2024-01-01T00:00:00Z")


@pytest.fixture(scope="module")
def transcript(video: Path) -> Transcript:
    return make_transcript(video, probe(video).duration)


@pytest.fixture
def out_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


@pytest.fixture
def one_slot() -> Iterator[None]:
    set_max_concurrent(1)
    yield
    set_max_concurrent(2)


def test_mp4_clip_is_frame_accurate(transcript: Transcript, out_dir: Path) -> None:
    request = ClipRequest(1.0, 4.0)
    start, end = validate(transcript, request)
    assert (start, end) == pytest.approx((0.75, 4.45))  # "cooperation" ends at 4.2, + padding
    path = cut_clip(transcript, request, out_dir)
    assert path.parent == out_dir and path.name == "2004-06-28_nato-in-brussels_0000-0004.mp4"
    result = probe(path)
    assert abs(result.duration - (end - start)) <= 2 * FRAME
    assert result.codecs == {"video": "h264", "audio": "aac"}
    assert list(out_dir.iterdir()) == [path]


def test_stream_copy_is_fast_and_keyframe_aligned(transcript: Transcript, out_dir: Path) -> None:
    began = time.monotonic()
    path = cut_clip(transcript, ClipRequest(3.0, 5.0, "copy", padding=0), out_dir)
    assert time.monotonic() - began < 5
    assert path.suffix == ".mp4"
    result = probe(path)
    assert result.codecs == {"video": "h264", "audio": "aac"}
    assert abs(result.duration - 2.0) <= 2.1  # starts at the keyframe at 2.0 s


@pytest.mark.parametrize("fmt, codec", [("m4a", "aac"), ("wav", "pcm_s16le")])
def test_audio_only_clips(transcript: Transcript, out_dir: Path, fmt: str, codec: str) -> None:
    request = ClipRequest(2.0, 4.9, fmt)
    start, end = validate(transcript, request)
    path = cut_clip(transcript, request, out_dir)
    assert path.suffix == f".{fmt}"
    result = probe(path)
    assert result.codecs == {"audio": codec}
    assert abs(result.duration - (end - start)) <= 0.05


def test_snapping_keeps_whole_words(transcript: Transcript) -> None:
    duration = transcript.duration
    # Inside "ministers" (1.0-1.6) and "discuss" (2.8-3.3): move outward to the word edges.
    assert snap_to_words(transcript, 1.2, 3.0, 0) == pytest.approx((1.0, 3.3))
    # On word boundaries nothing moves; only the padding applies.
    assert snap_to_words(transcript, 1.0, 2.0, 0.25) == pytest.approx((0.75, 2.25))
    # Across segments: inside "NATO" and inside "cooperation".
    assert snap_to_words(transcript, 0.3, 4.0, 0) == pytest.approx((0.2, 4.2))
    assert snap_to_words(transcript, 0.1, duration - 0.1, 0.5) == pytest.approx((0.0, duration))


@pytest.mark.parametrize("request_, message", [
    (ClipRequest(3.0, 3.0), "The clip must start before it ends."),
    (ClipRequest(3.0, 2.0), "The clip must start before it ends."),
    (ClipRequest(1.0, 60.0), "The clip ends after the video (it is 0:07 long)."),
    (ClipRequest(1.0, 4.0), "A clip can be at most 0:02 long."),
    (ClipRequest(math.nan, 4.0), "The clip start, end and padding must be numbers."),
    (ClipRequest(1.0, math.inf), "The clip start, end and padding must be numbers."),
    (ClipRequest(1.0, 2.0, padding=math.nan), "The clip start, end and padding must be numbers."),
    (ClipRequest(-1.0, 1.0), "The clip cannot start before the video (0:00)."),
    (ClipRequest(1.0, 2.0, "gif"), "Unknown clip format 'gif': use mp4, copy, m4a or wav."),
    (ClipRequest(1.0, 2.0, padding=60), "The padding must be between 0 and 5 seconds."),
])
def test_validation_errors(transcript: Transcript, out_dir: Path, request_: ClipRequest,
                           message: str) -> None:
    with pytest.raises(ClipError) as error:
        validate(transcript, request_, max_seconds=2)
    assert str(error.value) == message
    with pytest.raises(ClipError, match=re.escape(message)):
        cut_clip(transcript, request_, out_dir, max_seconds=2)
    assert list(out_dir.iterdir()) == []


def test_end_within_tolerance_is_clamped(transcript: Transcript) -> None:
    request = ClipRequest(5.0, transcript.duration + 0.04, padding=0)
    assert validate(transcript, request)[1] == pytest.approx(transcript.duration)


def test_clip_srt_starts_at_zero(transcript: Transcript) -> None:
    srt = clip_srt(transcript, 2.0, 4.5)
    assert srt == ("1\n00:00:00,000 --> 00:00:00,600\nNATO foreign ministers met in Brussels\n\n"
                   "2\n00:00:00,600 --> 00:00:02,500\nto discuss cooperation with Russia\n")
    assert clip_srt(transcript, 6.5, 7.0) == ""


def test_clip_filename_is_clean(transcript: Transcript) -> None:
    hostile = make_transcript(Path("x.mp4"), 7.0, title="../../Déclaration: «OTAN»/x")
    assert clip_filename(hostile, 61.5, 125, "mp4") == "2004-06-28_declaration-otan-x_0101-0205.mp4"
    undated = make_transcript(Path("x.mp4"), 7.0, title="Œuvre ß " + "é" * 100, date="")
    name = clip_filename(undated, 0, 4, "../wav")
    assert name.startswith("oeuvre-ss-eeee") and name.endswith("_0000-0004.wav")
    assert len(name.split("_")[0]) <= 60
    bad_date = make_transcript(Path("x.mp4"), 7.0, title="«»", date="../../etc")
    assert clip_filename(bad_date, 0, 4, "m4a") == "abababababababab_0000-0004.m4a"
    for name in (clip_filename(t, 0, 4, "mp4") for t in (hostile, undated, bad_date)):
        assert re.fullmatch(r"[a-z0-9][a-z0-9_-]*\.[a-z0-9]+", name)


def test_failed_ffmpeg_leaves_nothing(tmp_path: Path, out_dir: Path) -> None:
    text = tmp_path / "notes.mp4"
    text.write_text("not a video at all\n" * 100)
    transcript = make_transcript(text, 7.0)
    with pytest.raises(ClipError, match="^Could not cut the clip: ") as error:
        cut_clip(transcript, ClipRequest(1.0, 3.0), out_dir)
    assert str(tmp_path) not in str(error.value)
    assert list(out_dir.iterdir()) == []


def test_missing_media_is_not_a_user_error(tmp_path: Path, out_dir: Path) -> None:
    transcript = make_transcript(tmp_path / "gone.mp4", 7.0)
    with pytest.raises(FileNotFoundError):
        cut_clip(transcript, ClipRequest(1.0, 3.0), out_dir)


def test_concurrent_clips_are_bounded(transcript: Transcript, out_dir: Path,
                                      one_slot: None) -> None:
    with clip_slot():
        began = time.monotonic()
        with pytest.raises(ClipError, match="The server is busy cutting other clips"):
            cut_clip(transcript, ClipRequest(1.0, 2.0, "wav"), out_dir, wait=0.1)
        assert time.monotonic() - began < 2
    assert list(out_dir.iterdir()) == []
    assert cut_clip(transcript, ClipRequest(1.0, 2.0, "wav"), out_dir, wait=0.1).is_file()
    with pytest.raises(ValueError):
        clips.set_max_concurrent(0)
