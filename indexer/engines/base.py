"""The engine interface: detect the spoken language of each chunk of a window, then
transcribe the window (or the part of it in one language).

Engines see windows: consecutive speech chunks (cut at pauses by `indexer.chunking`) packed
into at most 30 s. Each chunk gets its own language, so a file that switches between French
and English gets each part in its own language. Up to `batch_size` windows (or same-language
parts of them) are transcribed in one `transcribe_batch` call, which may decode them together.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from ..decode import SAMPLE_RATE
from ..errors import SpeechSearchError
from ..records import Segment
from ..whisper_models import resolve_model

ENGINE_NAMES = ("faster-whisper", "openai-whisper")
# Windows decoded together: chosen from the batch-size table of docs/benchmarks.md
# (transcription section: speed and peak memory per batch size on two cores).
DEFAULT_BATCH_SIZE = 8
MAX_BATCH_SIZE = 32
MAX_LANES = 16  # models decoding side by side (lanes.py)


class EngineError(SpeechSearchError, RuntimeError):
    """The engine cannot be loaded or run; the message says what to do."""


@dataclass(frozen=True)
class EngineOptions:
    beam_size: int = 5
    compute_type: str = "int8"  # faster-whisper only: int8, float32...
    cpu_threads: int = 0  # in all, over the lanes; 0: all cores
    batch_size: int = DEFAULT_BATCH_SIZE  # windows decoded together (faster-whisper only)
    lanes: int = 0  # models side by side, the threads split between them; 0: auto (lanes.py)


@dataclass(frozen=True)
class Request:
    """One window (or one same-language part of it) to transcribe."""

    audio: np.ndarray
    language: str
    prompt: str | None
    keep_frames: bool = False  # also return its encoder frames (`window_frames`)

    @property
    def duration(self) -> float:
        return len(self.audio) / SAMPLE_RATE


@dataclass(frozen=True)
class Transcribed:
    segments: list[Segment]
    frames: np.ndarray | None = None  # float16, 50 a second, when kept and the engine can


class Engine(Protocol):
    name: str
    model_name: str
    batch_size: int  # how many requests transcribe_batch is best given at once
    lanes: Sequence[Engine]  # engines that run side by side, this one first (lanes.py)

    def detect_language(self, audio: np.ndarray) -> dict[str, float]:
        """Probability of each language code for 16 kHz mono audio."""

    def detect_languages(self, audio: np.ndarray,
                         spans: Sequence[tuple[float, float]]) -> list[dict[str, float]]:
        """Probability of each language code for each (start, end) span of `audio`, seconds;
        `audio` is at most 30 s."""

    def transcribe(self, audio: np.ndarray, language: str, prompt: str | None) -> list[Segment]:
        """Segments with word timings, relative to the start of `audio`."""

    def transcribe_batch(self, requests: Sequence[Request]) -> list[Transcribed]:
        """transcribe() of each request, in order, maybe decoded together."""


def load_engine(name: str, model: str, models_dir: Path,
                options: EngineOptions | None = None) -> Engine:
    """Load engine `name` with `model` ('base', a local folder, or a standard name)."""
    options = options or EngineOptions()
    ref = resolve_model(model, models_dir)
    # Each engine's module loads its heavy library (CTranslate2, or torch and openai-whisper)
    # only when that engine is chosen: the CLI and the site start without them.
    if name == "faster-whisper":
        from .faster import FasterWhisperEngine

        return FasterWhisperEngine(ref, options)
    if name == "openai-whisper":
        from .openai import OpenAIWhisperEngine

        return OpenAIWhisperEngine(ref, models_dir, options)
    raise EngineError(f"Unknown engine {name!r}; choose one of: {', '.join(ENGINE_NAMES)}.")
