"""Batched decoding (indexer/engines/batching.py): the real Whisper base model on real speech,
windows decoded together give what they give one by one, and the batch size is honoured."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import FIXTURES

from indexer.cli import main
from indexer.decode import load_audio
from indexer.engines import Request
from indexer.engines.batching import run_together
from indexer.transcribe import EncodedWindow, transcribe_audio

LANGS = ("fr", "en")


def with_batch(engine, size: int):
    engine.options = dataclasses.replace(engine.options, batch_size=size)
    return engine


@pytest.fixture
def restore(engine):
    options = engine.options
    yield engine
    engine.options = options


def runs(engine, audio, size: int, encodings=None):
    return transcribe_audio(with_batch(engine, size), audio, LANGS, encodings=encodings)


@pytest.mark.corpus
def test_batched_windows_give_the_same_words_languages_and_times(restore, corpus: Path,
                                                                 batched_calls) -> None:
    # A 53 s sonnet: two windows of ~27 and ~25 s, decoded one after the other, then together.
    # CTranslate2 computes each item of a batch on its own (same int8 weights, same beam),
    # so the words must be the same; only float rounding in wider matrix products may move a
    # word time by a frame (20 ms) — the tolerance below.
    engine = restore
    audio = load_audio(corpus / "en_sonnet001.mp3")
    one_by_one = runs(engine, audio, 1)
    assert batched_calls == []  # batch 1: faster-whisper's own calls, no rendezvous
    together = runs(engine, audio, 2)
    assert ("generate", 2) in batched_calls and ("align", 2) in batched_calls
    assert [s.text for s in together] == [s.text for s in one_by_one]
    assert [s.language for s in together] == [s.language for s in one_by_one] == ["en"] * len(
        one_by_one)
    first = [w for s in one_by_one for w in s.words]
    second = [w for s in together for w in s.words]
    assert [w.word for w in first] == [w.word for w in second]
    assert max(abs(a.start - b.start) + abs(a.end - b.end) for a, b in zip(first, second)) <= 0.04
    assert "fairest creatures" in " ".join(s.text for s in together).lower()


def test_language_switch_runs_are_decoded_together_each_in_its_language(restore,
                                                                         batched_calls) -> None:
    # The bilingual fixture packs into one window whose two chunks disagree: a French run and
    # an English run, each decoded with its own language token in one batched call.
    engine = restore
    audio = load_audio(FIXTURES / "mixed_fr_en.ogg")
    alone = runs(engine, audio, 1)
    together = runs(engine, audio, 8)
    assert batched_calls and batched_calls[0] == ("generate", 2)
    assert [(s.language, s.text) for s in together] == [(s.language, s.text) for s in alone]
    assert together[0].language == "fr" and together[-1].language == "en"


def test_batched_windows_keep_their_encoder_frames_for_official_alignment(restore) -> None:
    engine = restore
    audio = load_audio(FIXTURES / "mixed_fr_en.ogg")
    alone: list[EncodedWindow] = []
    runs(engine, audio, 1, alone)
    together: list[EncodedWindow] = []
    runs(engine, audio, 8, together)
    assert len(together) == len(alone) == 2  # one per language run, in file order
    for a, b in zip(alone, together):
        assert a.frames.shape == b.frames.shape
        assert np.array_equal(np.isnan(a.times), np.isnan(b.times))
        assert np.allclose(a.frames, b.frames, atol=1e-2)  # the same encoder pass


def test_an_error_in_one_window_reaches_the_caller_without_blocking_the_others(engine) -> None:
    audio = load_audio(FIXTURES / "en_nato.mp3")

    def broken():
        raise ValueError("bad window")

    with pytest.raises(ValueError, match="bad window"):
        run_together(engine.model.model,
                     [lambda: engine.transcribe_batch([Request(audio, "en", None)]), broken])
    # The engine still decodes afterwards (no thread left waiting at a rendezvous).
    assert "afghanistan" in " ".join(
        s.text for s in engine.transcribe(audio, "en", None)).lower()


def test_index_batch_size_option_reaches_the_engine(tmp_path: Path, models_dir: Path,
                                                    monkeypatch) -> None:
    from indexer import pipeline

    seen = []
    real = pipeline.Indexer.index_file

    def spy(self, path, *args, **kwargs):
        seen.append(self.options.engine_options.batch_size)
        return real(self, path, *args, **kwargs)

    monkeypatch.setattr(pipeline.Indexer, "index_file", spy)
    data = tmp_path / "data"
    data.mkdir()
    (data / "models").symlink_to(models_dir.resolve(), target_is_directory=True)
    result = CliRunner().invoke(main, ["index", str(FIXTURES / "en_nato.mp3"), "--batch-size",
                                       "3", "--no-diarize", "--data-dir", str(data)])
    assert result.exit_code == 0, result.output
    assert seen == [3]


def test_prompted_and_unprompted_windows_in_one_batch(engine) -> None:
    # Regression: a window decoded with the gazetteer prompt and one without it (retried
    # without, or past its first seek) met in one batch, and CTranslate2 refused prompts whose
    # <|startoftranscript|> was not at the same position.
    audio = load_audio(FIXTURES / "en_nato.mp3")
    prompt = "NATO-Russia Council."
    together = engine.transcribe_batch([Request(audio, "en", prompt), Request(audio, "en", None)])
    alone = [engine.transcribe(audio, "en", prompt), engine.transcribe(audio, "en", None)]
    assert [[s.text for s in t.segments] for t in together] == [[s.text for s in a]
                                                                 for a in alone]
