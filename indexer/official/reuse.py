"""Forced alignment on the transcription's own encoder outputs (issue 15: the cost at indexing).

Most of the forced alignment's time was one encoder pass per 30 s window (78 % on the bench),
work the transcription had just done on its own windows (indexer/transcribe.py: VAD chunks
packed into windows of at most 30 s). When the text is given at indexing, the transcription
keeps each window's encoder output (`EncodedWindow`: the frames, 50 a second, and each frame's
time in the file), and each official word is aligned inside the window that holds its stage-1
time, on that window's frames.

Pauses are taken out as `forced.py` takes them out of the audio: only the frames inside the
speech regions (`boundaries.Speech`) are kept, end to end, so that the DTW has no pause to give
a word; a `Cut` maps the kept frames back to the file. The encoder saw the pauses, which the
pause-cut audio path does not, but the decoder's cross-attention reads each frame's content:
on the bench, word times and confidences stay those of the fresh path (docs/benchmarks.md).

Words that fall in no window, or too many tokens for one decoder pass, are left to the fresh
path (`forced.py`), which encodes their audio.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Sequence
from dataclasses import dataclass

import ctranslate2
import numpy as np
from faster_whisper.audio import pad_or_trim

from ..decode import SAMPLE_RATE
from ..transcribe import FRAME_SECONDS, EncodedWindow
from .align import AlignedWord
from .boundaries import Cut, Speech

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class FrameWindow:
    """The official words [first, stop) and the kept frames they are aligned on."""

    first: int
    stop: int
    frames: np.ndarray  # (n, width) float16: speech frames only, end to end
    cut: Cut  # the frames' times in the file


def frame_windows(words: Sequence[AlignedWord], encodings: Sequence[EncodedWindow],
                  speech: Speech) -> list[FrameWindow]:
    """Each encoded window with the words whose stage-1 middle lies nearer to it than to its
    neighbours (windows in file order), and its speech frames. Windows left without words or
    without speech frames are left out: their words go to the fresh path."""
    spans = [(float(np.nanmin(e.times)), float(np.nanmax(e.times)) + FRAME_SECONDS)
             for e in encodings if np.isfinite(e.times).any()]
    kept = [e for e in encodings if np.isfinite(e.times).any()]
    # Between two windows, a word belongs to the nearer one: the border is the gap's middle.
    borders = [(spans[i][1] + spans[i + 1][0]) / 2 for i in range(len(spans) - 1)]
    middles = np.array([(word.start + word.end) / 2 for word in words])
    owner = np.searchsorted(np.array(borders), middles, side="right")
    found = []
    for index, encoded in enumerate(kept):
        members = np.flatnonzero(owner == index)
        if not len(members):
            continue
        frames, cut = speech_frames(encoded, speech)
        if not len(frames):
            continue
        found.append(FrameWindow(int(members[0]), int(members[-1]) + 1, frames, cut))
    return found


def speech_frames(encoded: EncodedWindow, speech: Speech) -> tuple[np.ndarray, Cut]:
    """The window's frames whose middle is in a speech region, and their map to the file."""
    times = encoded.times
    middles = times + FRAME_SECONDS / 2
    starts = np.array([start for start, _ in speech.regions])
    ends = np.array([end for _, end in speech.regions])
    region = np.searchsorted(starts, middles, side="right") - 1
    inside = np.isfinite(times) & (region >= 0)
    inside[inside] &= middles[inside] < ends[region[inside]]
    kept = np.flatnonzero(inside)
    pieces: list[tuple[float, float, float]] = []
    for position, index in enumerate(kept):
        start = float(times[index])
        if pieces and abs(pieces[-1][1] - start) < FRAME_SECONDS / 2:  # the next frame on
            pieces[-1] = (pieces[-1][0], start + FRAME_SECONDS, pieces[-1][2])
        else:
            pieces.append((start, start + FRAME_SECONDS, position * FRAME_SECONDS))
    return encoded.frames[kept], Cut(pieces)


def encoder_output(model, frames: np.ndarray) -> tuple[ctranslate2.StorageView, int]:
    """The frames as the decoder takes them, and their count in mel frames (two per frame).

    Whisper's decoder always saw 30 s of frames, short audio padded: given the speech frames
    alone, it loses the thread (a 4.7 s window decoded "En parallèle j j j j...", its words
    forced at probability 0.00-0.02 against 0.96-0.99 on the fresh path). After the kept
    frames come the encoder's frames of silence, at their positions, as padding would give.
    """
    padding = silence(model)
    memory = padding.copy()
    memory[:len(frames)] = frames[:len(padding)]
    return (ctranslate2.StorageView.from_array(np.ascontiguousarray(memory[None])),
            2 * min(len(frames), len(padding)))


@functools.lru_cache(maxsize=2)  # per model: one encoder pass, once
def silence(model) -> np.ndarray:
    """The encoder's output for 30 s of silence (1500 frames, float32)."""
    extractor = model.feature_extractor
    features = extractor(np.zeros(SAMPLE_RATE // 10, dtype=np.float32))
    output = model.encode(pad_or_trim(features[:, :max(features.shape[-1] - 1, 1)]))
    return np.array(np.asarray(output)[0], dtype=np.float32)
