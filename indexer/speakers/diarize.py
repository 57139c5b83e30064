"""Label a transcript's passages with who speaks them, splitting passages at speaker changes.

The speech regions are the transcript's own words (Whisper's word timestamps, merged across
short pauses), so an existing transcript can be diarized from its audio alone. Every word
takes the speaker of the voice window centred nearest to it; where two people speak at once
the window's embedding is dominated by the louder voice, and so is the word's label
(overlapping speech goes to the dominant speaker). A passage whose words change speaker is cut
there, so each passage has one speaker.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from ..corrections.retranscribe import carry_layer
from ..records import OfficialLayer, Segment, Speaker, Transcript, name_main_voice
from .clustering import cluster_voices
from .embedding import Window, embed_windows, mean_voice
from .profiles import MATCH_THRESHOLD, Profile, identify, similarity

logger = logging.getLogger(__name__)

PAUSE = 0.5  # seconds: words closer than this belong to one speech region


@dataclass
class Diarization:
    """Who speaks when, at the resolution of the voice windows."""

    windows: list[Window]
    labels: np.ndarray  # a speaker index per window
    speakers: list[Speaker]  # index i is labels == i

    def speaker_at(self, start: float, end: float) -> str:
        """The id of the speaker whose window is centred nearest the middle of [start, end]."""
        if not self.windows:
            return ""
        middle = (start + end) / 2
        centres = np.array([window.centre for window in self.windows])
        return self.speakers[int(self.labels[int(np.argmin(np.abs(centres - middle)))])].id


def speech_regions(segments: Sequence[Segment], pause: float = PAUSE
                   ) -> list[tuple[float, float]]:
    spans = sorted((w.start, w.end) for s in segments for w in s.words if w.end > w.start)
    if not spans:
        spans = sorted((s.start, s.end) for s in segments if s.end > s.start)
    regions: list[list[float]] = []
    for start, end in spans:
        if regions and start - regions[-1][1] < pause:
            regions[-1][1] = max(regions[-1][1], end)
        else:
            regions.append([start, end])
    return [(start, end) for start, end in regions]


class Diarizer:
    def __init__(self, speakers: int | None = None):
        self.speakers = speakers  # None: estimated

    def diarize(self, audio: np.ndarray, segments: Sequence[Segment]) -> Diarization:
        windows = embed_windows(audio, speech_regions(segments))
        if not windows:
            return Diarization([], np.zeros(0, dtype=int), [])
        embeddings = np.stack([window.embedding for window in windows])
        labels = cluster_voices(embeddings, self.speakers)
        speakers = [
            Speaker(id=f"S{index + 1}",
                    voice=[round(float(x), 5) for x in mean_voice(embeddings[labels == index])])
            for index in range(int(labels.max()) + 1)]
        logger.info("%d speaker(s) in %d voice windows", len(speakers), len(windows))
        return Diarization(windows, labels, speakers)


def split_by_speaker(segment: Segment, diarization: Diarization) -> list[Segment]:
    """The segment labelled with its speaker, or cut where its words change speaker."""
    if not segment.words:
        return [replace(segment, speaker=diarization.speaker_at(segment.start, segment.end))]
    labels = [diarization.speaker_at(word.start, word.end) for word in segment.words]
    offsets = _word_offsets(segment)
    if offsets is None:  # text and words disagree: keep it whole, with its main speaker
        main = max(set(labels), key=labels.count)
        return [replace(segment, speaker=main)]
    runs: list[tuple[int, int]] = []  # [first, last] word index of each speaker's run
    for index, label in enumerate(labels):
        if runs and labels[runs[-1][0]] == label:
            runs[-1] = (runs[-1][0], index)
        else:
            runs.append((index, index))
    if len(runs) == 1:
        return [replace(segment, speaker=labels[0])]
    parts = []
    for number, (first, last) in enumerate(runs):
        begin = offsets[first][0]
        finish = offsets[last][1] if number == len(runs) - 1 else offsets[last + 1][0]
        text = segment.text[begin:finish]
        lead = len(text) - len(text.lstrip())
        text = text.strip()
        begin += lead
        entities = [replace(entity, start_char=entity.start_char - begin,
                            end_char=entity.end_char - begin)
                    for entity in segment.entities
                    if begin <= entity.start_char and entity.end_char <= begin + len(text)]
        parts.append(replace(
            segment,
            start=segment.start if number == 0 else segment.words[first].start,
            end=segment.end if number == len(runs) - 1 else segment.words[last].end,
            text=text, words=list(segment.words[first:last + 1]),
            entities=entities, speaker=labels[first]))
    return parts



def _word_offsets(segment: Segment) -> list[tuple[int, int]] | None:
    """Each word's [start, end) in the segment text, or None if a word is not found in it."""
    offsets = []
    position = 0
    for word in segment.words:
        token = word.word.strip()
        found = segment.text.find(token, position) if token else position
        if found < 0:
            return None
        offsets.append((found, found + len(token)))
        position = found + len(token)
    return offsets


