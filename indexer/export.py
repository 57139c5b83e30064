"""Transcript exports: SubRip, WebVTT, plain text with timestamps, and the full JSON.

The subtitles and the text are the passages read on the player (`Transcript.reading()`): the
official text's words where one is attached. The JSON is the whole record, both layers.
"""

from __future__ import annotations

import json

from .records import Transcript

FORMATS = ("srt", "vtt", "txt", "json")
MEDIA_TYPES = {"srt": "application/x-subrip", "vtt": "text/vtt", "txt": "text/plain",
               "json": "application/json"}


def timestamp(seconds: float, separator: str = ".", always_hours: bool = True) -> str:
    """12.5 -> '00:00:12.500' (SRT uses ',' as separator)."""
    millis = max(0, round(seconds * 1000))
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    head = f"{hours:02d}:" if always_hours or hours else ""
    return f"{head}{minutes:02d}:{secs:02d}{separator}{millis:03d}"


def clock(seconds: float) -> str:
    """Human time for listings: m:ss, or h:mm:ss past an hour."""
    whole = max(0, int(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def _cue_text(text: str) -> str:
    # A blank line ends a cue in SRT and VTT; "-->" would start a bogus timing line.
    return " ".join(text.split()).replace("-->", "->")


def to_srt(transcript: Transcript) -> str:
    cues = [f"{n}\n{timestamp(s.start, ',')} --> {timestamp(s.end, ',')}\n{_cue_text(s.text)}\n"
            for n, s in enumerate(transcript.reading(), start=1)]
    return "\n".join(cues)


def to_vtt(transcript: Transcript) -> str:
    cues = [f"{timestamp(s.start)} --> {timestamp(s.end)}\n{_cue_text(s.text)}\n"
            for s in transcript.reading()]
    return "WEBVTT\n\n" + "\n".join(cues)


def to_txt(transcript: Transcript) -> str:
    meta = transcript.metadata
    header = [meta.title or transcript.video_id]
    header += [part for part in (meta.date, meta.speaker, meta.event) if part]
    lines = [" · ".join(header), ""]
    lines += [f"[{clock(s.start)}] {' '.join(s.text.split())}" for s in transcript.reading()]
    return "\n".join(lines) + "\n"


def to_json(transcript: Transcript) -> str:
    return json.dumps(transcript.to_dict(), ensure_ascii=False, indent=1) + "\n"


def export(transcript: Transcript, fmt: str) -> str:
    exporters = {"srt": to_srt, "vtt": to_vtt, "txt": to_txt, "json": to_json}
    if fmt not in exporters:
        raise ValueError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
    return exporters[fmt](transcript)
