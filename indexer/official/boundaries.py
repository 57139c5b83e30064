"""Where speech is, so that an aligned word never stretches over a pause (issue 15).

The forced alignment's DTW gives every audio frame to some token, pauses included: a word next
to a pause takes it, a second or more off on spontaneous speech. faster-whisper's bundled
Silero VAD (ONNX, v6) gives a speech probability every 32 ms; its runs are narrowed to where
the 10 ms frame level is above the room's floor (the VAD lags by 0.1-0.2 s at offsets), runs
less than `MIN_PAUSE` apart are one region (stop closures, breaths between syllables), and each
is widened by `EDGE_PAD`. `without_pauses` puts the regions end to end for the DTW, `Cut` maps
times between the two, and `snap` puts word edges near a region's edge on it. The VAD runs over
the whole recording in batches: 0.5 s for 223 s of audio on the 2 cores, about 5% of attaching.
"""

from __future__ import annotations

import bisect
import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from faster_whisper.vad import get_vad_model

from ..decode import SAMPLE_RATE

logger = logging.getLogger(__name__)

CHUNK = 512  # Silero's input size at 16 kHz: one probability per 32 ms
# A quiet filler ("euh") scores 0.2-0.6 where the VAD's default of 0.5 would drop it; silence
# between words scores under 0.2 on the corpus recordings (quiet room, -58 dB floor).
THRESHOLD = 0.3
FRAME = 160  # 10 ms
FLOOR_PERCENTILE = 10  # the room's noise: the quietest tenth of the frames
ONSET_DB = 10
SEARCH = 0.15  # how far from the VAD's edge the level's edge is looked for
MIN_PAUSE = 0.15  # shorter silences are inside the speech (stop closures), not pauses
EDGE_PAD = 0.03
MAJORITY = 0.75  # a word's part across a junction shorter than this share of its main part goes
SNAP = 0.3  # a word edge this close to a speech edge, with nothing between, is on it


@dataclass(frozen=True)
class Speech:
    """Speech regions of a recording, sorted and disjoint: (start, end) in seconds."""

    regions: list[tuple[float, float]]

    def __post_init__(self) -> None:
        object.__setattr__(self, "_starts", [start for start, _ in self.regions])

    def inside(self, start: float, end: float) -> tuple[float, float] | None:
        """The first speech onset and last offset within [start, end], or None if silent."""
        starts: list[float] = self._starts  # type: ignore[attr-defined]
        index = max(bisect.bisect_right(starts, start) - 1, 0)
        first = last = None
        for region_start, region_end in self.regions[index:]:
            if region_start >= end:
                break
            if region_end <= start:
                continue
            first = max(start, region_start) if first is None else first
            last = min(end, region_end)
        return None if first is None else (first, last)


def without_spans(speech: Speech, spans: Sequence[tuple[float, float]]) -> Speech:
    """The speech regions minus `spans` (sorted): audio no official word may take."""
    regions = list(speech.regions)
    for cut_start, cut_end in spans:
        kept: list[tuple[float, float]] = []
        for start, end in regions:
            if end <= cut_start or start >= cut_end:
                kept.append((start, end))
                continue
            if start < cut_start:
                kept.append((start, cut_start))
            if end > cut_end:
                kept.append((cut_end, end))
        regions = kept
    return Speech(regions)


def speech_probabilities(audio: np.ndarray) -> np.ndarray:
    """Silero's speech probability for each 32 ms chunk of the audio (16 kHz mono float32)."""
    if len(audio) == 0:
        return np.zeros(0, dtype=np.float32)
    padded = np.pad(audio.astype(np.float32), (0, (-len(audio)) % CHUNK))
    return np.asarray(get_vad_model()(padded), dtype=np.float32).reshape(-1)


def speech_regions(audio: np.ndarray, threshold: float = THRESHOLD) -> Speech:
    """The recording's speech regions (see the module's docstring)."""
    probabilities = speech_probabilities(audio)
    step = CHUNK / SAMPLE_RATE
    duration = len(audio) / SAMPLE_RATE
    flags = np.concatenate([[False], probabilities >= threshold, [False]])
    changes = np.flatnonzero(flags[1:] != flags[:-1])
    runs = [(start * step, stop * step) for start, stop in zip(changes[::2], changes[1::2])]
    runs = refined(runs, frame_levels(audio))
    merged: list[tuple[float, float]] = []
    for start, end in runs:
        if merged and start - merged[-1][1] < MIN_PAUSE:
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    padded: list[tuple[float, float]] = []
    for start, end in merged:
        start, end = max(0.0, start - EDGE_PAD), min(duration, end + EDGE_PAD)
        if padded and start <= padded[-1][1]:
            padded[-1] = (padded[-1][0], end)
        else:
            padded.append((start, end))
    logger.debug("%d speech regions over %.1f s", len(padded), duration)
    return Speech(padded)


