"""Decoding every common container with PyAV, content ids, and the one-line errors."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from conftest import FIXTURES, run_ffmpeg

from indexer.decode import MediaError, iter_media_files, load_audio, probe

SOURCE = FIXTURES / "fr_otan.flac"

# (extension, ffmpeg arguments): audio-only and video containers users bring.
CONTAINERS = {
    "wav": [], "flac": [], "mp3": [], "m4a": ["-c:a", "aac"], "ogg": ["-c:a", "libvorbis"],
    "mp4": ["-f", "lavfi", "-i", "color=c=navy:s=160x90:r=5",
            "-c:v", "libx264", "-c:a", "aac"],
    "mov": ["-f", "lavfi", "-i", "color=c=navy:s=160x90:r=5",
            "-c:v", "libx264", "-c:a", "aac"],
    "mkv": ["-f", "lavfi", "-i", "color=c=navy:s=160x90:r=5",
            "-c:v", "libx264", "-c:a", "libvorbis"],
    "webm": ["-f", "lavfi", "-i", "color=c=navy:s=160x90:r=5",
             "-c:v", "libvpx", "-c:a", "libopus"],
}


@pytest.mark.parametrize("extension", sorted(CONTAINERS))
def test_decodes_common_containers(extension: str, tmp_path: Path, ffmpeg: str) -> None:
    target = tmp_path / f"speech.{extension}"
    extra = CONTAINERS[extension]
    reference = load_audio(SOURCE)
    if "-f" in extra:  # a video track from lavfi, cut to the speech (-shortest overshoots)
        run_ffmpeg(ffmpeg, *extra[:4], "-i", str(SOURCE), *extra[4:],
                   "-t", f"{len(reference) / 16000:.3f}", str(target))
    else:
        run_ffmpeg(ffmpeg, "-i", str(SOURCE), *extra, str(target))
    audio = load_audio(target)
    info = probe(target)
    assert audio.dtype == np.float32 and audio.ndim == 1
    assert abs(len(audio) - len(reference)) / 16000 < 0.15  # codec padding only
    assert 0.05 < np.abs(audio).max() <= 1.0
    assert abs(info.duration - len(reference) / 16000) < 0.5
    assert info.has_video == (extension in {"mp4", "mov", "mkv", "webm"})


def test_video_id_follows_content_not_name(tmp_path: Path) -> None:
    copy = tmp_path / "renamed.flac"
    shutil.copyfile(SOURCE, copy)
    assert probe(copy).video_id == probe(SOURCE).video_id
    copy.write_bytes(copy.read_bytes() + b"\0")
    assert probe(copy).video_id != probe(SOURCE).video_id


def _corrupt(tmp_path: Path) -> Path:
    path = tmp_path / "corrupt.mp4"
    path.write_bytes(np.random.default_rng(0).bytes(50_000))
    return path


def _empty(tmp_path: Path) -> Path:
    path = tmp_path / "empty.wav"
    path.touch()
    return path


def _text(tmp_path: Path) -> Path:
    path = tmp_path / "notes.mp3"
    path.write_text("Minutes of the NATO-Russia Council\n" * 50)
    return path


def _video_only(tmp_path: Path, ffmpeg: str) -> Path:
    path = tmp_path / "silent-film.mp4"
    run_ffmpeg(ffmpeg, "-f", "lavfi", "-i", "color=c=red:s=160x90:r=5:d=2",
               "-c:v", "libx264", str(path))
    return path


@pytest.mark.parametrize("maker, reason", [
    (lambda tmp, ff: tmp / "missing.mp4", "file not found"),
    (lambda tmp, ff: _empty(tmp), "empty file"),
    (lambda tmp, ff: _text(tmp), "not a media file"),
    (lambda tmp, ff: _corrupt(tmp), "not a media file"),
    (lambda tmp, ff: _video_only(tmp, ff), "no audio stream"),
    (lambda tmp, ff: tmp, "not a regular file"),
])
def test_bad_files_give_one_line_reasons(maker, reason: str, tmp_path: Path,
                                         ffmpeg: str) -> None:
    path = maker(tmp_path, ffmpeg)
    with pytest.raises(MediaError) as error:
        probe(path)
        load_audio(path)
    assert reason in str(error.value)
    assert "\n" not in str(error.value)


def test_truncated_file_keeps_what_decodes(tmp_path: Path, ffmpeg: str) -> None:
    whole = tmp_path / "whole.mp3"
    run_ffmpeg(ffmpeg, "-i", str(SOURCE), str(whole))
    cut = tmp_path / "cut.mp3"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    audio = load_audio(cut)
    assert 0.3 < len(audio) / len(load_audio(whole)) < 0.7


def test_folders_are_searched_recursively_for_media(tmp_path: Path) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)
    for name in ("a/one.MP4", "a/b/two.wav", "a/notes.txt", "a/b/talk.json"):
        (tmp_path / name).write_bytes(b"x")
    explicit = tmp_path / "odd.name"
    found = iter_media_files([tmp_path / "a", explicit])
    assert [p.relative_to(tmp_path).as_posix() for p in found] == [
        "a/b/two.wav", "a/one.MP4", "odd.name"]
