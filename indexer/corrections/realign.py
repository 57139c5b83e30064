"""The follow-up of a correction: its changed words re-timed on the audio, its changed passages
tagged again for entities (issue 16). A save spreads new words over their passage's span at
once (edits.py), so that search shows the fix on the next query; the aligner (faster-whisper's
forced alignment, as for official texts) and spaCy are indexing work that a web request never
runs, so a job does this afterwards (jobs/realign_jobs.py), and the CLI in the foreground.

The result is a revision of its own ("realign", by speechsearch), saved on the revision it
refines: the history stays append-only (every snapshot is what was saved then, so a diff or a
revert never meets times that changed under it), the step can itself be reverted, and an
archivist who saved since wins: the revision check refuses the follow-up (ConflictError) and
the job leaves the video as the archivist left it.

A word is "changed" when no word of the previous revision had its text and times: unchanged
words keep their times, as the save promised. The changed words of a passage are forced through
the passage's audio together with the unchanged ones (so the decoder reads them in context),
and only the changed words take the new times, kept between their unchanged neighbours.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from ..config import Settings
from ..gazetteer import Gazetteer
from ..records import Segment, Word
from .commit import ConflictError, Saved, commit_layer
from .store import RevisionStore

logger = logging.getLogger(__name__)

LEAD_SECONDS = 0.3  # audio kept around a passage: Whisper's passage edges may be a little in
TAIL_SECONDS = 0.5
MAX_PASSAGE_SECONDS = 29.0  # one encoder window (30 s) with the lead and tail


@dataclass(frozen=True)
class Refined:
    saved: Saved | None  # None: nothing to re-time or re-tag, or a newer revision won
    passages: int  # passages re-timed or re-tagged
    words: int  # words re-timed
    reason: str = ""  # why nothing was saved


def word_key(word: Word) -> tuple[str, float, float]:
    return (word.word.strip(), round(word.start, 3), round(word.end, 3))


def changed_flags(previous: Sequence[Segment], segment: Segment) -> list[bool]:
    """For each word of `segment`, whether the previous revision had no such word."""
    before = {word_key(w) for s in previous for w in s.words}
    return [word_key(w) not in before for w in segment.words]


def is_retexted(previous: Sequence[Segment], segment: Segment) -> bool:
    """Whether the passage's text (or language) is new: its entities are tagged again."""
    return (segment.start, segment.end, segment.text, segment.language) not in {
        (s.start, s.end, s.text, s.language) for s in previous}


def realign_passage(segment: Segment, changed: list[bool], audio: np.ndarray, model,
                    language: str | None = None) -> Segment:
    """The passage with its changed words' times from the audio (16 kHz mono float32)."""
    from faster_whisper.tokenizer import Tokenizer

    from ..decode import SAMPLE_RATE
    from ..official.boundaries import Speech, snap, speech_regions, without_pauses
    from ..official.forced import Window, aligned_words, encode_window, with_first_merge

    if not any(changed) or segment.end - segment.start > MAX_PASSAGE_SECONDS:
        return segment
    spaced = any(w.word.startswith(" ") for w in segment.words)
    tokenizer = Tokenizer(with_first_merge(model.hf_tokenizer), model.model.is_multilingual,
                          task="transcribe", language=language or segment.language)
    # Whisper's pieces keep their own spacing ("-Russie" glued to " OTAN"); other words get
    # the leading space Whisper writes them with.
    word_tokens = [tokenizer.encode(w.word if spaced else " " + w.word.strip())
                   for w in segment.words]
    offset = max(0.0, segment.start - LEAD_SECONDS)
    clip = audio[int(offset * SAMPLE_RATE):
                 int(min(len(audio) / SAMPLE_RATE, segment.end + TAIL_SECONDS) * SAMPLE_RATE)]
    # As for official texts (forced.py): the DTW gives every frame to some word, so a pause
    # went to its neighbour (a name after a 1.2 s pause started at the pause's start); the
    # passage's pauses are taken out of its audio, and word edges snapped to speech edges.
    speech = speech_regions(clip)
    if not speech.regions:
        speech = Speech([(0.0, len(clip) / SAMPLE_RATE)])
    cut_clip, cut = without_pauses(clip, speech)
    window = Window(0.0, len(cut_clip) / SAMPLE_RATE, 0, len(segment.words))
    # The window is the whole cut clip, so the aligned times count from the clip's start.
    encoded, num_frames = encode_window(model, cut_clip, window)
    timed = aligned_words(model, tokenizer, encoded, num_frames, word_tokens)
    if not timed:
        logger.info("the aligner gave nothing for a passage at %.2f s: spread times kept",
                    segment.start)
        return segment
    spans = snap([cut.to_original(start, end) for start, end, _ in timed], speech)
    timed = [(offset + start, offset + end, 0.0) for start, end in spans]
    words = list(segment.words)
    for index, (word, (start, end, _)) in enumerate(zip(segment.words, timed)):
        if changed[index]:
            low, high = _room(segment, changed, index)
            start = min(max(start, low), high)
            words[index] = replace(word, start=round(start, 3),
                                   end=round(min(max(end, start), high), 3))
    return replace(segment, words=_in_order(words, changed))


