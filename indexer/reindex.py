"""Rebuilding the index from the transcripts, which are the source of truth.

The new index is written beside the old one and swapped in by renames, in the index writer's
turn: searches read the old index until the swap, and a crash part-way leaves the old index in
place (the half-built one is removed by the next rebuild).
"""

from __future__ import annotations

import logging
import shutil

from .config import Settings
from .gazetteer import Gazetteer
from .index_writer import IndexWriter
from .store import iter_video_ids, load_transcript

logger = logging.getLogger(__name__)
BATCH = 200  # transcripts per Whoosh commit: memory stays bounded on a large archive


def rebuild_index(settings: Settings, gazetteer: Gazetteer) -> int:
    """Index every transcript afresh; returns how many were indexed."""
    live = settings.index_dir
    fresh = live.with_name(live.name + ".rebuilding")
    old = live.with_name(live.name + ".old")
    writer = IndexWriter(settings, gazetteer)
    with writer.turn():
        for leftover in (fresh, old):  # a rebuild that died part-way
            shutil.rmtree(leftover, ignore_errors=True)
        staging = IndexWriter(settings, gazetteer, index_dir=fresh)
        batch, count = [], 0
        for video_id in iter_video_ids(settings.transcripts_dir):
            batch.append(load_transcript(settings.transcripts_dir, video_id))
            if len(batch) == BATCH:
                staging.add(batch)
                count, batch = count + len(batch), []
        staging.add(batch)  # creates the index even when there is no transcript
        count += len(batch)
        if live.exists():
            live.rename(old)
        fresh.rename(live)
        shutil.rmtree(old, ignore_errors=True)
    logger.info("rebuilt %s from %d transcript(s)", live, count)
    return count

