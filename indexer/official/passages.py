"""The passages of a video with an official text: what is read, searched and exported.

Where the text covers the audio, its words, with their aligned times, are cut into passages
about as long as the machine transcript's segments (a paragraph ends one; a sentence end does
once it has MIN_WORDS words; MAX_WORDS or MAX_SECONDS always do), so that a search hit, a
subtitle cue or a citation is a sentence or two. Omitted passages (in the text, never said)
are left out: a hit must point at a moment where its words are heard; the delivery report
lists them. Added passages (said, not in the text: questions, ad-libs) come from the machine
transcript, cut at its own segment edges, so that they stay searchable. Passages are in time
order and never overlap; each says its `source`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..records import Segment, Transcript, Word
from .align import AlignedWord, Alignment, Span

MIN_WORDS = 12  # a sentence end closes a passage from this many words
MAX_WORDS = 45
MAX_SECONDS = 15.0
SENTENCE_END = (".", "?", "!", "…", ".»", "?»", "!»", ".\"", "?\"", "!\"")


@dataclass(frozen=True)
class _Heard:
    word: Word
    segment: Segment


def reading_passages(alignment: Alignment, transcript: Transcript) -> list[Segment]:
    """Official passages and the machine transcript's added ones, in time order."""
    added = added_passages(alignment.added_spans, transcript)
    breaks = sorted(passage.start for passage in added)
    omitted = {index for span in alignment.omitted_spans
               for index in range(span.first, span.stop)}
    official = official_passages(alignment.words, omitted, breaks, alignment.language)
    return sorted(official + added, key=lambda passage: (passage.start, passage.end))


def official_passages(words: Sequence[AlignedWord], omitted: set[int], breaks: Sequence[float],
                      language: str) -> list[Segment]:
    """The said official words cut into passages; `breaks` are times a passage may not span
    (where an added passage starts)."""
    passages: list[Segment] = []
    current: list[AlignedWord] = []
    pending = list(breaks)

    def close() -> None:
        if current:
            passages.append(official_passage(current, language))
            current.clear()

    previous: AlignedWord | None = None
    for index, word in enumerate(words):
        if index in omitted:
            close()
            previous = None
            continue
        while pending and pending[0] <= word.start:
            if previous is not None and pending[0] >= previous.start:
                close()
            pending.pop(0)
        if previous is not None and word.paragraph != previous.paragraph:
            close()
        current.append(word)
        previous = word
        if (len(current) >= MAX_WORDS or current[-1].end - current[0].start >= MAX_SECONDS
                or (len(current) >= MIN_WORDS and word.text.endswith(SENTENCE_END))):
            close()
    close()
    return passages


def official_passage(words: Sequence[AlignedWord], language: str) -> Segment:
    return Segment(
        start=words[0].start, end=max(words[-1].end, words[0].start),
        text=" ".join(word.text for word in words),
        words=[Word(word.start, word.end, " " + word.text, word.confidence) for word in words],
        language=language, language_probability=1.0,
        avg_logprob=0.0, no_speech_prob=0.0, source="official")


def added_passages(spans: Sequence[Span], transcript: Transcript) -> list[Segment]:
    """The machine transcript's words of the added spans, one passage per span and segment."""
    heard = [_Heard(word, segment) for segment in transcript.segments for word in segment.words]
    passages: list[Segment] = []
    for span in spans:
        group: list[_Heard] = []
        for item in heard[span.first:span.stop]:
            if group and item.segment is not group[0].segment:
                passages.append(added_passage(group))
                group = []
            group.append(item)
        if group:
            passages.append(added_passage(group))
    return passages


def added_passage(group: Sequence[_Heard]) -> Segment:
    segment = group[0].segment
    words = [item.word for item in group]
    return Segment(
        start=words[0].start, end=words[-1].end,
        text="".join(word.word for word in words).strip(), words=list(words),
        language=segment.language, language_probability=segment.language_probability,
        avg_logprob=segment.avg_logprob, no_speech_prob=segment.no_speech_prob, source="asr")
