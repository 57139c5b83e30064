"""faster-whisper (CTranslate2): the default engine, int8 on CPU."""

from __future__ import annotations

import logging
import os

import numpy as np

from ..models import ModelRef
from ..records import Segment, Word
from .base import EngineError, EngineOptions

logger = logging.getLogger(__name__)


class FasterWhisperEngine:
    name = "faster-whisper"

    def __init__(self, ref: ModelRef, options: EngineOptions):
        from faster_whisper import WhisperModel

        self.model_name = ref.name
        self.options = options
        try:
            self.model = WhisperModel(
                str(ref.path or ref.name),
                device="cpu",
                compute_type=options.compute_type,
                cpu_threads=options.cpu_threads or os.cpu_count() or 1,
            )
        except Exception as exc:  # hub errors, bad folders: one message for the CLI edge
            raise EngineError(f"faster-whisper cannot load model {ref.name!r}: {exc}") from exc

    def detect_language(self, audio: np.ndarray) -> dict[str, float]:
        _, _, probabilities = self.model.detect_language(audio=audio)
        return dict(probabilities)

    def transcribe(self, audio: np.ndarray, language: str, prompt: str | None) -> list[Segment]:
        segments, _ = self.model.transcribe(
            audio,
            language=language,
            beam_size=self.options.beam_size,
            word_timestamps=True,
            # Each chunk stands alone: carrying text across chunks is what feeds loops.
            condition_on_previous_text=False,
            initial_prompt=prompt,
            vad_filter=False,  # chunks are already speech (indexer.chunking)
            hallucination_silence_threshold=2.0,
        )
        return [
            Segment(
                start=s.start,
                end=s.end,
                text=s.text.strip(),
                words=[Word(w.start, w.end, w.word, w.probability) for w in s.words or []],
                avg_logprob=s.avg_logprob,
                no_speech_prob=s.no_speech_prob,
            )
            for s in segments
        ]