@dataclass(frozen=True)
class Cut:
    """The audio with its pauses taken out, as pieces (original start, original end, cut start).

    The DTW can give a pause only to a neighbouring word; with the pauses cut out of the audio
    there is none to give, and the words on either side of a junction map back to either edge
    of the pause.
    """

    pieces: list[tuple[float, float, float]]

    def to_cut(self, time: float) -> float:
        """A recording time in the cut audio (a time in a pause: its junction)."""
        index = max(bisect.bisect_right([start for start, _, _ in self.pieces], time) - 1, 0)
        start, end, cut = self.pieces[index]
        return cut + min(max(time - start, 0.0), end - start)

    def spans(self, start: float, end: float) -> list[tuple[float, float]]:
        """The cut-audio span [start, end] as recording spans, one per piece it touches."""
        found = []
        for piece_start, piece_end, cut in self.pieces:
            length = piece_end - piece_start
            low, high = max(start, cut), min(end, cut + length)
            if high > low:
                found.append((piece_start + low - cut, piece_start + high - cut))
        if not found:  # zero-length: where it sits
            index = max(bisect.bisect_right([cut for _, _, cut in self.pieces], start) - 1, 0)
            piece_start, piece_end, cut = self.pieces[index]
            time = piece_start + min(max(start - cut, 0.0), piece_end - piece_start)
            found.append((time, time))
        return found

    def to_original(self, start: float, end: float) -> tuple[float, float]:
        """A word's cut-audio span in the recording: across a junction, the side that holds
        most of it (a sliver on the other side is DTW jitter, not the word)."""
        spans = self.spans(start, end)
        longest = max(high - low for low, high in spans)
        kept = [(low, high) for low, high in spans if high - low >= MAJORITY * longest]
        return kept[0][0], kept[-1][1]


def without_pauses(audio: np.ndarray, speech: Speech) -> tuple[np.ndarray, Cut]:
    """The audio of the speech regions only, end to end, and the map of the cut."""
    pieces, parts, cut = [], [], 0.0
    for start, end in speech.regions:
        first, stop = round(start * SAMPLE_RATE), round(end * SAMPLE_RATE)
        parts.append(audio[first:stop])
        pieces.append((first / SAMPLE_RATE, stop / SAMPLE_RATE, cut))
        cut += (stop - first) / SAMPLE_RATE
    return np.concatenate(parts).astype(np.float32), Cut(pieces)


def frame_levels(audio: np.ndarray) -> np.ndarray:
    """Level in dB of each 10 ms frame."""
    count = len(audio) // FRAME
    frames = audio[:count * FRAME].astype(np.float32).reshape(count, FRAME)
    return 10 * np.log10(np.mean(frames * frames, axis=1) + 1e-10)


def refined(runs: list[tuple[float, float]], levels: np.ndarray) -> list[tuple[float, float]]:
    """VAD runs narrowed to where the level is above the noise floor + ONSET_DB.

    Silero decides per 32 ms chunk and, being recurrent, lags: on the corpus its offsets fall
    0.1-0.2 s after the level has dropped to the floor. Within SEARCH of each edge, the frame
    level finds the edge to 10 ms where the room is quiet. Edges only move inwards, so that a
    noise floor misjudged (music, hiss) cannot add speech; with no loud frame near an edge
    (noise louder than the floor estimate everywhere, or none), the VAD's edge stays.
    """
    if len(levels) == 0:
        return runs
    loud = levels > np.percentile(levels, FLOOR_PERCENTILE) + ONSET_DB
    step = FRAME / SAMPLE_RATE
    reach = int(SEARCH / step)
    result = []
    for start, end in runs:
        low, high = int(start / step), min(int(np.ceil(end / step)), len(loud))
        head = np.flatnonzero(loud[low:min(low + reach, high)])
        tail = np.flatnonzero(loud[max(high - reach, low):high])
        new_start = (low + head[0]) * step if len(head) else start
        new_end = (max(high - reach, low) + tail[-1] + 1) * step if len(tail) else end
        result.append((new_start, new_end) if new_end > new_start else (start, end))
    return result


def snap(times: Sequence[tuple[float, float]], speech: Speech) -> list[tuple[float, float]]:
    """Word edges within SNAP of their speech region's edge moved onto it, where no other word
    lies between: the DTW over cut audio hands a region's first or last syllable to the word
    across the junction, and once that word is sent back to its side the syllable is nobody's.
    """
    result = list(times)
    regions = speech.regions
    starts = [start for start, _ in regions]
    for index, (start, end) in enumerate(times):
        if end <= start or not regions:
            continue
        region = regions[max(bisect.bisect_right(starts, start) - 1, 0)]
        previous = result[index - 1][1] if index else -1.0
        if region[0] <= start <= region[0] + SNAP and previous <= region[0]:
            start = region[0]
        region = regions[max(bisect.bisect_left(starts, end) - 1, 0)]
        following = times[index + 1][0] if index + 1 < len(times) else float("inf")
        if region[1] - SNAP <= end <= region[1] and following >= region[1]:
            end = region[1]
        result[index] = (start, end)
    return result
