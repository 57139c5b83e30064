"""Subtitle and text exports: exact timestamp formats and cue safety."""

from __future__ import annotations

import pytest

from indexer.export import clock, export, timestamp
from indexer.records import MediaInfo, Metadata, Segment, Speaker, Transcript


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


@pytest.fixture
def conversation(transcript: Transcript) -> Transcript:
    """Two voices told apart: the first named, the second not yet."""
    transcript.speakers = [Speaker("S1", name="A. <F> Rasmussen"), Speaker("S2")]
    transcript.segments = [Segment(1.5, 4.25, "Bonjour à tous.", speaker="S1"),
                           Segment(5.0, 7.0, "Une question ?", speaker="S2"),
                           Segment(7.2, 9.0, "Oui.", speaker="S1"),
                           Segment(9.1, 10.0, "Merci.", speaker="S1")]
    return transcript


def test_voices_in_subtitles_and_text(conversation: Transcript) -> None:
    assert export(conversation, "vtt") == (
        "WEBVTT\n\n00:00:01.500 --> 00:00:04.250\n<v A. &lt;F&gt; Rasmussen>Bonjour à tous.\n\n"
        "00:00:05.000 --> 00:00:07.000\n<v Speaker 2>Une question ?\n\n"
        "00:00:07.200 --> 00:00:09.000\n<v A. &lt;F&gt; Rasmussen>Oui.\n\n"
        "00:00:09.100 --> 00:00:10.000\n<v A. &lt;F&gt; Rasmussen>Merci.\n")
    assert "2\n00:00:05,000 --> 00:00:07,000\nSpeaker 2: Une question ?\n" in export(
        conversation, "srt")
    assert "[0:05] Speaker 2: Une question ?\n[0:07] A. <F> Rasmussen: Oui.\n" in export(
        conversation, "txt")


def test_rttm_has_one_line_per_turn(conversation: Transcript) -> None:
    assert export(conversation, "rttm") == (
        f"SPEAKER {'a' * 16} 1 1.500 2.750 <NA> <NA> A._<F>_Rasmussen <NA> <NA>\n"
        f"SPEAKER {'a' * 16} 1 5.000 2.000 <NA> <NA> Speaker_2 <NA> <NA>\n"
        f"SPEAKER {'a' * 16} 1 7.200 2.800 <NA> <NA> A._<F>_Rasmussen <NA> <NA>\n")


def test_rttm_without_separated_voices_names_the_metadata_speaker(
        transcript: Transcript) -> None:
    transcript.metadata.speaker = "J. Doe"
    lines = export(transcript, "rttm").splitlines()
    assert len(lines) == 2 and all(" J._Doe " in line for line in lines)
