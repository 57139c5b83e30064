"""Transcript exports: SubRip, WebVTT, plain text with timestamps, and the full JSON.

The subtitles and the text are the passages read on the player (`Transcript.reading()`): the
official text's words where one is attached. The JSON is the whole record, both layers. Where
the voices were told apart (`Transcript.speakers`), each cue says who speaks: WebVTT's voice
span `<v Name>`, "Name: " in SRT and text; RTTM is who speaks when, for diarization tools.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from .records import Segment, Transcript
from .speakers import rttm

FORMATS = ("srt", "vtt", "txt", "json", "rttm")
MEDIA_TYPES = {"srt": "application/x-subrip", "vtt": "text/vtt", "txt": "text/plain",
               "json": "application/json", "rttm": "text/plain"}


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


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _voices(transcript: Transcript, form: Callable[[str, str], str],
            clean: Callable[[str], str] = _cue_text) -> Callable[[Segment], str]:
    """A passage's text with its speaker's name as `form(name, text)` makes it, where the
    voices were told apart; the bare text where they were not."""
    if not transcript.speakers:
        return lambda segment: clean(segment.text)
    labels = transcript.speaker_labels()
    return lambda segment: form(clean(labels.get(segment.speaker, "")), clean(segment.text))


def _named(name: str, text: str) -> str:
    return f"{name}: {text}" if name else text


def _vtt_voice(name: str, text: str) -> str:
    # The voice span's annotation ends at ">": the name is escaped like cue text.
    name = name.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return f"<v {name}>{text}" if name else text


def to_srt(transcript: Transcript) -> str:
    said = _voices(transcript, _named)
    cues = [f"{n}\n{timestamp(s.start, ',')} --> {timestamp(s.end, ',')}\n{said(s)}\n"
            for n, s in enumerate(transcript.reading(), start=1)]
    return "\n".join(cues)


def to_vtt(transcript: Transcript) -> str:
    said = _voices(transcript, _vtt_voice)
    cues = [f"{timestamp(s.start)} --> {timestamp(s.end)}\n{said(s)}\n"
            for s in transcript.reading()]
    return "WEBVTT\n\n" + "\n".join(cues)


def to_rttm(transcript: Transcript) -> str:
    """Who speaks when: one line per turn, the speaker's name (or "Speaker N"; the metadata
    speaker where voices were not separated)."""
    labels = transcript.speaker_labels()
    turns = [(start, end, labels.get(who, "") or who or "unknown")
             for start, end, who in rttm.speaker_turns(transcript.reading())]
    return rttm.to_rttm(transcript.video_id, turns)


def to_txt(transcript: Transcript) -> str:
    meta = transcript.metadata
    header = [meta.title or transcript.video_id]
    header += [part for part in (meta.date, meta.speaker, meta.event) if part]
    lines = [" · ".join(header), ""]
    said = _voices(transcript, _named, _one_line)
    lines += [f"[{clock(s.start)}] {said(s)}" for s in transcript.reading()]
    return "\n".join(lines) + "\n"


def public_dict(transcript: Transcript) -> dict:
    """The transcript as given out (JSON export, API): without the speakers' voice
    embeddings, which identify a person's voice (biometric data); the data dir keeps them."""
    data = transcript.to_dict()
    for speaker in data.get("speakers", []):
        speaker.pop("voice", None)
    return data


def to_json(transcript: Transcript) -> str:
    return json.dumps(public_dict(transcript), ensure_ascii=False, indent=1) + "\n"


def export(transcript: Transcript, fmt: str) -> str:
    exporters = {"srt": to_srt, "vtt": to_vtt, "txt": to_txt, "json": to_json, "rttm": to_rttm}
    if fmt not in exporters:
        raise ValueError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
    return exporters[fmt](transcript)
