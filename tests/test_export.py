"""Subtitle and text exports: exact timestamp formats and cue safety."""

from __future__ import annotations

import pytest

from indexer.export import clock, export, timestamp
from indexer.records import MediaInfo, Metadata, Segment, Transcript


@pytest.fixture
def transcript() -> Transcript:
    segments = [Segment(1.5, 4.25, "Bonjour à tous."),
                Segment(3725.0, 3727.5, "Line one\n\nand --> two")]
    media = MediaInfo("/m.mp4", "a" * 64, 1, "mp4", 3730.0, True)
    return Transcript("a" * 16, media, Metadata(title="Point presse", date="2009-12-04"),
                      "faster-whisper", "base", "fr", ["fr"], segments, "2026-01-01")


def test_timestamps() -> None:
    assert timestamp(3725.5) == "01:02:05.500"
    assert timestamp(1.0006, ",") == "00:00:01,001"
    assert timestamp(-1) == "00:00:00.000"
    assert clock(65) == "1:05" and clock(3725) == "1:02:05"


def test_srt(transcript: Transcript) -> None:
    assert export(transcript, "srt") == (
        "1\n00:00:01,500 --> 00:00:04,250\nBonjour à tous.\n\n"
        "2\n01:02:05,000 --> 01:02:07,500\nLine one and -> two\n")


def test_vtt(transcript: Transcript) -> None:
    assert export(transcript, "vtt").startswith(
        "WEBVTT\n\n00:00:01.500 --> 00:00:04.250\nBonjour à tous.\n\n01:02:05.000")


def test_txt(transcript: Transcript) -> None:
    text = export(transcript, "txt")
    assert text.startswith("Point presse · 2009-12-04\n\n[0:01] Bonjour à tous.\n")
    assert "[1:02:05] Line one and --> two\n" in text  # one line per segment


def test_json_round_trips(transcript: Transcript) -> None:
    import json

    assert Transcript.from_dict(json.loads(export(transcript, "json"))) == transcript


def test_unknown_format(transcript: Transcript) -> None:
    with pytest.raises(ValueError, match="choose one of srt, vtt, txt, json"):
        export(transcript, "docx")
