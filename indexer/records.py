"""Typed records passed between the pipeline stages.

decode -> MediaInfo + audio; transcribe -> list[Segment]; language and entities fill in
Segment fields; store writes a Transcript as JSON; the index reads Transcripts.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

SCHEMA_VERSION = 1


@dataclass
class Word:
    start: float
    end: float
    word: str
    probability: float


@dataclass
class Entity:
    """A named entity found in a segment's text.

    `id` is canonical (``org:nato``, ``country:ru``, ``per:lavrov``): the same id whatever the
    language or alias it was said with. `start_char`/`end_char` index the segment text.
    """

    id: str
    label: str  # ORG, LOC, PER, MISC
    text: str
    start_char: int
    end_char: int
    source: str = "ner"  # "gazetteer" or "ner"


@dataclass
class Segment:
    start: float
    end: float
    text: str
    words: list[Word] = field(default_factory=list)
    language: str = ""
    language_probability: float = 0.0
    avg_logprob: float = 0.0
    no_speech_prob: float = 0.0
    entities: list[Entity] = field(default_factory=list)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Segment:
        data = dict(data)
        data["words"] = [Word(**w) for w in data.get("words", [])]
        data["entities"] = [Entity(**e) for e in data.get("entities", [])]
        return cls(**data)


@dataclass
class MediaInfo:
    """What decoding learned about a media file."""

    path: str
    sha256: str
    size: int
    container: str
    duration: float
    has_video: bool
    width: int | None = None
    height: int | None = None

    @property
    def video_id(self) -> str:
        # 16 hex digits of the content hash: stable across renames and machines.
        return self.sha256[:16]


@dataclass
class Metadata:
    title: str = ""
    date: str = ""  # ISO date, YYYY-MM-DD, or ""
    speaker: str = ""
    event: str = ""


@dataclass
class Transcript:
    video_id: str
    media: MediaInfo
    metadata: Metadata
    engine: str
    model: str
    language: str
    languages: list[str]
    segments: list[Segment]
    created: str
    schema: int = SCHEMA_VERSION

    @property
    def duration(self) -> float:
        return self.media.duration

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["duration"] = self.duration
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Transcript:
        data = dict(data)
        data.pop("duration", None)
        data["media"] = MediaInfo(**data["media"])
        data["metadata"] = Metadata(**data["metadata"])
        data["segments"] = [Segment.from_dict(s) for s in data["segments"]]
        return cls(**data)
