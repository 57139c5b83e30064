"""Transcribe a whole file chunk by chunk, each chunk in its own language.

decode -> chunking (VAD) -> per chunk: audio language ID, engine transcription with a prompt
biased toward the archive's names, hallucination clean-up, per-segment language.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

import numpy as np

from .chunking import ChunkingOptions, speech_chunks
from .engines import Engine
from .hallucination import clean_segments
from .language import best, label_segment, restrict
from .records import Segment
from .timing import StageClock

logger = logging.getLogger(__name__)

ProgressCallback = Callable[[float], None]  # seconds of the file done so far


class NoSpeechError(Exception):
    """VAD found no speech in the file (silence, music or noise only)."""


def transcribe_audio(
    engine: Engine,
    audio: np.ndarray,
    languages: Sequence[str],
    language: str | None = None,
    prompts: dict[str, str] | None = None,
    chunking: ChunkingOptions | None = None,
    progress: ProgressCallback | None = None,
    clock: StageClock | None = None,
) -> list[Segment]:
    """Return the file's segments, times in seconds from the start of the file.

    `language` forces one language for every chunk; otherwise each chunk's language is the
    most likely of `languages` according to the engine's audio language ID. `prompts` maps a
    language to an initial prompt (the archive's names, to bias spelling toward them).
    `clock`, if given, accumulates the time of the vad, language and transcription stages.
    """
    clock = clock or StageClock()
    with clock.stage("vad"):
        chunks = speech_chunks(audio, chunking)
    if not chunks:
        raise NoSpeechError("only silence or noise: no speech found")
    prompts = prompts or {}
    segments: list[Segment] = []
    for chunk in chunks:
        samples = chunk.samples(audio)
        if language:
            audio_probs = {code: float(code == language) for code in {language, *languages}}
        else:
            with clock.stage("language"):
                audio_probs = restrict(engine.detect_language(samples), languages)
        chunk_language, probability = best(audio_probs)
        logger.debug("chunk %.1f-%.1f s: %s (%.2f)", chunk.start, chunk.end,
                     chunk_language, probability)
        with clock.stage("transcription"):
            found = clean_segments(engine.transcribe(samples, chunk_language,
                                                     prompts.get(chunk_language)))
        with clock.stage("language"):
            for segment in found:
                _shift(segment, chunk.start)
                if language:
                    segment.language, segment.language_probability = language, 1.0
                else:
                    label_segment(segment, audio_probs, languages)
        segments.extend(found)
        if progress is not None:
            progress(chunk.end)
    return segments


def _shift(segment: Segment, offset: float) -> None:
    segment.start = round(segment.start + offset, 3)
    segment.end = round(segment.end + offset, 3)
    for word in segment.words:
        word.start = round(word.start + offset, 3)
        word.end = round(word.end + offset, 3)
        word.probability = round(word.probability, 4)
