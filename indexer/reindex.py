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

from .config import Settings
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
