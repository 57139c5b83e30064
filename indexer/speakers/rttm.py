"""RTTM, the standard file of who speaks when (NIST's Rich Transcription Time Marked).

One line per turn: `SPEAKER <file> 1 <start> <duration> <NA> <NA> <speaker> <NA> <NA>`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from ..records import Segment

Turn = tuple[float, float, str]  # start, end (seconds), speaker
PAUSE = 0.5  # seconds: one speaker's passages closer than this are one turn


def to_rttm(file_id: str, turns: Iterable[Turn]) -> str:
    name = "_".join(file_id.split()) or "audio"  # fields are separated by spaces
    return "".join(f"SPEAKER {name} 1 {start:.3f} {end - start:.3f} <NA> <NA> "
                   f"{'_'.join(speaker.split()) or 'unknown'} <NA> <NA>\n"
                   for start, end, speaker in turns if end > start)


def read_rttm(path: Path) -> list[Turn]:
    turns = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        fields = line.split()
        if not fields or fields[0] != "SPEAKER":
            continue
        if len(fields) < 8:
            raise ValueError(f"{path}:{number}: an RTTM SPEAKER line has 10 fields")
        start, duration = float(fields[3]), float(fields[4])
        turns.append((start, start + duration, fields[7]))
    return turns


def speaker_turns(segments: Sequence[Segment]) -> list[Turn]:
    """(start, end, speaker id) of each turn: consecutive passages of one speaker joined,
    times from their words where they have them."""
    turns: list[tuple[float, float, str]] = []
    for segment in segments:
        start = segment.words[0].start if segment.words else segment.start
        end = segment.words[-1].end if segment.words else segment.end
        if turns and turns[-1][2] == segment.speaker and start - turns[-1][1] < PAUSE:
            turns[-1] = (turns[-1][0], max(turns[-1][1], end), segment.speaker)
        else:
            turns.append((start, end, segment.speaker))
    return turns