def _room(segment: Segment, changed: list[bool], index: int) -> tuple[float, float]:
    """Where a changed word may go: after the unchanged word before it, before the next."""
    low = next((segment.words[i].end for i in range(index - 1, -1, -1) if not changed[i]),
               segment.start)
    high = next((segment.words[i].start for i in range(index + 1, len(changed))
                 if not changed[i]), segment.end)
    return low, max(low, high)


def _in_order(words: list[Word], changed: list[bool]) -> list[Word]:
    """Changed words' starts and ends non-decreasing (the aligner may cross two of them)."""
    result: list[Word] = []
    for word, moved in zip(words, changed):
        if moved and result:
            start = max(word.start, result[-1].start)
            word = replace(word, start=start, end=max(word.end, start))
        result.append(word)
    return result


def refine_revision(settings: Settings, gazetteer: Gazetteer, video_id: str, number: int,
                    model, tagger, audio: np.ndarray) -> Refined:
    """Revision `number` with its changed words re-timed (`model`: a faster-whisper
    WhisperModel, None to keep the spread times) and its new texts tagged by `tagger` (the
    pipeline's EntityTagger), saved as the next revision unless an archivist saved since."""
    store = RevisionStore(settings.data_dir, video_id)
    entry = store.revision(number)
    if number == 0 or entry.kind in ("machine", "realign"):
        return Refined(None, 0, 0, "nothing was corrected by hand in this revision")
    previous = store.snapshot(number - 1).segments
    segments = list(store.snapshot(number).segments)
    touched, moved = [], 0
    for index, segment in enumerate(segments):
        flags = changed_flags(previous, segment)
        retexted = is_retexted(previous, segment)
        if not (any(flags) or retexted):
            continue
        fresh = realign_passage(segment, flags, audio, model) if model is not None else segment
        moved += sum(a.start != b.start or a.end != b.end
                     for a, b in zip(fresh.words, segment.words))
        segments[index] = replace(fresh, entities=[])
        touched.append(index)
    if not touched:
        return Refined(None, 0, 0, "no passage of this revision has new words")
    tagger.tag([segments[i] for i in touched])
    try:
        saved = commit_layer(
            settings, gazetteer, video_id, lambda transcript, now: segments, base=number,
            author="speechsearch", kind="realign", yours=[f"re-timed revision {number}"],
            message=f"revision {number}: new words timed on the audio, names tagged again")
    except ConflictError as exc:
        logger.info("%s: revision %d was not refined, revision %d was saved since",
                    video_id, number, exc.newer.number)
        return Refined(None, 0, 0, f"revision {exc.newer.number} was saved since: it is kept")
    return Refined(saved, len(touched), moved)
