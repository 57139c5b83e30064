"""A token budget for each decoding: a loop stops about where the audio's words would.

Whisper sometimes loops ("I'm sorry, I'm sorry, ...") until the decoder's limit: 224 tokens
(CTranslate2 lets a timestamped decoding use half of the model's 448 positions), which at
beam 5 on two cores is seconds of CPU, even for the 0.2 s tail of a window (the corpus'
two-speaker call spent 6 s so). A decoding may now generate what its audio can hold: about
8 tokens a second for fast speech with its timestamps, with margin (`token_budget`).

A decoding that reaches its budget is a loop, and is reported as failed: its score becomes
a log probability of -10 a token, so that faster-whisper's own checks do what they do for a
loop (decode again hotter, the engine's retry without the prompt, or skip the window as
silence when Whisper also says nobody speaks). Cut short, a loop would pass the compression
check it trips at full length, and its text would be kept.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

BUDGET_BASE, BUDGET_PER_SECOND = 24, 10  # tokens; tokens per second of audio
FAILED_SCORE = -10.0  # per token: far under faster-whisper's log_prob_threshold (-1)


def token_budget(seconds: float) -> int:
    """How many tokens a decoding of `seconds` of audio may generate."""
    return math.ceil(BUDGET_BASE + BUDGET_PER_SECOND * seconds)


def new_token_limit(max_length: int, prompt_length: int) -> int:
    """The tokens CTranslate2's Whisper generates at most: half the positions, or what the
    prompt leaves (whisper.cc, `WhisperReplica::generate`)."""
    return min(max_length // 2, max_length - prompt_length)


@dataclass(frozen=True)
class FailedResult:
    """A generation cut at its budget, as faster-whisper reads a result."""

    sequences: list
    sequences_ids: list
    scores: list
    no_speech_prob: float


class BudgetedModel:
    """Stands in for the model faster-whisper calls: `generate` within the calling thread's
    budget (`budget()`, None for none), everything else the wrapped model's."""

    def __init__(self, model, budget: Callable[[], int | None]):
        self._model = model
        self._budget = budget

    def __getattr__(self, name: str):
        return getattr(self._model, name)

    def generate(self, features, prompts, *args, **kwargs):
        budget, asked = self._budget(), kwargs.get("max_length")
        if budget is None or asked is None:
            return self._model.generate(features, prompts, *args, **kwargs)
        prompt = len(prompts[0])
        if budget >= new_token_limit(asked, prompt):  # the model's own limit comes first
            return self._model.generate(features, prompts, *args, **kwargs)
        kwargs["max_length"] = max(2 * budget, budget + prompt)
        results = self._model.generate(features, prompts, *args, **kwargs)
        return [_failed(result, budget) if len(result.sequences_ids[0]) >= budget
                else result for result in results]


def _failed(result, budget: int) -> FailedResult:
    # Batched with longer windows, a call may have run past its own budget: cut it there,
    # so that its tokens do not depend on the batch it was in.
    return FailedResult([s[:budget] for s in result.sequences],
                        [ids[:budget] for ids in result.sequences_ids],
                        [FAILED_SCORE] * len(result.sequences_ids),
                        result.no_speech_prob)
