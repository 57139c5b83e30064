"""Subtitles as anchors: an SRT/VTT text's words the machine transcript did not hear are placed
inside their own cue's times rather than spread over the gap between heard neighbours.

Stage 1 (`align.interpolate`) can only share a gap between anchors in proportion to word
lengths; a subtitle file says where each cue is spoken, which is better evidence, and the
forced alignment's windows are cut from these stage-1 times. Heard words keep their times:
the audio outranks a cue's (often approximate) times.
"""

from __future__ import annotations

from dataclasses import replace
from itertools import groupby

from .align import AlignedWord, Alignment
from .texts import OfficialText


def with_cue_times(alignment: Alignment, text: OfficialText) -> Alignment:
    """The alignment with each cue's unheard words spread over the cue's times (if any)."""
    cues = text.paragraphs
    if not any(cue.start is not None for cue in cues):
        return alignment
    words = list(alignment.words)
    for paragraph, group in groupby(range(len(words)), key=lambda i: words[i].paragraph):
        members = list(group)
        cue = cues[paragraph] if paragraph is not None and paragraph < len(cues) else None
        if cue is None or cue.start is None or cue.end is None:
            continue
        unheard = [i for i in members if words[i].status == "interpolated"]
        if not unheard:
            continue
        lengths = [max(len(words[i].text), 1) for i in members]
        total, done = sum(lengths), 0
        for index, length in zip(members, lengths):
            start = cue.start + (cue.end - cue.start) * done / total
            done += length
            if words[index].status == "interpolated":
                end = cue.start + (cue.end - cue.start) * done / total
                words[index] = replace(words[index], start=round(start, 3), end=round(end, 3))
    return replace(alignment, words=monotonic(words))


def monotonic(words: list[AlignedWord]) -> list[AlignedWord]:
    """Starts and ends never going back: a cue's times may disagree with heard neighbours."""
    result, previous_start, previous_end = [], 0.0, 0.0
    for word in words:
        start = max(word.start, previous_start)
        end = max(word.end, start, previous_end)
        result.append(replace(word, start=start, end=end))
        previous_start, previous_end = start, end
    return result
