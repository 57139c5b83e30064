"""faster-whisper (CTranslate2): the default engine, int8 on CPU.

The pipeline asks each chunk's language, then transcribes the chunk in it. Both need the
encoder's output for the chunk's first 30 s window, the most expensive step of the model
after the decoder. `detect_language` computes that window exactly as
`WhisperModel.generate_segments` will slice it and keeps the output; `transcribe` then finds
it in a one-entry cache instead of encoding the same window again (docs/benchmarks.md).
"""

from __future__ import annotations

import logging
import os

import numpy as np
from faster_whisper.audio import pad_or_trim

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
        self._encode_uncached = self.model.encode
        self._last_encoded: tuple[np.ndarray, object] | None = None
        self.model.encode = self._encode  # every encoder call of the model goes through here
        self.encoder_calls = self.encoder_reuses = 0  # for tests and benchmarks

    def _encode(self, features: np.ndarray):
        last = self._last_encoded
        if last is not None and np.array_equal(last[0], features):
            self._last_encoded = None  # one reuse per detection: never holds memory longer
            self.encoder_reuses += 1
            return last[1]
        self.encoder_calls += 1
        return self._encode_uncached(features)

    def detect_language(self, audio: np.ndarray) -> dict[str, float]:
        extractor = self.model.feature_extractor
        features = extractor(audio)  # the call transcribe() makes, so the arrays are equal
        # generate_segments' first window: all frames but the last, padded to 30 s.
        window = pad_or_trim(features[:, : min(extractor.nb_max_frames, features.shape[-1] - 1)])
        encoder_output = self._encode(window)
        self._last_encoded = (window, encoder_output)
        results = self.model.model.detect_language(encoder_output)[0]
        return {token[2:-2]: probability for token, probability in results}

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