def apply_diarization(segments: Sequence[Segment], diarization: Diarization) -> list[Segment]:
    return [part for segment in segments for part in split_by_speaker(segment, diarization)]


def diarize_transcript(transcript: Transcript, audio: np.ndarray,
                       speakers: int | None = None,
                       profiles: Sequence[Profile] = ()) -> Transcript:
    """The transcript with speakers: its passages (and its official layer's) split and
    labelled. Names given to the speakers before (same ids) are kept; voices matching a
    profile are named after it (unconfirmed), then the metadata speaker names the main voice
    if no voice has that name."""
    diarization = Diarizer(speakers).diarize(audio, transcript.segments)
    _keep_voices(diarization.speakers, transcript.speakers)
    official = transcript.official
    if official:
        official = replace(official, segments=apply_diarization(official.segments, diarization))
    segments = apply_diarization(transcript.segments, diarization)
    found = identify(replace(transcript, speakers=diarization.speakers), profiles).speakers
    name_main_voice(found, official.segments if official else segments,
                     transcript.metadata.speaker)
    corrected = transcript.corrected
    if corrected is not None and corrected.base == transcript.base_layer:
        # The archivists' corrected passages are kept whole (their boundaries and any speaker
        # they chose, while that voice is still there), in place of the new passages they
        # cover, as a re-transcription keeps them; not a revision, like a metadata edit.
        fresh = official.segments if official else segments
        corrected = replace(corrected, segments=carry_layer(
            [s for s in corrected.segments if s.corrected], fresh, {s.id for s in found}))
    return replace(transcript, segments=segments, official=official, speakers=found,
                   corrected=corrected)


def _keep_voices(found: list[Speaker], before: Sequence[Speaker]) -> None:
    """Voices heard before keep their id (what passages, corrected ones included, refer to),
    name, profile and score; a new voice gets an id no earlier voice had."""
    kept: list[Speaker] = []
    for speaker in found:
        old = _same_voice(speaker, before)
        if old and old.id not in {k.id for k in kept}:
            speaker.id, speaker.name, speaker.profile = old.id, old.name, old.profile
            speaker.score, speaker.confirmed = old.score, old.confirmed
            kept.append(speaker)
    used = {old.id for old in before}
    number = 1
    for speaker in found:
        if any(speaker is k for k in kept):
            continue
        while f"S{number}" in used:
            number += 1
        speaker.id = f"S{number}"
        used.add(speaker.id)


def _same_voice(found: Speaker, before: Sequence[Speaker]) -> Speaker | None:
    """The speaker of an earlier diarization with this voice (a new run may number the
    voices otherwise): the most similar voice above the profiles' threshold, else the same
    id when the earlier one has no voice to compare."""
    scored = [(similarity(found.voice, old.voice), old) for old in before if old.voice]
    if scored:
        score, old = max(scored, key=lambda pair: pair[0])
        return old if score >= MATCH_THRESHOLD else None
    return next((old for old in before if old.id == found.id), None)


def speakers_of_words(segments: Sequence[Segment], speakers: Sequence[Speaker]) -> Diarization:
    """Who speaks when, read back from passages already labelled: each word is a "window"
    with its passage's speaker. Labels another layer of the same recording (an official text
    attached later) without computing voices again."""
    index = {speaker.id: number for number, speaker in enumerate(speakers)}
    windows, labels = [], []
    for segment in segments:
        if segment.speaker not in index:
            continue
        for word in segment.words or [segment]:
            windows.append(Window(word.start, word.end, np.zeros(0)))
            labels.append(index[segment.speaker])
    return Diarization(windows, np.array(labels, dtype=int), list(speakers))


def label_official(transcript: Transcript, layer: OfficialLayer) -> OfficialLayer:
    """The official layer's passages with the speakers of the machine transcript's words at
    the same times (cut where the speaker changes); as it is when voices were not separated."""
    if not transcript.speakers:
        return layer
    found = speakers_of_words(transcript.segments, transcript.speakers)
    return replace(layer, segments=apply_diarization(layer.segments, found))
