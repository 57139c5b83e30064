"""Find and replace across the archive: every occurrence of a word or phrase in the reading
layers, previewed in context; the ones ticked are replaced, one revision per video, as one
batch that can be undone as a batch.

An occurrence is named by its key, `video_id:revision:passage:char`: the revision it was seen
in is the base of the save, so a video changed since the preview is refused (a conflict,
counted in the batch's `skipped`), never overwritten. A batch is recorded in
`<data-dir>/revisions/batches/<id>.json` after each video (atomically), so a batch run again
(a job requeued after a crash) goes on where it stopped.
"""

from __future__ import annotations

import json
import re
import secrets
import unicodedata
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from ..config import Settings
from ..errors import UsageError
from ..gazetteer import Gazetteer, GazetteerEntry
from ..records import Entity, Segment, Transcript
from ..store import (
    TranscriptNotFound,
    is_video_id,
    iter_video_ids,
    load_transcript,
    write_json_atomic,
)
from .commit import ConflictError, commit_layer, limits_of, revert, utc_now
from .edits import Edit, EditError, apply, word_groups
from .store import REVISIONS_DIR

BATCHES_DIR = "batches"
MAX_PHRASE_CHARS = 200
CONTEXT_CHARS = 60
BATCH_ID = re.compile(r"^[0-9]{8}T[0-9]{6}-[0-9a-f]{8}$")


@dataclass(frozen=True)
class Occurrence:
    video_id: str
    title: str
    revision: int
    passage: int
    start_char: int
    end_char: int
    before: str  # the passage's text before it (at most CONTEXT_CHARS)
    match: str
    after: str
    time: float  # where it is said (seconds): the play link's time

    @property
    def key(self) -> str:
        return f"{self.video_id}:{self.revision}:{self.passage}:{self.start_char}"


@dataclass
class Batch:
    id: str
    phrase: str
    replacement: str
    author: str
    time: str
    keys: list[str]
    videos: dict[str, int] = field(default_factory=dict)  # video id -> the revision it made
    skipped: dict[str, str] = field(default_factory=dict)  # video id -> why
    undone: dict[str, int] = field(default_factory=dict)  # video id -> the revert's revision

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def phrase_pattern(phrase: str) -> re.Pattern:
    """The phrase as whole words, any case, any spacing between its words."""
    cleaned = " ".join(phrase.split())
    if not cleaned:
        raise EditError("type the word or phrase to find")
    if len(cleaned) > MAX_PHRASE_CHARS or any(unicodedata.category(c) == "Cc" for c in cleaned):
        raise EditError(f"a phrase to find is plain text of at most {MAX_PHRASE_CHARS} "
                        "characters")
    words = r"\s+".join(re.escape(word) for word in cleaned.split())
    return re.compile(rf"(?<!\w){words}(?!\w)", re.IGNORECASE)


def _time_at(segment: Segment, char: int) -> float:
    """When the word at `char` of the passage's text is said (its typed tokens are its
    words' groups), else the passage's start."""
    token = len(segment.text[:char].split())
    groups = word_groups(segment.words)
    return groups[token][0].start if token < len(groups) else segment.start


def find(settings: Settings, phrase: str, limit: int = 500) -> list[Occurrence]:
    """Every occurrence in the archive's reading layers (the transcripts, not the index: the
    exact words), at most `limit`, by video then time."""
    pattern = phrase_pattern(phrase)
    found: list[Occurrence] = []
    for video_id in iter_video_ids(settings.transcripts_dir):
        try:
            transcript = load_transcript(settings.transcripts_dir, video_id)
        except (TranscriptNotFound, ValueError, KeyError, TypeError):
            continue  # removed meanwhile, or unreadable (reindex names those)
        for number, segment in enumerate(transcript.reading()):
            for match in pattern.finditer(segment.text):
                found.append(Occurrence(
                    video_id, transcript.metadata.title, transcript.revision, number,
                    match.start(), match.end(),
                    segment.text[max(0, match.start() - CONTEXT_CHARS):match.start()],
                    match.group(), segment.text[match.end():match.end() + CONTEXT_CHARS],
                    _time_at(segment, match.start())))
                if len(found) >= limit:
                    return found
    return found


def parse_keys(keys: list[str]) -> dict[str, tuple[int, list[tuple[int, int]]]]:
    """{video: (revision, [(passage, char), ...])} of occurrence keys; bad keys refused."""
    videos: dict[str, tuple[int, list[tuple[int, int]]]] = {}
    for key in keys:
        try:
            video_id, revision, passage, char = key.split(":")
            spot = (int(passage), int(char))
            if not is_video_id(video_id):
                raise ValueError(video_id)
        except ValueError:
            raise EditError(f"{key[:60]!r} is not an occurrence of the preview") from None
        seen = videos.setdefault(video_id, (int(revision), []))
        if seen[0] != int(revision):
            raise EditError(f"the occurrences of {video_id} come from two previews")
        seen[1].append(spot)
    return videos


