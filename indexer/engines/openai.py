"""openai-whisper (PyTorch): the engine the product was specified with.

Its checkpoint is converted from the same CTranslate2 weights as faster-whisper
(`indexer.convert_openai`), since nothing can be downloaded from a hub here.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..decode import SAMPLE_RATE
from ..records import Segment, Word
from ..whisper_models import ModelRef
from .base import EngineError, EngineOptions, Request, Transcribed

logger = logging.getLogger(__name__)


class OpenAIWhisperEngine:
    name = "openai-whisper"

    def __init__(self, ref: ModelRef, models_dir: Path, options: EngineOptions):
        try:
            import torch
            import whisper
        except ImportError as exc:
            raise EngineError(
                "The openai-whisper engine is not installed. Run `make install`, which installs "
                "torch (CPU) and openai-whisper."
            ) from exc
        from ..convert_openai import load_openai_model, openai_checkpoint  # needs torch

        torch.set_num_threads(options.cpu_threads or os.cpu_count() or 1)
        self._whisper = whisper
        self._torch = torch
        self.model_name = ref.name
        self.options = options
        self.lanes = [self]  # PyTorch uses the cores well on its own: one lane
        if ref.path is None:
            self.model = whisper.load_model(ref.name, device="cpu")
        else:
            self.model = load_openai_model(
                openai_checkpoint(ref.path, models_dir, base=ref.name == "base"))

    def detect_language(self, audio: np.ndarray) -> dict[str, float]:
        whisper = self._whisper
        segment = whisper.pad_or_trim(self._torch.from_numpy(audio))
        mel = whisper.log_mel_spectrogram(segment, self.model.dims.n_mels)
        with self._torch.inference_mode():
            _, probabilities = self.model.detect_language(mel)
        return dict(probabilities)

    def detect_languages(self, audio: np.ndarray,
                         spans: Sequence[tuple[float, float]]) -> list[dict[str, float]]:
        # Each span encoded on its own: exact, and this engine is the slow reference anyway.
        return [self.detect_language(audio[int(start * SAMPLE_RATE):int(end * SAMPLE_RATE)])
                for start, end in spans]

    batch_size = 1  # PyTorch's decoding here is one window at a time

    def transcribe_batch(self, requests: Sequence[Request]) -> list[Transcribed]:
        return [Transcribed(self.transcribe(r.audio, r.language, r.prompt)) for r in requests]

    def transcribe(self, audio: np.ndarray, language: str, prompt: str | None) -> list[Segment]:
        beam = self.options.beam_size
        with self._torch.inference_mode():
            result = self._whisper.transcribe(
                self.model,
                audio,
                language=language,
                fp16=False,
                word_timestamps=True,
                condition_on_previous_text=False,
                initial_prompt=prompt,
                beam_size=beam if beam > 1 else None,
                hallucination_silence_threshold=2.0,
                verbose=None,
            )
        return [
            Segment(
                start=s["start"],
                end=s["end"],
                text=s["text"].strip(),
                words=[Word(w["start"], w["end"], w["word"], w["probability"])
                       for w in s.get("words", [])],
                avg_logprob=s["avg_logprob"],
                no_speech_prob=s["no_speech_prob"],
            )
            for s in result["segments"]
        ]
