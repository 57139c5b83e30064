"""Typed records passed between the pipeline stages.

decode -> MediaInfo + audio; transcribe -> list[Segment]; language and entities fill in
Segment fields; store writes a Transcript as JSON; the index reads Transcripts.

Transcript JSON schema versions (`schema` in the file; docs/transcript-format.md):
- 1: the machine transcript alone (`segments`).
- 2: adds `official`, the official text's layer when one is attached (else null), and each
  segment's `source` ("asr" or "official"). A version 1 file loads as version 2 without an
  official text: every segment "asr".
- 3: adds `speakers`, the voices told apart in the recording ({id, name, profile, score,
  confirmed, voice}), and each segment's `speaker` (an id among them, "" when voices were not
  separated); and the archivists' corrections (indexer/corrections/): `revision`, the number
  of the reading layer's revision this file holds (0: as the machine or the official text made
  it), `corrected`, the corrected reading layer (else null), and each segment's `corrected`,
  when an archivist last changed it. All optional: a version 1 or 2 file loads with no
  speakers (the metadata speaker labels its passages) and no corrections.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any

SCHEMA_VERSION = 3
SOURCES = ("official", "asr")  # where a passage's words come from


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
    # "asr": Whisper's words; "official": the official text's words, with their aligned times
    source: str = "asr"
    speaker: str = ""  # a Speaker.id of the transcript; "" when the voices are not separated
    # When an archivist last corrected this passage (ISO 8601), "" if never (schema 3)
    corrected: str = ""

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
class Speaker:
    """A voice told apart in one recording (indexer/speakers/).

    `id` is the transcript's own ("S1", "S2"... in order of first speech); `name` is what an
    archivist or a matching voice profile called it ("" until then: the label is "Speaker N");
    `profile` the voice profile it was matched or named to; `score` that match's cosine
    similarity (1.0 when an archivist named or confirmed it); `voice` the mean embedding of
    its speech (unit length), which profiles are built from.
    """

    id: str
    name: str = ""
    profile: str = ""
    score: float = 0.0
    confirmed: bool = False
    voice: list[float] = field(default_factory=list)

    def label(self, number: int) -> str:
        return self.name or f"Speaker {number}"


@dataclass
class OfficialWord:
    """A word of the official text with its time in the recording."""

    word: str  # as written, punctuation attached
    start: float
    end: float
    confidence: float  # 0..1: how surely the audio says this word here (forced alignment)
    status: str  # "matched", "substituted" (heard otherwise) or "interpolated" (not heard)
    paragraph: int  # index into OfficialLayer.paragraphs
    heard: str = ""  # what Whisper heard in its place


@dataclass
class Departure:
    """Where the delivered speech departed from the official text (check against delivery)."""

    kind: str  # "omitted" (in the text, not said), "added" (said, not in the text), "changed"
    start: float
    end: float
    official: str  # the official words ("" for added)
    said: str  # the words heard ("" for omitted)

    def __post_init__(self) -> None:  # numpy floats from the aligner become JSON's own
        self.start, self.end = round(float(self.start), 3), round(float(self.end), 3)

    def to_dict(self) -> dict[str, Any]:
        """{"kind", "start", "end", "official", "said"}: the CLI's and the API's shape."""
        return asdict(self)


@dataclass
class OfficialLayer:
    """The official text attached to a video, aligned word by word to its audio.

    `segments` are what is read, searched and exported: the official words in passages, and
    the machine transcript's own where the text does not cover the audio (questions, ad-libs),
    in time order. The machine transcript (`Transcript.segments`) is kept as it was.
    """

    source: str  # the file name it was read from
    format: str  # "text", "html", "srt", "vtt" or "pdf"
    attached: str  # ISO time
    language: str
    coverage: float  # share of the official words the machine transcript heard the same
    paragraphs: list[str]
    words: list[OfficialWord]
    departures: list[Departure]
    segments: list[Segment]
    title: str = ""
    sha256: str = ""  # of the text's paragraphs: the same text attached again is recognised

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> OfficialLayer:
        data = dict(data)
        data["words"] = [OfficialWord(**w) for w in data["words"]]
        data["departures"] = [Departure(**d) for d in data["departures"]]
        data["segments"] = [Segment.from_dict(s) for s in data["segments"]]
        return cls(**data)


@dataclass
class CorrectedLayer:
    """The reading layer as archivists corrected it (schema 3): it replaces the layer it was
    made from, `base` ("asr": the machine transcript's passages, "official": the official
    text's), while that layer is the one read. Every change is a revision in the revision store
    (indexer/corrections/store.py); the machine transcript and the official layer are kept."""

    base: str
    segments: list[Segment]

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CorrectedLayer:
        return cls(base=data["base"], segments=[Segment.from_dict(s) for s in data["segments"]])


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
    official: OfficialLayer | None = None
    speakers: list[Speaker] = field(default_factory=list)
    revision: int = 0  # the revision of the reading layer held here (schema 3)
    corrected: CorrectedLayer | None = None  # the archivists' corrections (schema 3)

    @property
    def duration(self) -> float:
        return self.media.duration

    @property
    def base_layer(self) -> str:
        """Which layer the corrections apply to: "official" with a text attached, else "asr"."""
        return "official" if self.official else "asr"

    def uncorrected(self) -> list[Segment]:
        """The reading layer before any correction: the official layer's passages where a
        text is attached, else the machine transcript's."""
        return self.official.segments if self.official else self.segments

    def with_metadata(self, metadata: Metadata) -> Transcript:
        """This transcript with new metadata. The voice that bore the metadata speaker's name
        unconfirmed (given at diarization, no profile) follows a change of that name, or the
        main voice takes it (`name_main_voice`), so that the video's passages are found under
        the speaker its metadata now gives."""
        old, new = self.metadata.speaker, metadata.speaker
        speakers = [replace(s) for s in self.speakers]
        if old != new:
            for speaker in speakers:
                if old and speaker.name == old and not speaker.confirmed and not speaker.profile:
                    speaker.name = ""
            name_main_voice(speakers, self.reading(), new)
        return replace(self, metadata=metadata, speakers=speakers)

    def speaker_labels(self) -> dict[str, str]:
        """Each speaker id's label; "" (voices not separated) is the metadata speaker."""
        labels = {speaker.id: speaker.label(number)
                  for number, speaker in enumerate(self.speakers, 1)}
        labels[""] = self.metadata.speaker
        return labels

    def speaker_label(self, segment: Segment) -> str:
        return self.speaker_labels().get(segment.speaker, self.metadata.speaker)

    def reading(self) -> list[Segment]:
        """The passages to show, search and export: the corrected ones when archivists
        corrected the layer that is read, else that layer (`uncorrected`)."""
        if self.corrected is not None and self.corrected.base == self.base_layer:
            return self.corrected.segments
        return self.uncorrected()

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
        official = data.get("official")
        data["official"] = OfficialLayer.from_dict(official) if official else None
        data["speakers"] = [Speaker(**item) for item in data.get("speakers", [])]
        corrected = data.get("corrected")
        data["corrected"] = CorrectedLayer.from_dict(corrected) if corrected else None
        data["schema"] = SCHEMA_VERSION  # older versions read as the current one (docstring)
        return cls(**data)


def name_main_voice(speakers: list[Speaker], segments: list[Segment], name: str) -> None:
    """The metadata speaker is taken to be the voice heard longest (the one voice of a speech,
    the official of a press conference), unconfirmed (score 0) until an archivist says so."""
    if not name or not speakers or any(s.name == name for s in speakers):
        return
    spoken: dict[str, float] = {}
    for segment in segments:
        spoken[segment.speaker] = spoken.get(segment.speaker, 0.0) + segment.end - segment.start
    main = max(speakers, key=lambda speaker: spoken.get(speaker.id, 0.0))
    if not main.name:
        main.name = name
