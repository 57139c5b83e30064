"""Corrections survive re-transcription (`speechsearch index --force`, another model or
engine): the archivists' corrected passages are kept in the new transcript, matched by time,
in place of the new passages they overlap; the rest is the new machine transcript.
`--discard-corrections` starts afresh instead. Either way it is a revision ("retranscribe"),
so the transcript before it can be restored with `speechsearch revert`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

from .. import reindex_journal
from ..config import Settings
from ..index_writer import writer_turn
from ..records import CorrectedLayer, Segment, Transcript
from ..store import TranscriptNotFound, load_transcript, save_transcript
from .commit import utc_now
from .store import Revision, RevisionStore

logger = logging.getLogger(__name__)
# A new passage gives way to the corrected ones when they cover more than this share of it:
# Whisper's passage boundaries move between models, and a passage mostly outside the corrected
# span holds words that no correction covers.
COVERED = 0.5


@dataclass(frozen=True)
class Carried:
    transcript: Transcript
    kept: int  # corrected passages kept
    note: str  # what the index command says about them ("" if there were none)


def merge_by_time(corrected: list[Segment], fresh: list[Segment]) -> list[Segment]:
    """The corrected passages, and the fresh passages they do not mostly cover, in order."""
    def covered(segment: Segment) -> bool:
        shared = sum(max(0.0, min(segment.end, c.end) - max(segment.start, c.start))
                     for c in corrected)
        return shared > COVERED * max(segment.end - segment.start, 1e-6)

    kept = [s for s in fresh if not covered(s)]
    return sorted([*corrected, *kept], key=lambda s: (s.start, s.end))


def carry_corrections(settings: Settings, old: Transcript, new: Transcript,
                      discard: bool = False) -> Carried:
    """Save `new`, the re-transcription of `old`, with old's corrections kept (unless
    `discard`) as a new revision; a transcript never corrected is saved as it is."""
    store = RevisionStore(settings.data_dir, new.video_id)
    with writer_turn(settings.data_dir):
        # Read again in the turn: an archivist may have saved while this was transcribed.
        try:
            old = load_transcript(settings.transcripts_dir, old.video_id)
        except TranscriptNotFound:  # removed meanwhile: what was read at the start is kept
            pass
        corrected = [s for s in old.reading() if s.corrected] \
            if old.corrected is not None and old.corrected.base == new.base_layer else []
        if not store.revisions() and not corrected:
            save_transcript(settings.transcripts_dir, new)
            return Carried(new, 0, "")
        now = utc_now()
        store.ensure_origin(old, now)
        segments = new.uncorrected() if discard else merge_by_time(corrected,
                                                                   new.uncorrected())
        number = store.head() + 1
        message = (f"transcribed again ({new.engine}, {new.model}): " +
                   ("corrections discarded" if discard else
                    f"{len(corrected)} corrected passage(s) kept"))
        entry = Revision(number, "retranscribe", "speechsearch", now, message, new.base_layer,
                         len(segments), None)
        store.write_snapshot(number, new.base_layer, segments)
        saved = replace(new, revision=number,
                        corrected=CorrectedLayer(new.base_layer, segments))
        # The index commit comes after (the pipeline's, or a job's group commit); a crash
        # before the history entry is recorded is finished at the next start.
        reindex_journal.mark(settings.data_dir, new.video_id, entry.to_dict())
        save_transcript(settings.transcripts_dir, saved)
        store.append(entry)
    kept = 0 if discard else len(corrected)
    note = (f"{len(corrected)} corrected passage(s) discarded (revision {number}; "
            f"`speechsearch revert {new.video_id} {number - 1}` brings them back)" if discard
            else f"{kept} corrected passage(s) kept (revision {number})")
    logger.info("%s: %s", new.video_id, note)
    return Carried(saved, kept, note)
