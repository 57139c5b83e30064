"""The app's view of the data dir: transcripts, media files and the shared searcher.

Built once per app (`create_app`) and reused by every request; nothing from a request is ever
joined to a path: media are found through their transcript, by validated video id.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from indexer.config import Settings
from indexer.gazetteer import Gazetteer
from indexer.records import Transcript
from indexer.search_index import SegmentSearcher
from indexer.store import TranscriptNotFound, is_video_id, iter_video_ids, load_transcript

logger = logging.getLogger(__name__)


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


class Archive:
    def __init__(self, settings: Settings):
        self.settings = settings
        self.gazetteer = Gazetteer.load(settings.gazetteer_path)
        self.searcher = SegmentSearcher(settings.index_dir, self.gazetteer)
        self._lock = threading.Lock()
        self._cache: dict[str, tuple[float, Transcript]] = {}

    def reload_gazetteer(self) -> None:
        """After the gazetteer changed (a name added from find and replace)."""
        gazetteer = Gazetteer.load(self.settings.gazetteer_path)
        self.searcher = SegmentSearcher(self.settings.index_dir, gazetteer)
        self.gazetteer = gazetteer

    def transcript(self, video_id: str) -> Transcript:
        """The transcript of an indexed video; TranscriptNotFound for anything else."""
        if not is_video_id(video_id):
            raise TranscriptNotFound(video_id)
        path = self.settings.transcripts_dir / f"{video_id}.json"
        try:
            mtime = path.stat().st_mtime
        except FileNotFoundError:
            raise TranscriptNotFound(video_id) from None
        with self._lock:
            cached = self._cache.get(video_id)
        if cached and cached[0] == mtime:
            return cached[1]
        transcript = load_transcript(self.settings.transcripts_dir, video_id)
        with self._lock:
            self._cache[video_id] = (mtime, transcript)
        return transcript

    def videos(self) -> list[VideoSummary]:
        """Every transcribed video, newest date first."""
        found = []
        for video_id in iter_video_ids(self.settings.transcripts_dir):
            try:
                found.append(VideoSummary.of(self.transcript(video_id)))
            except (TranscriptNotFound, ValueError, KeyError) as exc:
                logger.warning("skipping unreadable transcript %s: %s", video_id, exc)
        return sorted(found, key=lambda v: (v.date, v.title), reverse=True)

    def media_path(self, video_id: str) -> Path:
        """The media file of an indexed video, if it is still where it was indexed."""
        path = Path(self.transcript(video_id).media.path)
        if not path.is_file():
            raise TranscriptNotFound(video_id)
        return path

    def entity_name(self, entity_id: str, language: str) -> str:
        """Canonical name in the UI language ("OTAN" in French, "NATO" in English)."""
        if entity_id in self.gazetteer.entries:
            return self.gazetteer.display_name(entity_id, language)
        # Found by spaCy alone: the id keeps the words ("per:angela-merkel").
        return entity_id.split(":", 1)[-1].replace("-", " ").title()
