"""Forced alignment of an official text to the audio (issue 15, second stage).

Real model, real audio: the fixtures transcribed by the session `indexed` fixture, their
official texts through stage 1 (`align`), then `force_align` over the decoded audio.
"""

from __future__ import annotations

import dataclasses
import statistics
from pathlib import Path

import numpy as np
import pytest
from conftest import FIXTURES

from indexer.decode import load_audio
from indexer.official.align import AlignedWord, Alignment, align
from indexer.official.boundaries import Cut, Speech, speech_regions
from indexer.official.forced import WINDOW_SECONDS, force_align, windows
from indexer.pipeline import Indexer
from indexer.records import Transcript
from indexer.store import load_transcript

TEXTS = {
    "fr_otan.flac": ("Le Conseil OTAN-Russie a décidé de renforcer la coopération en "
                     "Afghanistan et la lutte contre le terrorisme."),
    "en_nato.mp3": ("NATO foreign ministers met in Brussels to discuss cooperation with Russia "
                    "on Afghanistan."),
}


def transcript_of(indexer: Indexer, name: str) -> Transcript:
    outcome = indexer.transcribe_file(FIXTURES / name)  # already done: "skipped", with its id
    return load_transcript(indexer.settings.transcripts_dir, outcome.video_id)


@pytest.fixture(scope="module", params=sorted(TEXTS))
def forced(request, indexed: Indexer, engine) -> tuple[str, Transcript, Alignment, Alignment]:
    name = request.param
    transcript = transcript_of(indexed, name)
    first = align(TEXTS[name].split(), transcript)
    return name, transcript, first, force_align(first, load_audio(FIXTURES / name),
                                                engine.model)


def assert_well_timed(alignment: Alignment, duration: float) -> None:
    previous = 0.0
    for word in alignment.words:
        assert 0.0 <= word.start <= word.end <= duration, word
        assert word.start >= previous, word
        assert 0.0 <= word.confidence <= 1.0, word
        previous = word.start


def test_windows_cover_the_words_once_each_opening_on_an_anchor() -> None:
    """A 100 s text, a word every 0.5 s, every third word matched."""
    words = [AlignedWord(f"w{n}", n * 0.5, n * 0.5 + 0.4, 0.9,
                         "matched" if n % 3 == 0 else "interpolated") for n in range(200)]
    found = windows(words, [[n] for n in range(200)], duration=100.0)
    assert len(found) >= 4
    assert [window.first for window in found[1:]] == [window.stop for window in found[:-1]]
    assert found[0].first == 0 and found[-1].stop == len(words)
    for window in found:
        assert window.end - window.start <= WINDOW_SECONDS
        assert all(window.start <= word.start and word.end <= window.end
                   for word in words[window.first:window.stop])
    assert all(words[window.first].status == "matched" for window in found[1:])


def test_every_word_is_timed_inside_the_media_in_order(forced) -> None:
    _, transcript, first, result = forced
    assert [word.text for word in result.words] == [word.text for word in first.words]
    assert [word.status for word in result.words] == [word.status for word in first.words]
    assert_well_timed(result, transcript.duration)
    assert statistics.median(word.confidence for word in result.words) >= 0.5


def test_matched_words_keep_close_to_whispers_times(forced) -> None:
    _, _, first, result = forced
    pairs = [(before, after) for before, after in zip(first.words, result.words)
             if before.status == "matched"]
    assert len(pairs) >= len(first.words) // 2
    assert statistics.median(abs(after.start - before.start) for before, after in pairs) <= 0.3
    assert statistics.median(abs(after.end - before.end) for before, after in pairs) <= 0.3


def test_words_whisper_lost_are_timed_from_the_audio(indexed: Indexer, engine) -> None:
    """Drop six Whisper words: stage 1 spreads them over the gap by their lengths (off by up to
    0.4 s with Whisper base), the forced alignment finds each where Whisper had heard it."""
    name = "en_nato.mp3"
    transcript = transcript_of(indexed, name)
    segment = transcript.segments[0]
    spoken = [word.word.strip() for word in segment.words]
    first_lost = spoken.index("met")
    lost = segment.words[first_lost:first_lost + 6]
    assert [word.word.strip() for word in lost] == "met in Brussels to discuss cooperation".split()
    kept = dataclasses.replace(segment, words=[word for word in segment.words
                                               if word not in lost])
    shortened = dataclasses.replace(transcript, segments=[kept, *transcript.segments[1:]])
    first = align(TEXTS[name].split(), shortened)
    found = [word for word in force_align(first, load_audio(FIXTURES / name), engine.model).words
             if word.status == "interpolated"]  # the text-to-transcript relation is stage 1's
    assert [word.text for word in found] == [word.word.strip() for word in lost]
    for word, heard in zip(found, lost):
        assert abs(word.start - heard.start) <= 0.15, (word, heard)
        assert abs(word.end - heard.end) <= 0.15, (word, heard)
        assert word.confidence >= 0.5, word  # the audio says these words


