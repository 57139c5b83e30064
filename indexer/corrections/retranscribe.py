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


def voiced(corrected: list[Segment], fresh: list[Segment], speakers: set[str]
           ) -> list[Segment]:
    """The corrected passages, each said by one of `speakers` (the new transcript's voice
    ids): a passage keeps its speaker if the voice is still there (an archivist's choice
    included), else it takes the speaker of the fresh passages it overlaps most (the voices
    were told apart anew, or for the first time); "" when there are no voices."""
    result = []
    for segment in corrected:
        if segment.speaker not in speakers:
            heard: dict[str, float] = {}
            for other in fresh:
                shared = min(segment.end, other.end) - max(segment.start, other.start)
                if shared > 0:
                    heard[other.speaker] = heard.get(other.speaker, 0.0) + shared
            speaker = max(heard, key=heard.__getitem__) if heard and speakers else ""
            segment = replace(segment, speaker=speaker)
        result.append(segment)
    return result


def carry_layer(corrected: list[Segment], fresh: list[Segment], speakers: set[str]
                ) -> list[Segment]:
    """A new reading layer: the corrected passages (voiced) in place of the fresh passages
    they mostly cover. Re-transcription and re-diarization (speakers/diarize.py) both."""
    return merge_by_time(voiced(corrected, fresh, speakers), fresh)


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
        segments = new.uncorrected() if discard else carry_layer(
            corrected, new.uncorrected(), {speaker.id for speaker in new.speakers})
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
