"""Voice embeddings of sliding windows over the speech (resemblyzer's speaker encoder).

The encoder (a 3-layer LSTM trained for speaker verification, GE2E) ships inside the
resemblyzer wheel as `pretrained.pt`: loading it needs no network. It maps 40-band log-mel
frames (10 ms hop) to a unit vector per window; the cosine of two windows' vectors is high when
the same voice speaks in both.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

logger = logging.getLogger(__name__)

SAMPLE_RATE = 16000
FRAMES_PER_SECOND = 100  # resemblyzer's mel hop is 10 ms
WINDOW = 1.5  # seconds of speech per embedding: long enough to know a voice, short enough
STEP = 0.5  # to follow turns of a second or two; every word's label is the nearest window's
BATCH = 64  # windows per encoder call (memory stays a few MB)


@dataclass
class Window:
    start: float
    end: float
    embedding: np.ndarray  # unit vector (256 floats)

    @property
    def centre(self) -> float:
        return (self.start + self.end) / 2


@lru_cache(maxsize=1)
def voice_encoder():
    """The encoder, loaded once per process and warmed up (its first call is slow)."""
    import torch
    from resemblyzer import VoiceEncoder

    encoder = VoiceEncoder("cpu", verbose=False)
    with torch.no_grad(), _one_thread():
        encoder(torch.zeros((1, round(WINDOW * FRAMES_PER_SECOND), 40)))
    mel_frames(np.zeros(SAMPLE_RATE, dtype=np.float32))  # librosa's first call compiles
    return encoder


# torch's thread count is the process': two files indexed at once (index_many.py) take turns
# here, else one could restore the count the other has just lowered and leave it at 1.
_torch_threads = threading.Lock()


@contextmanager
def _one_thread():
    """torch on one thread while encoding: the LSTM's steps are small matrix products whose
    thread hand-offs cost more than they save, and on a loaded machine two spinning threads
    made it ~10x slower (measured: 76 windows in 1.1 s on one thread, 4.8-13.9 s on two).
    Whisper's threads (CTranslate2's own) are not affected."""
    import torch

    with _torch_threads:
        previous = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            yield
        finally:
            torch.set_num_threads(previous)


def mel_frames(audio: np.ndarray) -> np.ndarray:
    from resemblyzer.audio import wav_to_mel_spectrogram

    return wav_to_mel_spectrogram(np.asarray(audio, dtype=np.float32))


def window_spans(regions: Sequence[tuple[float, float]], duration: float,
                 window: float = WINDOW, step: float = STEP) -> list[tuple[float, float]]:
    """Windows of `window` seconds every `step` over each speech region; a region shorter than
    a window gets one window centred on it (reaching into the silence around it)."""
    spans = []
    for start, end in regions:
        if end - start <= window:
            centre = (start + end) / 2
            begin = min(max(0.0, centre - window / 2), max(0.0, duration - window))
            spans.append((begin, min(duration, begin + window)))
            continue
        count = int(np.ceil((end - start - window) / step)) + 1
        last = end - window
        for index in range(count):
            begin = min(start + index * step, last)
            spans.append((begin, begin + window))
    return spans


def embed_windows(audio: np.ndarray, regions: Sequence[tuple[float, float]],
                  window: float = WINDOW, step: float = STEP) -> list[Window]:
    """An embedding per window over the speech regions (seconds), in time order."""
    import torch

    duration = len(audio) / SAMPLE_RATE
    spans = window_spans(regions, duration, window, step)
    if not spans:
        return []
    frames = mel_frames(audio)
    size = round(window * FRAMES_PER_SECOND)
    starts = [min(round(begin * FRAMES_PER_SECOND), max(0, len(frames) - size))
              for begin, _ in spans]
    encoder = voice_encoder()
    vectors = []
    with torch.no_grad(), _one_thread():
        for first in range(0, len(starts), BATCH):
            batch = [frames[s:s + size] for s in starts[first:first + BATCH]]
            length = min(len(item) for item in batch)
            stacked = torch.from_numpy(np.stack([item[:length] for item in batch]))
            vectors.append(encoder(stacked).numpy())
    embeddings = np.concatenate(vectors)
    logger.debug("%d voice windows over %.1f s of audio", len(spans), duration)
    return [Window(begin, end, vector) for (begin, end), vector in zip(spans, embeddings)]


def mean_voice(vectors: Sequence[np.ndarray]) -> np.ndarray:
    """The unit-length mean of embeddings: one voice's profile."""
    total = np.sum(np.asarray(vectors, dtype=np.float64), axis=0)
    norm = np.linalg.norm(total)
    return total / norm if norm else total
