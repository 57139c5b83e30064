"""The revision store: every change of a video's reading layer, kept for good.

`<data-dir>/revisions/<video_id>/`:
- `history.json`: `{"video_id", "revisions": [entry, ...]}`, one entry per revision in order
  (`Revision`: number, kind, author, time, message, base, passages, reverts);
- `NNNN.json`: the reading layer of revision NNNN in full (`{"number", "base", "segments"}`),
  so that any revision is restored, and any two compared, without replaying the others.

Revision 0 is the layer as the machine (or the official text's alignment) made it, recorded
just before the first correction. Every file is written atomically; every write happens in
the index writer's turn (index_writer.writer_turn, a `flock` across processes), so two
processes never interleave their revisions. A snapshot is written before the transcript; its
history entry after it (the transcript's `revision` is the commit point): a crash in between
leaves an orphan snapshot that the next revision overwrites, or an entry that the start-up
repair adds from the pending re-index note (reindex.repair_pending).
"""

from __future__ import annotations

import json
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ..errors import UsageError
from ..index_writer import writer_turn
from ..records import Segment, Transcript
from ..store import is_video_id, write_json_atomic

REVISIONS_DIR = "revisions"
KINDS = ("machine", "edit", "revert", "replace", "retranscribe")


class RevisionNotFound(UsageError, KeyError):
    def __str__(self) -> str:
        return str(self.args[0])


@dataclass(frozen=True)
class Revision:
    number: int
    kind: str  # one of KINDS
    author: str  # the archivist's e-mail, "speechsearch" for the machine
    time: str  # ISO 8601, UTC
    message: str = ""
    base: str = "asr"  # the layer corrected: "asr" or "official"
    passages: int = 0  # how many passages it changed (0 for revision 0)
    reverts: int | None = None  # for a revert: the revision restored

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Revision:
        return cls(**data)


@dataclass(frozen=True)
class Snapshot:
    number: int
    base: str
    segments: list[Segment]


class RevisionStore:
    """The revisions of one video."""

    def __init__(self, data_dir: Path, video_id: str):
        if not is_video_id(video_id):
            raise RevisionNotFound(f"{video_id[:40]!r} is not a video id")
        self.data_dir = data_dir
        self.video_id = video_id
        self.folder = data_dir / REVISIONS_DIR / video_id

    @property
    def history_path(self) -> Path:
        return self.folder / "history.json"

    def snapshot_path(self, number: int) -> Path:
        return self.folder / f"{number:04d}.json"

    def revisions(self) -> list[Revision]:
        """Every revision, oldest first; [] for a video never corrected."""
        try:
            data = json.loads(self.history_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return []
        return [Revision.from_dict(entry) for entry in data["revisions"]]

    def head(self) -> int:
        """The newest revision's number (0 when there is none yet)."""
        found = self.revisions()
        return found[-1].number if found else 0

    def revision(self, number: int) -> Revision:
        for entry in self.revisions():
            if entry.number == number:
                return entry
        raise RevisionNotFound(f"video {self.video_id} has no revision {number}; "
                               f"`speechsearch history {self.video_id}` lists them")

    def snapshot(self, number: int) -> Snapshot:
        self.revision(number)  # only committed revisions are read
        data = json.loads(self.snapshot_path(number).read_text(encoding="utf-8"))
        return Snapshot(data["number"], data["base"],
                        [Segment.from_dict(s) for s in data["segments"]])

    def write_snapshot(self, number: int, base: str, segments: list[Segment]) -> None:
        with writer_turn(self.data_dir):
            write_json_atomic(self.snapshot_path(number), {
                "number": number, "base": base,
                "segments": [asdict(segment) for segment in segments]})

    def append(self, entry: Revision) -> None:
        """Record `entry` (its snapshot already written); recording it twice is a no-op."""
        with writer_turn(self.data_dir):
            found = self.revisions()
            if any(e.number == entry.number for e in found):
                return
            if entry.number != (found[-1].number + 1 if found else 0):
                raise ValueError(f"revision {entry.number} of {self.video_id} does not follow "
                                 f"{found[-1].number if found else 'nothing'}")
            write_json_atomic(self.history_path, {
                "video_id": self.video_id,
                "revisions": [e.to_dict() for e in [*found, entry]]})

    def ensure_origin(self, transcript: Transcript, time: str) -> None:
        """Record revision 0, the layer as it was made, before the first correction."""
        with writer_turn(self.data_dir):
            if self.revisions():
                return
            self.write_snapshot(0, transcript.base_layer, transcript.uncorrected())
            self.append(Revision(0, "machine", "speechsearch", time,
                                 message=("official text, as aligned" if transcript.official
                                          else f"machine transcript ({transcript.engine}, "
                                               f"{transcript.model})"),
                                 base=transcript.base_layer))

    def remove(self) -> None:
        """Forget the history of a video removed from the archive."""
        with writer_turn(self.data_dir):
            shutil.rmtree(self.folder, ignore_errors=True)
