"""Saving corrections: each save is a revision, written with its transcript and re-indexed at
once, in the index writer's turn (IndexWriter.revise, which makes the pair crash-safe).

A save names the revision it was made on (`base`): if another archivist saved since, it is
refused with a ConflictError that shows both versions, and nothing is overwritten.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timezone

from ..config import Settings
from ..errors import UsageError
from ..gazetteer import Gazetteer
from ..index_writer import IndexWriter
from ..records import CorrectedLayer, Segment, Transcript
from ..store import load_transcript
from .edits import Edit, EditError, Limits, apply
from .store import Revision, RevisionNotFound, RevisionStore


class ConflictError(UsageError):
    """Someone saved a newer revision since the one this edit was made on."""

    def __init__(self, video_id: str, base: int, newer: Revision, theirs: list[str],
                 yours: list[str]):
        self.video_id, self.base, self.newer = video_id, base, newer
        self.theirs, self.yours = theirs, yours
        super().__init__(
            f"video {video_id} was changed since you opened it: revision {newer.number} was "
            f"saved by {newer.author} at {newer.time} (you edited revision {base}). Nothing "
            f"of yours was saved. Theirs now: {' | '.join(theirs) or '(unchanged passages)'}; "
            f"yours: {' | '.join(yours) or '-'}. Reload, and make your change again on theirs.")


@dataclass(frozen=True)
class Saved:
    revision: Revision
    transcript: Transcript


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def limits_of(settings: Settings, transcript: Transcript) -> Limits:
    labels = transcript.speaker_labels()
    return Limits(duration=transcript.duration, languages=settings.languages,
                  max_chars=settings.max_passage_chars,
                  speakers=tuple((s.id, labels[s.id]) for s in transcript.speakers))


def changed_passages(old: list[Segment], new: list[Segment]) -> int:
    def key(s: Segment) -> tuple:
        return round(s.start, 3), round(s.end, 3), s.text, s.language, s.speaker

    before = {key(s) for s in old}
    return sum(key(s) not in before for s in new) or int(len(old) != len(new))


def commit_layer(settings: Settings, gazetteer: Gazetteer, video_id: str,
                 make: Callable[[Transcript, str], list[Segment]], *, base: int | None,
                 author: str, message: str = "", kind: str = "edit",
                 reverts: int | None = None, now: str | None = None,
                 yours: list[str] | None = None) -> Saved:
    """The reading layer `make(transcript, now)` returns, saved as a new revision."""
    now = now or utc_now()
    writer = IndexWriter(settings, gazetteer)
    store = RevisionStore(settings.data_dir, video_id)
    with writer.turn():
        transcript = load_transcript(settings.transcripts_dir, video_id)
        if base is not None and base != transcript.revision:
            try:
                newer = store.revision(transcript.revision)
            except RevisionNotFound:  # a base from nowhere (a forged form): still a conflict
                newer = Revision(transcript.revision, "machine", "speechsearch",
                                 transcript.created)
            raise ConflictError(video_id, base, newer, _touched(transcript), yours or [])
        segments = make(transcript, now)
        store.ensure_origin(transcript, now)
        number = store.head() + 1
        entry = Revision(number, kind, author, now, " ".join(message.split())[:500],
                         transcript.base_layer, changed_passages(transcript.reading(), segments),
                         reverts)
        store.write_snapshot(number, transcript.base_layer, segments)
        revised = replace(transcript, revision=number,
                          corrected=CorrectedLayer(transcript.base_layer, segments))
        writer.revise(video_id, lambda _: revised, revision=entry.to_dict(),
                      after_save=lambda _: store.append(entry))
    return Saved(entry, revised)


def _touched(transcript: Transcript) -> list[str]:
    """The corrected passages as the other archivist left them (at most 20)."""
    return [s.text.strip() for s in transcript.reading() if s.corrected][:20]


def save_edits(settings: Settings, gazetteer: Gazetteer, video_id: str, edits: list[Edit], *,
               base: int | None, author: str, message: str = "", kind: str = "edit",
               now: str | None = None) -> Saved:
    """`edits` made one after the other on the reading layer, saved as one revision."""
    if not edits:
        raise EditError("nothing_to_save")

    def make(transcript: Transcript, when: str) -> list[Segment]:
        segments = transcript.reading()
        for edit in edits:
            segments = apply(segments, edit, limits_of(settings, transcript), when)
        return segments

    yours = [e.text or f"{e.operation} passage {e.passage}" for e in edits]
    return commit_layer(settings, gazetteer, video_id, make, base=base, author=author,
                        message=message, kind=kind, now=now, yours=yours)


def revert(settings: Settings, gazetteer: Gazetteer, video_id: str, number: int, *,
           author: str, message: str = "", base: int | None = None,
           now: str | None = None) -> Saved:
    """Revision `number` restored, as a new revision."""
    store = RevisionStore(settings.data_dir, video_id)

    def make(transcript: Transcript, when: str) -> list[Segment]:
        snapshot = store.snapshot(number)
        if snapshot.base != transcript.base_layer:
            raise EditError("other_layer", number=number, corrected=snapshot.base,
                            read=transcript.base_layer)
        return snapshot.segments

    return commit_layer(settings, gazetteer, video_id, make, base=base, author=author,
                        message=message or f"back to revision {number}", kind="revert",
                        reverts=number, now=now, yours=[f"revert to revision {number}"])
