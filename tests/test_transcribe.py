"""The real Whisper base model on the project's synthesized speech."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import FIXTURES, copy_fixture

from indexer.decode import load_audio
from indexer.engines import EngineError, load_engine
from indexer.pipeline import Indexer, IndexOptions
from indexer.timing import STAGES
from indexer.transcribe import NoSpeechError, transcribe_audio
from indexer.whisper_models import ModelError

LANGS = ("fr", "en")


def text_of(segments) -> str:
    return " ".join(s.text for s in segments).lower()


def test_french_with_word_timestamps(engine) -> None:
    audio = load_audio(FIXTURES / "fr_otan.flac")
    segments = transcribe_audio(engine, audio, LANGS)
    assert {s.language for s in segments} == {"fr"}
    text = text_of(segments)
    assert "afghanistan" in text and "terrorisme" in text
    words = [w for s in segments for w in s.words]
    assert words and all(0 <= w.start <= w.end <= len(audio) / 16000 + 0.5 for w in words)
    assert all(0 <= w.probability <= 1 for w in words)
    assert [w.start for w in words] == sorted(w.start for w in words)


def test_english(engine) -> None:
    segments = transcribe_audio(engine, load_audio(FIXTURES / "en_nato.mp3"), LANGS)
    assert {s.language for s in segments} == {"en"}
    assert "afghanistan" in text_of(segments)


def test_mixed_file_gets_each_part_in_its_own_language(engine) -> None:
    segments = transcribe_audio(engine, load_audio(FIXTURES / "mixed_fr_en.ogg"), LANGS)
    languages = [s.language for s in segments]
    assert languages[0] == "fr" and languages[-1] == "en"
    assert languages == sorted(languages, key=["fr", "en"].index)  # French, then English
    english = " ".join(s.text for s in segments if s.language == "en").lower()
    assert "brussels" in english or "russia" in english


def test_language_id_encoder_pass_is_reused_for_transcription(engine) -> None:
    # The window is encoded once for both the language ID and the decoding,
    # and the text is what Whisper hears without the reuse (same encoder output, same words).
    audio = load_audio(FIXTURES / "fr_otan.flac")
    calls, reuses = engine.encoder_calls, engine.encoder_reuses
    segments = transcribe_audio(engine, audio, LANGS)
    assert engine.encoder_reuses - reuses >= 1
    assert engine.encoder_calls - calls == engine.encoder_reuses - reuses  # no second pass
    probs = engine.detect_language(audio)
    fresh = engine.transcribe(audio, "fr", None)
    plain, _ = engine.model.transcribe(audio, language="fr", beam_size=5, word_timestamps=True,
                                       condition_on_previous_text=False)
    assert [s.text for s in fresh] == [s.text.strip() for s in plain]
    assert max(probs, key=probs.get) == "fr" and abs(sum(probs.values()) - 1) < 0.05
    assert "terrorisme" in text_of(segments)


def test_short_chunks_share_one_encoder_pass_and_keep_their_file_times(engine) -> None:
    # Two 7 s chunks 12 s apart: one packed window, encoded once for the language ID and the
    # decoding, and every word back at its place in the file, none in the silence.
    nato = load_audio(FIXTURES / "en_nato.mp3")
    second = len(nato) / 16000 + 12.0
    audio = np.concatenate([nato, np.zeros(12 * 16000, dtype=np.float32), nato])
    calls = engine.encoder_calls
    segments = transcribe_audio(engine, audio, LANGS)
    assert engine.encoder_calls - calls == 1
    assert {s.language for s in segments} == {"en"}
    first_half = [s for s in segments if s.end <= second]
    second_half = [s for s in segments if s.start >= second]
    assert len(first_half) + len(second_half) == len(segments)  # no segment spans the pause
    assert "afghanistan" in text_of(first_half) and "afghanistan" in text_of(second_half)
    words = [w for s in segments for w in s.words]
    assert not [w for w in words if len(nato) / 16000 + 0.3 < w.start < second - 0.3]
    assert [w.start for w in words] == sorted(w.start for w in words)


def test_forced_language_labels_every_segment(engine) -> None:
    segments = transcribe_audio(engine, load_audio(FIXTURES / "fr_otan.flac"), LANGS,
                                language="fr")
    assert {(s.language, s.language_probability) for s in segments} == {("fr", 1.0)}


def test_silence_gives_no_text(engine) -> None:
    with pytest.raises(NoSpeechError, match="only silence"):
        transcribe_audio(engine, load_audio(FIXTURES / "silence.wav"), LANGS)


def test_progress_reports_audio_time(engine) -> None:
    audio = load_audio(FIXTURES / "mixed_fr_en.ogg")
    seen: list[float] = []
    transcribe_audio(engine, audio, LANGS, progress=seen.append)
    assert len(seen) == 2 and seen == sorted(seen) and seen[-1] <= len(audio) / 16000


@pytest.mark.slow
def test_openai_whisper_engine_same_weights(models_dir: Path, tmp_path: Path) -> None:
    # A scratch models dir linking the CTranslate2 folder: conversion runs for real.
    (tmp_path / "whisper-base-ct2").symlink_to(models_dir / "whisper-base-ct2")
    engine = load_engine("openai-whisper", "base", tmp_path)
    assert engine.name == "openai-whisper"
    segments = transcribe_audio(engine, load_audio(FIXTURES / "en_nato.mp3"), LANGS)
    assert {s.language for s in segments} == {"en"}
    assert "afghanistan" in text_of(segments)
    assert all(s.words for s in segments)


def test_unknown_engine_and_model_say_what_to_do(models_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(EngineError, match="choose one of"):
        load_engine("vosk", "base", models_dir)
    with pytest.raises(ModelError, match="Unknown model"):
        load_engine("faster-whisper", "no-such-model", models_dir)
    with pytest.raises(ModelError, match="no model.bin"):
        load_engine("faster-whisper", str(tmp_path), models_dir)


def test_index_outcome_says_where_the_time_went(session_indexer, tmp_path: Path) -> None:
    indexer = Indexer(session_indexer.settings, IndexOptions(force=True))
    indexer.__dict__.update(engine=session_indexer.engine, tagger=session_indexer.tagger)
    outcome = indexer.index_file(copy_fixture("en_nato.mp3", tmp_path))
    assert outcome.status == "indexed", outcome.reason
    assert set(outcome.stages) == set(STAGES) - {"align"}  # no official text: nothing aligned
    assert all(seconds >= 0 for seconds in outcome.stages.values())
    assert sum(outcome.stages.values()) <= outcome.seconds
