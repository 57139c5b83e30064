"""Cut audio into speech chunks with Silero VAD (shipped inside faster-whisper, runs offline).

A chunk is the unit of language: as long as possible up to 30 s, but always cut at a long
pause, where speakers and languages change. Silence never reaches the engine: no text is
invented on silence.

A window is what the engine encodes: consecutive chunks packed into at most 30 s of audio,
joined by a short silence. Whisper pays a full 30 s encoder pass whatever the audio's length,
so short chunks (radio, questions and answers) each padded to 30 s cost several times what
the same speech costs packed (docs/transcription-design.md).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from faster_whisper.vad import VadOptions, get_speech_timestamps

from .decode import SAMPLE_RATE

MAX_CHUNK_SECONDS = 30.0
PACK_GAP = 0.5  # silence between two packed chunks: Whisper still hears a pause there


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


@dataclass(frozen=True)
class Window:
    """Chunks of one file packed into one stretch of audio, `PACK_GAP` of silence between
    them. Times inside the packed audio map back to the file chunk by chunk."""

    chunks: tuple[Chunk, ...]

    @property
    def offsets(self) -> list[float]:
        """Where each chunk starts in the packed audio, seconds."""
        offsets, at = [], 0.0
        for chunk in self.chunks:
            offsets.append(at)
            at += _length(chunk) / SAMPLE_RATE + PACK_GAP
        return offsets

    @property
    def duration(self) -> float:
        return self.offsets[-1] + _length(self.chunks[-1]) / SAMPLE_RATE

    @property
    def spans(self) -> list[tuple[float, float]]:
        """Each chunk's (start, end) in the packed audio."""
        return [(o, o + _length(c) / SAMPLE_RATE) for o, c in zip(self.offsets, self.chunks)]

    def samples(self, audio: np.ndarray) -> np.ndarray:
        if len(self.chunks) == 1:
            return self.chunks[0].samples(audio)
        gap = np.zeros(int(PACK_GAP * SAMPLE_RATE), dtype=audio.dtype)
        parts: list[np.ndarray] = []
        for chunk in self.chunks:
            parts += [gap, chunk.samples(audio)] if parts else [chunk.samples(audio)]
        return np.concatenate(parts)

    def select(self, indices: list[int]) -> Window:
        return Window(tuple(self.chunks[i] for i in indices))

    def chunk_at(self, t: float) -> int:
        """Index of the chunk that packed time `t` belongs to (in a gap: the nearer one)."""
        distances = [max(start - t, t - end, 0.0) for start, end in self.spans]
        return distances.index(min(distances))

    def file_time(self, t: float, index: int) -> float:
        """Packed time `t` as a time in the file, kept inside chunk `index`."""
        chunk, offset = self.chunks[index], self.offsets[index]
        return min(max(chunk.start + t - offset, chunk.start), chunk.end)


def _length(chunk: Chunk) -> int:
    """Samples that Chunk.samples() takes: the packed audio is built from exactly these."""
    return int(chunk.end * SAMPLE_RATE) - int(chunk.start * SAMPLE_RATE)


def pack_chunks(chunks: list[Chunk], max_window: float = MAX_CHUNK_SECONDS) -> list[Window]:
    """Consecutive chunks packed greedily into windows of at most `max_window` seconds."""
    windows: list[Window] = []
    current: list[Chunk] = []
    for chunk in chunks:
        if current and Window((*current, chunk)).duration > max_window:
            windows.append(Window(tuple(current)))
            current = []
        current.append(chunk)
    if current:
        windows.append(Window(tuple(current)))
    return windows