def test_a_recording_longer_than_a_window(session_indexer: Indexer, corpus: Path,
                                         engine) -> None:
    """The corpus read-along (34 s, two windows): its reference script through both stages."""
    media = corpus / "fr_readalong_ej.m4a"
    outcome = session_indexer.transcribe_file(media)
    assert outcome.status in ("transcribed", "skipped"), outcome.reason
    transcript = load_transcript(session_indexer.settings.transcripts_dir, outcome.video_id)
    reference = (corpus / "fr_readalong_ej.ref.txt").read_text(encoding="utf-8").split()
    first = align(reference, transcript)
    audio = load_audio(media)
    result = force_align(first, audio, engine.model)
    assert len(windows(first.words, [[0]] * len(first.words), len(audio) / 16000)) >= 2
    assert_well_timed(result, transcript.duration)
    matched = [abs(after.start - before.start) for before, after in zip(first.words, result.words)
               if before.status == "matched"]
    assert statistics.median(matched) <= 0.3
    assert statistics.median(word.confidence for word in result.words) >= 0.5


PAUSE = 1.5  # seconds of quiet room (-60 dB noise) put between two words


def with_pauses(transcript: Transcript, audio: np.ndarray, after: list[str]):
    """The recording with a pause after each of the `after` words (Whisper's), and the
    transcript with its times shifted to match: stage 1 as if Whisper had heard the longer
    recording. Returns (transcript, audio, [(pause start, pause end)])."""
    heard = [word for segment in transcript.segments for word in segment.words]
    cuts = [next(word.end for word in heard if word.word.strip() == name) for name in after]
    noise = np.random.default_rng(0).standard_normal(int(PAUSE * 16000)) * 10 ** (-60 / 20)
    pieces, previous = [], 0
    for cut in cuts:
        pieces += [audio[previous:int(cut * 16000)], noise.astype(np.float32)]
        previous = int(cut * 16000)
    longer = np.concatenate([*pieces, audio[previous:]])

    def shifted(time: float) -> float:
        return time + PAUSE * sum(time >= cut for cut in cuts)

    segments = [dataclasses.replace(segment, words=[
        dataclasses.replace(word, start=shifted(word.start), end=shifted(word.end - 1e-6) + 1e-6)
        for word in segment.words]) for segment in transcript.segments]
    media = dataclasses.replace(transcript.media, duration=len(longer) / 16000)
    pauses = [(shifted(cut) - PAUSE, shifted(cut)) for cut in cuts]  # shifted(cut): its end
    return dataclasses.replace(transcript, segments=segments, media=media), longer, pauses


@pytest.mark.parametrize("name, after", [("fr_otan.flac", ["décidé", "Afghanistan"]),
                                         ("en_nato.mp3", ["ministers", "Brussels"])])
def test_no_word_stretches_over_a_pause(indexed: Indexer, engine, name, after) -> None:
    """The DTW over the whole audio gave the word after each pause the pause (1.5 s too early:
    "de" 2.32-4.10 for 3.97-4.37); with the pauses cut out no word covers more than the VAD's
    edge precision of one, and the words keep their order and confidence."""
    transcript, audio, pauses = with_pauses(transcript_of(indexed, name), load_audio(
        FIXTURES / name), after)
    first = align(TEXTS[name].split(), transcript)
    result = force_align(first, audio, engine.model)
    assert_well_timed(result, transcript.duration)
    for start, end in pauses:
        for word in result.words:
            assert min(word.end, end) - max(word.start, start) <= 0.25, (word, start, end)
        following = next(word for word in result.words if word.start >= start)
        assert following.start - end <= 0.3, following  # it starts where the speech resumes
    assert statistics.median(word.confidence for word in result.words) >= 0.5


def test_speech_regions_find_the_pause(indexed: Indexer) -> None:
    transcript, audio, pauses = with_pauses(transcript_of(indexed, "en_nato.mp3"),
                                            load_audio(FIXTURES / "en_nato.mp3"), ["met"])
    (start, end), = pauses
    speech = speech_regions(audio)
    assert speech.inside(start + 0.2, end - 0.2) is None
    assert speech.inside(start - 0.5, start) and speech.inside(end, end + 0.5)


def test_cut_maps_times_both_ways() -> None:
    """Pieces 1-3 s and 5-6 s of a recording, end to end: 0-2 s and 2-3 s of the cut audio."""
    cut = Cut([(1.0, 3.0, 0.0), (5.0, 6.0, 2.0)])
    assert cut.to_cut(2.0) == 1.0 and cut.to_cut(4.0) == 2.0 and cut.to_cut(5.5) == 2.5
    assert cut.to_original(0.5, 1.5) == (1.5, 2.5)
    assert cut.to_original(1.5, 2.1) == (2.5, 3.0)  # a sliver over the junction is dropped
    assert cut.to_original(1.9, 2.8) == (5.0, 5.8)
    assert cut.to_original(1.0, 3.0) == (2.0, 6.0)  # both sides long: the word spans the pause
    assert Speech([(1.0, 3.0), (5.0, 6.0)]).inside(2.5, 5.5) == (2.5, 5.5)
