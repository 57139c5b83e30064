"""Cut audio into speech chunks with Silero VAD (shipped inside faster-whisper, runs offline).

Chunks are what the engines transcribe, one at a time, each with its own language detection.
Whisper reads 30-second windows, so a chunk is as long as possible up to 30 s (few windows,
full context) but is always cut at a long pause, where speakers and languages change.
Silence never reaches the engine: no text is invented on silence.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from faster_whisper.vad import VadOptions, get_speech_timestamps

from .decode import SAMPLE_RATE

MAX_CHUNK_SECONDS = 30.0


@dataclass(frozen=True)
class Chunk:
    start: float  # seconds in the file
    end: float

    @property
    def duration(self) -> float:
        return self.end - self.start

    def samples(self, audio: np.ndarray) -> np.ndarray:
        return audio[int(self.start * SAMPLE_RATE):int(self.end * SAMPLE_RATE)]


@dataclass(frozen=True)
class ChunkingOptions:
    vad_threshold: float = 0.5
    min_silence: float = 0.3  # a pause this long separates two speech spans
    speech_pad: float = 0.2  # margin kept around speech, so word edges are not clipped
    turn_pause: float = 1.5  # a pause this long always ends a chunk (speaker or language turn)
    max_chunk: float = MAX_CHUNK_SECONDS


def speech_spans(audio: np.ndarray, options: ChunkingOptions) -> list[Chunk]:
    """Speech regions found by Silero VAD, in seconds."""
    vad = VadOptions(
        threshold=options.vad_threshold,
        min_silence_duration_ms=int(options.min_silence * 1000),
        speech_pad_ms=int(options.speech_pad * 1000),
        max_speech_duration_s=options.max_chunk,
        min_speech_duration_ms=250,
    )
    return [Chunk(t["start"] / SAMPLE_RATE, t["end"] / SAMPLE_RATE)
            for t in get_speech_timestamps(audio, vad, sampling_rate=SAMPLE_RATE)]


def group_spans(spans: list[Chunk], options: ChunkingOptions) -> list[Chunk]:
    """Join consecutive speech spans into chunks of at most `max_chunk` seconds.

    A new chunk starts after a pause of `turn_pause` or more, or when the next span would make
    the chunk too long. The silence inside a chunk is kept: word times stay true to the file.
    """
    chunks: list[Chunk] = []
    current: Chunk | None = None
    for span in spans:
        if current is not None:
            gap = span.start - current.end
            if gap < options.turn_pause and span.end - current.start <= options.max_chunk:
                current = Chunk(current.start, span.end)
                continue
            chunks.append(current)
        current = span
    if current is not None:
        chunks.append(current)
    return chunks


def speech_chunks(audio: np.ndarray, options: ChunkingOptions | None = None) -> list[Chunk]:
    options = options or ChunkingOptions()
    return group_spans(speech_spans(audio, options), options)
