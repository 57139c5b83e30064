"""What one decoding may cost: the token budget of a seek, and the prompt retry's scope.

Real Whisper base on the project's synthesized speech. A decoding that loops runs to the
model's 448 tokens (beam 5: seconds of CPU for a fraction of a second of audio, as on the
corpus' two-speaker call, whose 0.2 s tail looped for 224 tokens); the budget ties the
length to the audio a seek holds. A prompted decoding that fails its checks after good
segments is decoded again without it, whole.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import FIXTURES

from indexer.decode import SAMPLE_RATE, load_audio
from indexer.engines import faster
from indexer.engines.budget import BudgetedModel, FailedResult, new_token_limit, token_budget

PROMPT = "NATO-Russia Council."
PROMPT_FR = "Conseil OTAN-Russie."


def two_utterances() -> np.ndarray:
    """Two French recordings a second apart: at least two segments, on any machine."""
    return np.concatenate([load_audio(FIXTURES / "fr_minister.ogg"),
                           np.zeros(SAMPLE_RATE, dtype=np.float32),
                           load_audio(FIXTURES / "fr_otan.flac")])


@pytest.fixture
def generate_calls(engine, monkeypatch) -> list[dict]:
    """(prompt length, max_length) of every generate call that reaches CTranslate2."""
    seen: list[dict] = []
    model = engine.model.model._model
    real = model.generate

    class Spy:
        def __getattr__(self, name):
            return getattr(model, name)

        def generate(self, features, prompts, **kwargs):
            results = real(features, prompts, **kwargs)
            seen.append({"prompt": len(prompts[0]), "max_length": kwargs.get("max_length"),
                         "generated": [len(r.sequences_ids[0]) for r in results]})
            return results

    monkeypatch.setattr(engine.model.model, "_model", Spy())
    return seen


def test_budget_grows_with_the_audio() -> None:
    assert token_budget(0.2) <= 32
    assert token_budget(0.2) < token_budget(5) < token_budget(30)
    # A fast speaker (4 words a second, two tokens each, and the timestamps) fits in it.
    assert token_budget(30) >= 30 * 4 * 2 + 2 * 15


def test_a_short_seek_is_decoded_with_a_short_budget(engine, generate_calls) -> None:
    audio = load_audio(FIXTURES / "en_nato.mp3")[: SAMPLE_RATE]  # its first second
    engine.transcribe(audio, "en", None)
    assert generate_calls
    for call in generate_calls:
        assert new_token_limit(call["max_length"], call["prompt"]) <= token_budget(1.0)


def test_a_full_window_keeps_room_for_its_words(engine, generate_calls) -> None:
    audio = load_audio(FIXTURES / "en_nato.mp3")
    segments = engine.transcribe(audio, "en", None)
    seconds = len(audio) / SAMPLE_RATE
    first = generate_calls[0]
    assert new_token_limit(first["max_length"], first["prompt"]) == token_budget(seconds)
    assert "afghanistan" in " ".join(s.text for s in segments).lower()


def test_a_decoding_cut_at_its_budget_is_reported_as_failed(engine) -> None:
    # The real model on a real window, with a budget of 6 tokens: the words go on, so the
    # decoding is cut, and says so by its score; with room, the same call is untouched.
    audio = load_audio(FIXTURES / "en_nato.mp3")
    features = engine.model.feature_extractor(audio)[:, :-1]
    encoded = engine.model.encode(np.pad(features, ((0, 0), (0, 3000 - features.shape[1]))))
    prompt = [engine.model.hf_tokenizer.token_to_id(t)
              for t in ("<|startoftranscript|>", "<|en|>", "<|transcribe|>")]
    raw = engine.model.model._model
    cut = BudgetedModel(raw, budget=lambda: 6).generate(
        encoded, [prompt], max_length=448, return_scores=True, return_no_speech_prob=True)[0]
    assert isinstance(cut, FailedResult)
    assert len(cut.sequences_ids[0]) == 6 and cut.scores[0] < -1
    whole = BudgetedModel(raw, budget=lambda: 300).generate(
        encoded, [prompt], max_length=448, return_scores=True, return_no_speech_prob=True)[0]
    assert not isinstance(whole, FailedResult) and whole.scores[0] > -1
    assert len(whole.sequences_ids[0]) > 6


@pytest.mark.corpus
def test_the_two_speaker_calls_looping_tail_costs_little_and_leaves_no_text(
        engine, corpus, generate_calls) -> None:
    # Regression: the prompted decoding of its first window ended at 22.3 s of 22.5; the
    # 0.2 s tail looped "I'm sorry, I'm sorry, ..." for 224 tokens (6 s at beam 5), and cut
    # short, the loop passed the compression check and "I'm sorry, I" stayed in the text.
    from indexer.transcribe import transcribe_audio
    segments = transcribe_audio(engine, load_audio(corpus / "en_twospeakers_pyannote.wav"),
                                ("fr", "en"), prompts={"en": PROMPT})
    text = " ".join(s.text for s in segments).lower()
    assert "new jersey" in text and "sorry" not in text
    assert max(n for call in generate_calls for n in call["generated"]) < 200, generate_calls


@pytest.mark.parametrize("failing", [1, 2])
def test_a_prompted_decoding_that_fails_is_decoded_again_whole_without_the_prompt(
        engine, monkeypatch, failing: int) -> None:
    # A real Whisper loop cannot be summoned at will: the check says the first or the second
    # prompted segment failed, and what the engine does about it is real. Whole, even when
    # good segments came first: a failing tail decoded alone is decoded out of context
    # (on the two-speaker call, a 0.2 s tail gave "I'm sorry").
    audio = two_utterances()
    decoded: list[tuple[float, bool]] = []
    real_decode = engine._decode

    def spy(part, language, prompt, temperatures):
        decoded.append((len(part) / SAMPLE_RATE, prompt is not None))
        return real_decode(part, language, prompt, temperatures)

    checked = []

    def nth_fails(segment) -> bool:
        checked.append(segment)
        return len(checked) == failing

    monkeypatch.setattr(engine, "_decode", spy)
    monkeypatch.setattr(faster, "_degenerate", nth_fails)
    segments = engine.transcribe(audio, "fr", PROMPT_FR)
    total = pytest.approx(len(audio) / SAMPLE_RATE)
    assert decoded == [(total, True), (total, False)]
    assert segments[0].start < 1.0
    text = " ".join(s.text for s in segments).lower()
    assert "ministre" in text and "afghanistan" in text
