"""What the listings (home page, /api/videos) show of each video, kept apart from the
transcripts so that listing the archive does not parse it.

Each summary is kept with the `Stamp` (mtime, size, inode) of the transcript file it was read
from, and is used only while the file still has that stamp: a transcript saved again by the
indexer, a correction or a metadata edit is read afresh on the next listing. The summaries
are saved to `<data-dir>/video-summaries.json` (atomically), so that a restarted site does not
parse the whole archive for its first home page either. That file is a cache, never a source
of truth: every entry is checked against its transcript's stamp before use, so a file left by a
crash, by another process sharing the data dir, or from a copied data dir (new inodes) can
only cost a re-read, never show a stale title; an unreadable one is logged and rebuilt.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import asdict, dataclass
from pathlib import Path

from indexer.records import Transcript
from indexer.store import write_json_atomic

from .transcript_cache import Stamp

logger = logging.getLogger(__name__)
FILE_NAME = "video-summaries.json"
FORMAT = 1


@dataclass(frozen=True)
class VideoSummary:
    video_id: str
    title: str
    date: str
    speaker: str
    event: str
    duration: float
    language: str
    languages: list[str]
    has_video: bool

    @classmethod
    def of(cls, t: Transcript) -> VideoSummary:
        m = t.metadata
        return cls(t.video_id, m.title, m.date, m.speaker, m.event, t.duration, t.language,
                   t.languages, t.media.has_video)


class SummaryStore:
    def __init__(self, data_dir: Path):
        self.path = data_dir / FILE_NAME
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[Stamp, VideoSummary]] | None = None  # read on first use
        self._changed = False

    def get(self, video_id: str, stamp: Stamp) -> VideoSummary | None:
        with self._lock:
            entry = self._loaded().get(video_id)
        return entry[1] if entry and entry[0] == stamp else None

    def put(self, stamp: Stamp, summary: VideoSummary) -> None:
        with self._lock:
            self._loaded()[summary.video_id] = (stamp, summary)
            self._changed = True

    def keep_only(self, video_ids: set[str]) -> None:
        """Forget the videos removed from the archive."""
        with self._lock:
            entries = self._loaded()
            for gone in [v for v in entries if v not in video_ids]:
                del entries[gone]
                self._changed = True

    def __len__(self) -> int:
        with self._lock:
            return len(self._loaded())

    def save(self) -> None:
        """Write the summaries out if any changed since they were read or last written."""
        with self._lock:
            if not self._changed:
                return
            entries = self._loaded()
            data = {"format": FORMAT,
                    "videos": {v: {"stamp": list(stamp), "summary": asdict(summary)}
                               for v, (stamp, summary) in entries.items()}}
            self._changed = False
        try:
            write_json_atomic(self.path, data)
        except OSError as exc:  # a read-only data dir: the listing works, restarts re-read
            logger.warning("could not save the video summaries to %s: %s", self.path, exc)

    def _loaded(self) -> dict[str, tuple[Stamp, VideoSummary]]:
        if self._entries is None:
            self._entries = self._read()
        return self._entries

    def _read(self) -> dict[str, tuple[Stamp, VideoSummary]]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            if data.get("format") != FORMAT:
                raise ValueError(f"format {data.get('format')!r}, not {FORMAT}")
            return {video_id: (Stamp(*entry["stamp"]), VideoSummary(**entry["summary"]))
                    for video_id, entry in data["videos"].items()}
        except FileNotFoundError:
            return {}
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            logger.warning("ignoring the video summaries in %s (%s): they are read again from "
                           "the transcripts", self.path, exc)
            return {}
