"""The app's view of the data dir: transcripts, media files and the shared searcher.

Built once per app (`create_app`) and reused by every request; nothing from a request is ever
joined to a path: media are found through their transcript, by validated video id.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from indexer.config import Settings
from indexer.gazetteer import Gazetteer
from indexer.records import Transcript
from indexer.search_index import SegmentSearcher
from indexer.store import TranscriptNotFound, is_video_id, iter_video_ids, load_transcript

from .transcript_cache import SizedLRU, Stamp, stamp_of
from .video_summaries import SummaryStore, VideoSummary

logger = logging.getLogger(__name__)


DEFAULT_CACHE_BYTES = 256 * 1024 * 1024


class Archive:
    def __init__(self, settings: Settings, cache_bytes: int = DEFAULT_CACHE_BYTES):
        self.settings = settings
        self._transcripts_dir = str(settings.transcripts_dir)
        self.gazetteer = Gazetteer.load(settings.gazetteer_path)
        self.searcher = SegmentSearcher(settings.index_dir, self.gazetteer)
        # Parsed transcripts, bounded (TRANSCRIPT_CACHE_MB): the player, exports and the
        # quote finder read them again and again, but an archive of thousands of hours
        # does not fit in the server's memory.
        self._cache: SizedLRU[Transcript] = SizedLRU(cache_bytes)
        # What the listings show of each video: a few hundred bytes a video, kept for all of
        # them, so that the home page reads only the transcripts saved since it last looked.
        self._summaries = SummaryStore(settings.data_dir)

    def reload_gazetteer(self) -> None:
        """After the gazetteer changed (a name added from find and replace)."""
        gazetteer = Gazetteer.load(self.settings.gazetteer_path)
        self.searcher = SegmentSearcher(self.settings.index_dir, gazetteer)
        self.gazetteer = gazetteer

    def transcript(self, video_id: str) -> Transcript:
        """The transcript of an indexed video; TranscriptNotFound for anything else."""
        if not is_video_id(video_id):
            raise TranscriptNotFound(video_id)
        stamp = self._stamp(video_id)
        return self._cache.get_or_load(
            video_id, stamp, lambda: load_transcript(self.settings.transcripts_dir, video_id))

    def videos(self) -> list[VideoSummary]:
        """Every transcribed video, newest date first."""
        found = []
        for video_id in iter_video_ids(self.settings.transcripts_dir):
            try:
                found.append(self._summary(video_id))
            except (OSError, ValueError, KeyError) as exc:  # KeyError: TranscriptNotFound too
                logger.warning("skipping unreadable transcript %s: %s", video_id, exc)
        self._summaries.keep_only({v.video_id for v in found})
        self._summaries.save()
        return sorted(found, key=lambda v: (v.date, v.title), reverse=True)

    def _stamp(self, video_id: str) -> Stamp:
        # A string path: the listings stat every transcript, and pathlib's joins cost more.
        path = os.path.join(self._transcripts_dir, f"{video_id}.json")
        try:
            return stamp_of(os.stat(path))
        except FileNotFoundError:
            raise TranscriptNotFound(video_id) from None

    def _summary(self, video_id: str) -> VideoSummary:
        """A video's summary, read from its transcript only when the file changed. A
        transcript parsed for a listing is not cached: a walk over the whole archive would
        push out the ones readers are reading."""
        stamp = self._stamp(video_id)
        known = self._summaries.get(video_id, stamp)
        if known is not None:
            return known
        transcript = self._cache.get(video_id, stamp)
        if transcript is None:
            transcript = load_transcript(self.settings.transcripts_dir, video_id)
        summary = VideoSummary.of(transcript)
        self._summaries.put(stamp, summary)
        return summary

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
