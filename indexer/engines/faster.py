"""faster-whisper (CTranslate2): the default engine, int8 on CPU.

The pipeline asks the language of each chunk of a window (consecutive chunks packed into at
most 30 s), then transcribes the window. Both need the encoder's output for the window, the
most expensive step of the model after the decoder. `detect_languages` computes that window
exactly as `WhisperModel.generate_segments` will slice it and keeps the output; `transcribe`
then finds it in a one-entry cache instead of encoding the same window again.

Each chunk's language is read from its own frames of that one encoder output (50 frames a
second): the decoder's language step cross-attends to those frames only. On the corpus and
the bilingual fixture this gives the same language as encoding each chunk alone
(docs/transcription-design.md), for one small decoder step per chunk instead of an encoder
pass.

Windows are transcribed `batch_size` at a time, their decoder calls batched (batching.py).
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Iterator, Sequence
from dataclasses import replace

import ctranslate2
import numpy as np
from faster_whisper.audio import pad_or_trim

from ..decode import SAMPLE_RATE
from ..records import Segment, Word
from ..whisper_models import ModelRef
from .base import EngineError, EngineOptions, Request, Transcribed
from .batching import BatchingModel, run_together
from .budget import BudgetedModel, token_budget
from .lanes import lane_plan

WINDOW_SECONDS = 30.0  # Whisper's encoder window
# Whisper's temperature fallback: decode again, sampling hotter, while the text loops
# (compression ratio) or the model is unsure (mean log probability), unless it is silence.
FALLBACK = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)
PROMPTED = (0.0,)  # with a prompt: one greedy try, then the fallback without the prompt
COMPRESSION_RATIO_THRESHOLD = 2.4
LOG_PROB_THRESHOLD = -1.0
NO_SPEECH_THRESHOLD = 0.6
# The fallback's hotter temperatures sample. CTranslate2 seeds each of its threads' generator
# from the system's entropy unless a seed is set before the model's threads first sample:
# the same file indexed twice got other words wherever a window fell back. With a seed, a
# process gives the same words for the same files in the same order (a generator is per
# CTranslate2 thread and is not re-seeded between files).
SAMPLING_SEED = 20091

logger = logging.getLogger(__name__)


class FasterWhisperEngine:
    name = "faster-whisper"

    def __init__(self, ref: ModelRef, options: EngineOptions):
        from faster_whisper import WhisperModel  # CTranslate2 and onnxruntime: loaded on use

        self.model_name = ref.name
        count, threads = lane_plan(options.cpu_threads, options.lanes)
        self.options = options = replace(options, cpu_threads=threads, lanes=1)
        ctranslate2.set_random_seed(SAMPLING_SEED)  # before the model's threads exist
        try:
            self.model = WhisperModel(
                str(ref.path or ref.name),
                device="cpu",
                compute_type=options.compute_type,
                cpu_threads=threads,
            )
        except Exception as exc:  # hub errors, bad folders: one message for the CLI edge
            raise EngineError(f"faster-whisper cannot load model {ref.name!r}: {exc}") from exc
        # Decoder calls: batched across the windows of a batch, each within its token budget.
        self._batching = BatchingModel(self.model.model)
        self.model.model = BudgetedModel(self._batching, budget=self._budget)
        self._encode_uncached = self.model.encode
        # The language ID's encoder outputs of the windows about to be transcribed (one entry
        # per window of a batch); transcribe() and transcribe_batch() drop those there when
        # they began, so that an entry another thread adds meanwhile stays for its own call
        # (a cache miss only costs an encoder pass again: entries are found by content).
        self._encoded: list[tuple[np.ndarray, object]] = []
        self._encoded_lock = threading.Lock()
        self.model.encode = self._encode  # every encoder call of the model goes through here
        self.encoder_calls = self.encoder_reuses = 0  # for tests and benchmarks
        self._local = threading.local()  # .first: transcribe()'s first encoder output
        # This engine is the first lane; the others are engines of their own (lanes.py).
        self.lanes = [self, *(FasterWhisperEngine(ref, options) for _ in range(count - 1))]

    @property
    def batch_size(self) -> int:
        return self.options.batch_size

    def _encode(self, features: np.ndarray):
        with self._encoded_lock:
            entries = list(self._encoded)
        found = next((output for cached, output in entries
                      if np.array_equal(cached, features)), None)
        with self._encoded_lock:
            if found is not None:
                self.encoder_reuses += 1
            else:
                self.encoder_calls += 1
        output = found if found is not None else self._encode_uncached(features)
        if getattr(self._local, "first", None) is None:
            self._local.first = output
        # generate_segments encodes a seek's audio, then decodes it: the budget is that audio's
        self._local.budget = token_budget(_content_seconds(features))
        return output

    def _budget(self) -> int | None:
        """The calling thread's token budget: that of the audio it encoded last."""
        return getattr(self._local, "budget", None)

    def window_frames(self, seconds: float) -> np.ndarray | None:
        """The last transcribe() call's first encoder output, its first `seconds` of frames
        (50 a second), as float16: what the official text's forced alignment needs of the
        window's audio, kept instead of encoding the window again (official/reuse.py).
        None if that call encoded nothing."""
        first = getattr(self._local, "first", None)
        if first is None:
            return None
        frames = np.asarray(first)[0]
        count = min(len(frames), math.ceil(seconds * len(frames) / WINDOW_SECONDS))
        return frames[:count].astype(np.float16)

    def detect_language(self, audio: np.ndarray) -> dict[str, float]:
        return self.detect_languages(audio, [(0.0, len(audio) / SAMPLE_RATE)])[0]

    def detect_languages(self, audio: np.ndarray,
                         spans: Sequence[tuple[float, float]]) -> list[dict[str, float]]:
        extractor = self.model.feature_extractor
        features = extractor(audio)  # the call transcribe() makes, so the arrays are equal
        # generate_segments' first window: all frames but the last, padded to 30 s.
        window = pad_or_trim(features[:, : min(extractor.nb_max_frames, features.shape[-1] - 1)])
        encoder_output = self._encode(window)
        with self._encoded_lock:
            self._encoded.append((window, encoder_output))
        if len(spans) == 1:  # the whole window: what faster-whisper itself would ask
            return [self._languages(encoder_output)]
        frames = np.asarray(encoder_output)
        rate = frames.shape[1] / WINDOW_SECONDS
        memories = [frames[:, int(start * rate):max(int(start * rate) + 1,
                                                    math.ceil(end * rate))]
                    for start, end in spans]
        return [self._languages(ctranslate2.StorageView.from_array(np.ascontiguousarray(m)))
                for m in memories]

    def _languages(self, encoder_output) -> dict[str, float]:
        results = self.model.model.detect_language(encoder_output)[0]
        return {token[2:-2]: probability for token, probability in results}

    def transcribe(self, audio: np.ndarray, language: str, prompt: str | None) -> list[Segment]:
        cached = self._cached()
        try:
            return self._transcribe(audio, language, prompt)
        finally:
            self._forget(cached)  # the language ID's encoder outputs are used up

    def transcribe_batch(self, requests: Sequence[Request]) -> list[Transcribed]:
        """Each request's segments (and frames, when asked), the requests decoded together."""
        def task(request: Request) -> Transcribed:
            segments = self._transcribe(request.audio, request.language, request.prompt)
            frames = (self.window_frames(request.duration) if request.keep_frames else None)
            return Transcribed(segments, frames)

        cached = self._cached()
        try:
            return run_together(self._batching, [lambda r=r: task(r) for r in requests])
        finally:
            self._forget(cached)

    def _cached(self) -> set[int]:
        """The encoder outputs cached now: those of the windows a transcription begins with."""
        with self._encoded_lock:
            return {id(entry) for entry in self._encoded}

    def _forget(self, cached: set[int]) -> None:
        with self._encoded_lock:
            self._encoded = [entry for entry in self._encoded if id(entry) not in cached]

    def _transcribe(self, audio: np.ndarray, language: str, prompt: str | None
                    ) -> list[Segment]:
        self._local.first = None  # its first window: the cached language ID pass, or new
        if prompt:
            segments = []
            for segment in self._decode(audio, language, prompt, PROMPTED):
                if _degenerate(segment):
                    # The prompt is only a bias toward the archive's names. When the
                    # prompted decoding loops or is unsure, the prompt is the first suspect
                    # (radio noise made it loop): stop there, before the next window, and
                    # retry without it ahead of Whisper's costly sampling fallback. The whole
                    # window again, not from the failure on: a loop is mostly on a tail of a
                    # second, and a tail decoded alone, out of context, is a stock phrase.
                    logger.debug("prompted decoding failed its checks; again without it")
                    segments = list(self._decode(audio, language, None, FALLBACK))
                    break
                segments.append(segment)
        else:
            segments = list(self._decode(audio, language, None, FALLBACK))
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


    def _decode(self, audio: np.ndarray, language: str, prompt: str | None,
                temperatures: tuple[float, ...]) -> Iterator:
        """faster-whisper's segments, lazily: each 30 s window is decoded when reached."""
        segments, _ = self.model.transcribe(
            audio,
            language=language,
            beam_size=self.options.beam_size,
            word_timestamps=True,
            # Each window stands alone: carrying text across windows is what feeds loops.
            condition_on_previous_text=False,
            initial_prompt=prompt,
            vad_filter=False,  # windows are already speech (indexer.chunking)
            hallucination_silence_threshold=2.0,
            temperature=list(temperatures),
            compression_ratio_threshold=COMPRESSION_RATIO_THRESHOLD,
            log_prob_threshold=LOG_PROB_THRESHOLD,
            no_speech_threshold=NO_SPEECH_THRESHOLD,
        )
        return segments


def _content_seconds(features: np.ndarray) -> float:
    """The seconds of audio in a padded 30 s log-mel window: pad_or_trim pads with zeros."""
    frames = np.asarray(features).reshape(-1, features.shape[-1])
    filled = np.flatnonzero(frames.any(axis=0))
    return (filled[-1] + 1 if len(filled) else 0) * WINDOW_SECONDS / frames.shape[-1]


def _degenerate(segment) -> bool:
    """faster-whisper's own test for decoding again at a higher temperature."""
    if segment.compression_ratio > COMPRESSION_RATIO_THRESHOLD:
        return True
    return (segment.avg_logprob < LOG_PROB_THRESHOLD
            and segment.no_speech_prob <= NO_SPEECH_THRESHOLD)
