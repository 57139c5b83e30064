"""What one Whoosh commit costs: the single index writer's capacity, for the workers section.

Every worker's transcripts reach the index through `commit_pending`, one process at a time
(indexer/jobs/runner.py), which calls `add_many(..., parallel=False)` through the index
writer. The cost of that call is measured here in-process on real transcripts, two ways: one
commit per job (no grouping, the worst case) and all of them in one commit (group commit), into
an index that already holds a synthetic archive (a commit merges Whoosh segments, so an empty
index would flatter it).
"""

from __future__ import annotations

import logging
import shutil
import statistics
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from indexer.gazetteer import Gazetteer
from indexer.records import Transcript
from indexer.search_index import add_many

logger = logging.getLogger(__name__)

SEED = 20240607


@dataclass
class CommitCost:
    archive_segments: int  # documents already in the index
    archive_hours: float
    jobs: int
    segments: int  # of the real transcripts
    audio_seconds: float
    single_seconds: list[float]  # median commit time of each transcript alone
    group_seconds: float  # median time of one commit of them all
    fixed_seconds: float  # least-squares fit of single commits: fixed + per_segment * segments
    per_segment_seconds: float

    @property
    def segments_per_audio_second(self) -> float:
        return self.segments / self.audio_seconds

    @property
    def capacity_single(self) -> float:
        """Audio seconds the writer indexes per wall second with one commit per job."""
        return self.audio_seconds / sum(self.single_seconds)

    @property
    def capacity_group(self) -> float:
        """The same, when all these jobs share one commit."""
        return self.audio_seconds / self.group_seconds

    @property
    def capacity_limit(self) -> float:
        """The writer's capacity when batches are large enough that a commit's fixed cost
        vanishes: only the per-segment cost remains."""
        return 1 / (self.segments_per_audio_second * self.per_segment_seconds)

    def as_dict(self) -> dict:
        return {**asdict(self), "segments_per_audio_second": self.segments_per_audio_second,
                "capacity_single": self.capacity_single, "capacity_group": self.capacity_group,
                "capacity_limit": self.capacity_limit}


def measure(transcripts: list[Transcript], gazetteer: Gazetteer, languages: tuple[str, ...],
            scratch: Path, archive_segments: int, rounds: int = 3) -> CommitCost:
    """Commit `transcripts` into an index holding `archive_segments` synthetic segments."""
    from bench.synthetic import ArchiveGenerator

    index_dir = scratch / "index"
    shutil.rmtree(index_dir, ignore_errors=True)
    archive = list(ArchiveGenerator(SEED).transcripts(archive_segments))
    add_many(index_dir, archive, gazetteer, languages)  # the archive: any speed will do
    hours = sum(t.duration for t in archive) / 3600
    del archive
    add_many(index_dir, transcripts[:1], gazetteer, languages, parallel=False)  # warm-up

    def timed(batch: list[Transcript]) -> float:
        began = time.perf_counter()
        add_many(index_dir, batch, gazetteer, languages, parallel=False)
        return time.perf_counter() - began

    # Rounds interleave singles and group so that the machine's load drifts over both alike;
    # re-indexing replaces a video's documents, so the index keeps the same size throughout.
    singles: list[list[float]] = [[] for _ in transcripts]
    groups = []
    for _ in range(rounds):
        for number, transcript in enumerate(transcripts):
            singles[number].append(timed([transcript]))
        groups.append(timed(transcripts))
    single = [statistics.median(times) for times in singles]
    sizes = [len(t.segments) for t in transcripts]
    per_segment, fixed = (np.polyfit(sizes, single, 1) if len(set(sizes)) > 1
                          else (single[0] / max(1, sizes[0]), 0.0))
    if per_segment <= 0:  # noise on a few similar sizes: the group's average bounds it
        per_segment, fixed = statistics.median(groups) / sum(sizes), 0.0
    cost = CommitCost(
        archive_segments=archive_segments, archive_hours=hours, jobs=len(transcripts),
        segments=sum(sizes), audio_seconds=sum(t.duration for t in transcripts),
        single_seconds=single, group_seconds=statistics.median(groups),
        fixed_seconds=float(fixed), per_segment_seconds=float(per_segment))
    logger.info("commit into %d segments: %.3f s per job alone, %.3f s for %d jobs in one",
                archive_segments, statistics.mean(single), cost.group_seconds, len(transcripts))
    return cost