def replaced_layer(settings: Settings, transcript: Transcript, pattern: re.Pattern,
                   replacement: str, spots: list[tuple[int, int]], now: str,
                   entity: GazetteerEntry | None = None) -> list[Segment]:
    """The reading layer with the occurrences at `spots` replaced (each still there); with
    `entity` (the replacement is a gazetteer name), each replacement tagged as it."""
    segments = transcript.reading()
    by_passage: dict[int, list[int]] = {}
    for passage, char in spots:
        by_passage.setdefault(passage, []).append(char)
    for passage, chars in by_passage.items():
        if not 0 <= passage < len(segments):
            raise EditError(f"passage {passage} is no longer there")
        text = segments[passage].text
        for char in sorted(set(chars), reverse=True):  # from the end: offsets stay true
            match = pattern.match(text, char)
            if match is None:
                raise EditError(f"passage {passage} changed since the preview")
            text = text[:char] + replacement + text[match.end():]
        segments = apply(segments, Edit("text", passage, text=text),
                         limits_of(settings, transcript), now)
        if entity is not None:
            segments[passage] = tagged(segments[passage], replacement, entity)
    return segments


def tagged(segment: Segment, name: str, entity: GazetteerEntry) -> Segment:
    """The passage with every `name` in it tagged as the gazetteer's `entity`."""
    have = {(e.start_char, e.id) for e in segment.entities}
    found = [Entity(entity.id, entity.label, match.group(), match.start(), match.end(),
                    "gazetteer")
             for match in phrase_pattern(name).finditer(segment.text)
             if (match.start(), entity.id) not in have]
    return replace(segment, entities=[*segment.entities, *found]) if found else segment


def batch_path(data_dir: Path, batch_id: str) -> Path:
    if not BATCH_ID.match(batch_id):
        raise UsageError(f"{batch_id[:40]!r} is not a batch id")
    return data_dir / REVISIONS_DIR / BATCHES_DIR / f"{batch_id}.json"


def new_batch(phrase: str, replacement: str, keys: list[str], author: str) -> Batch:
    phrase_pattern(phrase)  # refused before anything is queued
    replacement = " ".join(replacement.split())
    if not replacement or any(unicodedata.category(c) == "Cc" for c in replacement):
        raise EditError("type the replacement, as plain text")
    parse_keys(keys)
    if not keys:
        raise EditError("tick at least one occurrence to replace")
    now = utc_now()
    batch_id = now[:19].replace("-", "").replace(":", "") + "-" + secrets.token_hex(4)
    return Batch(batch_id, phrase, replacement, author, now, list(keys))


def save_batch(data_dir: Path, batch: Batch) -> None:
    write_json_atomic(batch_path(data_dir, batch.id), batch.to_dict())


def load_batch(data_dir: Path, batch_id: str) -> Batch:
    try:
        data = json.loads(batch_path(data_dir, batch_id).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"there is no replacement batch {batch_id}") from None
    return Batch(**data)


def run_batch(settings: Settings, gazetteer: Gazetteer, batch: Batch,
              progress: Callable[[int, int], None] | None = None) -> Batch:
    """Make the batch's replacements, one revision per video; videos already done (a batch
    run again) are skipped; a video changed since the preview is skipped with its reason."""
    pattern = phrase_pattern(batch.phrase)
    videos = parse_keys(batch.keys)
    known = gazetteer.lookup(batch.replacement)
    entity = gazetteer.entries[known] if known else None
    message = f"replace “{batch.phrase}” with “{batch.replacement}” (batch {batch.id})"
    for done, (video_id, (revision, spots)) in enumerate(videos.items(), start=1):
        if video_id not in batch.videos and video_id not in batch.skipped:
            try:
                saved = commit_layer(
                    settings, gazetteer, video_id,
                    lambda t, now, spots=spots: replaced_layer(
                        settings, t, pattern, batch.replacement, spots, now, entity),
                    base=revision, author=batch.author, message=message, kind="replace")
                batch.videos[video_id] = saved.revision.number
            except (ConflictError, EditError, TranscriptNotFound) as exc:
                batch.skipped[video_id] = str(exc)
            save_batch(settings.data_dir, batch)
        if progress:
            progress(done, len(videos))
    save_batch(settings.data_dir, batch)
    return batch


def undo_batch(settings: Settings, gazetteer: Gazetteer, batch_id: str, author: str) -> Batch:
    """Each video of the batch back to the revision before it (a revert, itself a revision);
    a video changed again since is left alone and named in `skipped`."""
    batch = load_batch(settings.data_dir, batch_id)
    for video_id, number in batch.videos.items():
        if video_id in batch.undone:
            continue
        try:
            saved = revert(settings, gazetteer, video_id, number - 1, author=author,
                           message=f"undo batch {batch.id}", base=number)
            batch.undone[video_id] = saved.revision.number
        except (ConflictError, EditError, TranscriptNotFound) as exc:
            batch.skipped[video_id] = f"not undone: {exc}"
        save_batch(settings.data_dir, batch)
    return batch
