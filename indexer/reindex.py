"""`speechsearch reindex`: the index made anew from the transcripts, the archive's source of
truth (store.py), in the index format of this version (search_index/opening.py).

For an index of an older format, which this version refuses to read, and for any index that
should be rebuilt. The new index replaces the old one in a single commit, in the index
writer's turn (index_writer.py): the site keeps answering from the old one until then, and
indexing jobs wait for their turn.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field

from . import reindex_journal
from .config import Settings
from .corrections.store import Revision, RevisionStore
from .gazetteer import Gazetteer
from .index_writer import IndexWriter
from .records import Transcript
from .search_index import needs_rebuild
from .store import TranscriptNotFound, iter_video_ids, load_transcript

logger = logging.getLogger(__name__)


@dataclass
class Rebuilt:
    videos: int = 0  # transcripts indexed
    segments: int = 0
    unreadable: list[str] = field(default_factory=list)  # video ids left out, logged


def _readable(settings: Settings, outcome: Rebuilt) -> Iterator[Transcript]:
    for video_id in iter_video_ids(settings.transcripts_dir):
        try:
            transcript = load_transcript(settings.transcripts_dir, video_id)
        except (TranscriptNotFound, ValueError, KeyError, TypeError) as exc:
            # One damaged file must not keep the whole archive unsearchable; it is named.
            logger.warning("left out of the index: transcript %s is unreadable: %s",
                           video_id, exc)
            outcome.unreadable.append(video_id)
            continue
        outcome.videos += 1
        yield transcript


def rebuild_index(settings: Settings, gazetteer: Gazetteer | None = None) -> Rebuilt:
    """Rebuild `settings.index_dir` from every transcript in `settings.transcripts_dir`, with
    the archive's languages; the counts of what went in, and the transcripts left out."""
    gazetteer = gazetteer or Gazetteer.load(settings.gazetteer_path)
    outcome = Rebuilt()
    outcome.segments = IndexWriter(settings, gazetteer).replace_all(_readable(settings, outcome))
    logger.info("index %s rebuilt: %d videos, %d segments", settings.index_dir,
                outcome.videos, outcome.segments)
    return outcome


def rebuild_if_older(settings: Settings, gazetteer: Gazetteer | None = None) -> Rebuilt | None:
    """After an upgrade that changed the index format, the index rebuilt from the transcripts
    (what `index` and `serve` do before anything else); None when it is of this format."""
    if not needs_rebuild(settings.index_dir):
        return None
    logger.warning("the index in %s is of an older format: rebuilding it from the transcripts "
                   "(nothing is transcribed again)", settings.index_dir)
    return rebuild_index(settings, gazetteer)


def repair_pending(settings: Settings, gazetteer: Gazetteer | None = None) -> list[str]:
    """Finish the transcript rewrites a crash left without their index commit
    (reindex_journal.py): each noted video re-indexed (or taken out of the index if its
    transcript is gone), its revision recorded if the transcript was saved with it. Returns
    the video ids repaired."""
    if not reindex_journal.pending(settings.data_dir):
        return []
    writer = IndexWriter(settings, gazetteer or Gazetteer.load(settings.gazetteer_path))
    repaired = []
    with writer.turn():  # a note of a process still at work is cleared before we get here
        for note in reindex_journal.pending(settings.data_dir):
            try:
                transcript = load_transcript(settings.transcripts_dir, note.video_id)
            except TranscriptNotFound:
                writer.remove(note.video_id)
            else:
                entry = Revision.from_dict(note.revision) if note.revision else None
                if entry is not None and transcript.revision == entry.number:
                    RevisionStore(settings.data_dir, note.video_id).append(entry)
                writer.add([transcript])
            reindex_journal.clear(settings.data_dir, note.video_id)
            logger.warning("video %s: finished re-indexing it after an interruption",
                           note.video_id)
            repaired.append(note.video_id)
    return repaired


def prepare_index(settings: Settings, gazetteer: Gazetteer | None = None) -> Rebuilt | None:
    """What every start does first (index, serve, worker, the corrections' commands): the
    index rebuilt if it is of an older format (rebuild_if_older), then the interrupted
    rewrites finished (repair_pending)."""
    gazetteer = gazetteer or Gazetteer.load(settings.gazetteer_path)
    rebuilt = rebuild_if_older(settings, gazetteer)
    repair_pending(settings, gazetteer)
    return rebuilt
