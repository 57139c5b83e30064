"""Transcribe a whole file window by window, each chunk in its own language.

decode -> chunking (VAD chunks, packed into windows of at most 30 s) -> per window: audio
language ID of each chunk, engine transcription of each run of same-language chunks with a
prompt biased toward the archive's names, hallucination clean-up, times mapped back to the
file, per-segment language. Up to the engine's `batch_size` windows go to the engine at once,
to be decoded together, and the engine's lanes each take such a group at the same time. Why
windows, batches and lanes: docs/transcription-design.md.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from .chunking import ChunkingOptions, Window, pack_chunks, speech_chunks
from .engines import Engine, Request, Transcribed
from .engines.lanes import in_lanes, window_groups
from .errors import SpeechSearchError
from .hallucination import clean_segments, text_of
from .language import best, label_segment, restrict
from .records import Segment, Word
from .timing import StageClock

logger = logging.getLogger(__name__)

ProgressCallback = Callable[[float], None]  # seconds of the file done so far


class NoSpeechError(SpeechSearchError):
    """VAD found no speech in the file (silence, music or noise only)."""


FRAME_SECONDS = 0.02  # one encoder frame (Whisper: 1500 for 30 s)


@dataclass(frozen=True)
class EncodedWindow:
    """A transcribed window's encoder output, kept when an official text is given at indexing:
    its forced alignment then reuses these frames instead of encoding the audio again
    (official/reuse.py). About 1.5 MB per 30 s of speech for the base model (180 MB an hour)."""

    frames: np.ndarray  # (n, width) float16, one per FRAME_SECONDS of the packed window audio
    times: np.ndarray  # (n,) float64: each frame's start in the file, NaN in a packing gap

    @classmethod
    def of(cls, frames: np.ndarray, window: Window) -> EncodedWindow:
        times = np.full(len(frames), np.nan)
        packed = np.arange(len(frames)) * FRAME_SECONDS
        for chunk, (start, end) in zip(window.chunks, window.spans):
            inside = (packed >= start) & (packed < end)
            times[inside] = chunk.start + packed[inside] - start
        return cls(frames, times)


def transcribe_audio(
    engine: Engine,
    audio: np.ndarray,
    languages: Sequence[str],
    language: str | None = None,
    prompts: dict[str, str] | None = None,
    chunking: ChunkingOptions | None = None,
    progress: ProgressCallback | None = None,
    clock: StageClock | None = None,
    encodings: list[EncodedWindow] | None = None,
) -> list[Segment]:
    """Return the file's segments, times in seconds from the start of the file.

    `language` forces one language for every chunk; otherwise each chunk's language is the
    most likely of `languages` according to the engine's audio language ID. `prompts` maps a
    language to an initial prompt (the archive's names, to bias spelling toward them).
    `clock`, if given, accumulates the time of the vad, language and transcription stages.
    `encodings`, if given and the engine keeps them (`window_frames`), receives each
    transcribed window's encoder output, in file order. The engine's `batch_size` windows
    are transcribed at a time, on each of its lanes side by side (engines/lanes.py).
    """
    clock = clock or StageClock()
    chunking = chunking or ChunkingOptions()
    with clock.stage("vad"):
        windows = pack_chunks(speech_chunks(audio, chunking), chunking.max_chunk)
    if not windows:
        raise NoSpeechError("only silence or noise: no speech found")
    prompts = prompts or {}
    lanes = engine.lanes

    def decode(group: range, lane: Engine) -> list[tuple[_Job, Transcribed]]:
        # The language of every chunk of the group's windows, then their transcription at
        # once: the lane may decode them together (engines/batching.py).
        jobs = [job for window in windows[group.start:group.stop]
                for job in _jobs(lane, window, audio, languages, language, prompts,
                                 encodings is not None, clock)]
        with clock.stage("transcription"):
            return list(zip(jobs, lane.transcribe_batch([job.request for job in jobs])))

    segments: list[Segment] = []
    groups = window_groups(len(windows), engine.batch_size, len(lanes))
    for decoded in in_lanes(groups, lanes, decode):  # in file order
        for job, result in decoded:
            with clock.stage("transcription"):
                found = clean_segments(result.segments)
                if encodings is not None and result.frames is not None:
                    encodings.append(EncodedWindow.of(result.frames, job.part))
            with clock.stage("language"):
                for segment, index in to_file_times(found, job.part):
                    if language:
                        segment.language, segment.language_probability = language, 1.0
                    else:
                        label_segment(segment, job.chunk_probs[job.indices[index]], languages)
                    segments.append(segment)
            if progress is not None:
                progress(job.part.chunks[-1].end)
    return segments


@dataclass(frozen=True)
class _Job:
    """One run of same-language chunks of a window, and what its segments are labelled with."""

    part: Window
    indices: list[int]  # its chunks' positions in the window
    chunk_probs: list[dict[str, float]]  # language probabilities of the window's chunks
    request: Request


def _jobs(engine: Engine, window: Window, audio: np.ndarray, languages: Sequence[str],
          language: str | None, prompts: dict[str, str], keep_frames: bool,
          clock: StageClock) -> list[_Job]:
    """The window's language runs: the whole window when its chunks agree (the encoder pass
    of the language ID is reused); at a language switch, each run is its own, shorter window."""
    samples = window.samples(audio)
    if language:
        forced = {code: float(code == language) for code in {language, *languages}}
        chunk_probs = [forced] * len(window.chunks)
    else:
        with clock.stage("language"):
            chunk_probs = [restrict(probs, languages)
                           for probs in engine.detect_languages(samples, window.spans)]
    labels = [best(probs)[0] for probs in chunk_probs]
    for chunk, probs in zip(window.chunks, chunk_probs):
        logger.debug("chunk %.1f-%.1f s: %s (%.2f)", chunk.start, chunk.end, *best(probs))
    jobs, position = [], 0
    for run_language, run in itertools.groupby(labels):
        indices = list(range(position, position + len(list(run))))
        position += len(indices)
        part = window if len(indices) == len(labels) else window.select(indices)
        part_samples = samples if part is window else part.samples(audio)
        jobs.append(_Job(part, indices, chunk_probs,
                         Request(part_samples, run_language, prompts.get(run_language),
                                 keep_frames)))
    return jobs


def to_file_times(segments: list[Segment], window: Window) -> list[tuple[Segment, int]]:
    """Segments with times in the file, each with the index of its chunk in `window`.

    A segment whose words fall in two chunks is split between them: packed, the chunks are
    half a second apart, in the file they may be a minute apart.
    """
    placed: list[tuple[Segment, int]] = []
    for segment in segments:
        groups = [(index, list(words)) for index, words in itertools.groupby(
            segment.words, key=lambda w: window.chunk_at((w.start + w.end) / 2))]
        if len(groups) <= 1:  # the usual case: the whole segment lies in one chunk
            index = groups[0][0] if groups else window.chunk_at((segment.start + segment.end) / 2)
            placed.append((_moved(segment, segment.start, segment.end, segment.words, window,
                                  index), index))
            continue
        for index, words in groups:
            part = Segment(start=0, end=0, text=text_of(words), words=words,
                           avg_logprob=segment.avg_logprob,
                           no_speech_prob=segment.no_speech_prob)
            placed.append((_moved(part, words[0].start, words[-1].end, words, window, index),
                           index))
    return placed


def _moved(segment: Segment, start: float, end: float, words: list[Word], window: Window,
           index: int) -> Segment:
    def file_time(t: float) -> float:
        return round(window.file_time(t, index), 3)

    segment.start, segment.end = file_time(start), file_time(end)
    segment.words = [Word(file_time(w.start), file_time(w.end), w.word, round(w.probability, 4))
                     for w in words]
    return segment
