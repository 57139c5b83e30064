"""Align an official text's words to a machine transcript's words (issue 15, first stage).

The official text (a published statement, its words in reading order) and Whisper's words are
both reduced to comparison tokens (`normalise.tokens`), and a global edit-distance alignment of
the two token sequences (rapidfuzz's C Levenshtein: hour-long texts in well under a second)
gives anchors. Between two exact anchors, where the two sides differ, the few tokens left are
re-aligned by spelling similarity, so that a misheard word ("autant" for "OTAN") pairs with
what Whisper heard in its place, and a sentence the text has but nobody said pairs with nothing;
short clusters of pairs far off their neighbours' path are dropped as chance matches
(`pairing.py`).

Each official word then gets times: from the Whisper words it is aligned to ("matched" when
they are the same tokens, "substituted" otherwise), or spread over the gap between its
neighbours' anchors ("interpolated"). The text may cover only part of the recording (a
statement, then questions): Whisper words with no counterpart are "added" spans, not a failure.

Seam for the next stage: `Alignment.words` are anchors. The forced alignment (CTranslate2's
Whisper.align over ~30 s windows of audio) is to take the "matched" words as fixed points and
re-time the "substituted" and "interpolated" words between them (and may re-check the omitted
spans against the audio); nothing here touches audio.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace

import pycountry
from rapidfuzz import fuzz

from ..errors import ReasonedError
from ..language import DEFAULT_LANGUAGES, TEXT_FULL_WEIGHT_WORDS, best, text_probabilities
from ..records import Transcript, Word
from .normalise import tokens
from .pairing import pair_tokens

logger = logging.getLogger(__name__)

# A text of another speech still matches scattered common words ("de", "la"): a 17-word
# statement against the 34 s corpus recording has 29% of its words matched. Words matched in a
# run of ANCHOR_RUN tell the texts apart: measured with Whisper base, the right text has
# 0.79 (fr_readalong_ej, names Whisper mishears) to 1.0 (the fixtures) of its words in such
# runs, the texts of other French speeches 0.0.
ANCHOR_RUN = 3
MIN_ANCHORED = 0.3
MIN_SPAN_WORDS = 3  # shorter runs without a counterpart are mishearings, not omissions
# A short run of heard words nobody wrote, heard unsurely, is Whisper's garbling of written
# words said there ("munt et l" for "XXIe", spoken "vingt-et-unième", on the demo: mean
# probability 0.35), not an addition: real additions (ad-libs, questions) are sentences.
SHORT_ADDED_WORDS = 6
MIN_ADDED_PROBABILITY = 0.5
LANGUAGE_SAMPLE_WORDS = 1000  # langdetect needs no more to name a language
MIN_LANGUAGE_WORDS = TEXT_FULL_WEIGHT_WORDS  # the indexer trusts langdetect from this length
LANGUAGE_CONFIDENCE = 0.9  # below this, let the matching decide (MIN_ANCHORED)


class AlignmentError(ReasonedError):
    """The official text cannot be aligned to this recording (wrong text, wrong language).

    Its `kind`: "no words", "no heard words", "another speech" (`anchored`, `needed`: shares
    of the words) or "another language" (`text`: the text's language code, `spoken`: the
    recording's)."""


@dataclass(frozen=True)
class AlignedWord:
    text: str  # as written in the official text
    start: float
    end: float
    confidence: float  # 0..1: Whisper's probability, lowered by how unlike the heard word is
    status: str  # "matched", "substituted" or "interpolated"
    paragraph: int | None = None
    heard: str = ""  # the Whisper words it is aligned to ("" when interpolated)
    # Whisper's mean probability of those heard words (0 when interpolated): what the audio
    # gave its own reading, against which the forced probability of the written word is judged
    # (delivery.py).
    heard_probability: float = 0.0
    # The forced probability of the heard words in the official text's place, after the same
    # official words and on the same audio (forced.py; None: not asked): the audio's verdict
    # between the two readings, free of the context Whisper misheard before them.
    heard_in_context: float | None = None


@dataclass(frozen=True)
class Span:
    """A run of words: official words (said, omitted) or Whisper words (added), [first, stop)."""

    first: int
    stop: int
    start: float
    end: float
    text: str


@dataclass(frozen=True)
class Alignment:
    words: list[AlignedWord]
    coverage: float  # share of the official words matched exactly
    anchored: float  # share matched in runs of ANCHOR_RUN words or more (the refusal test)
    said_spans: list[Span]
    omitted_spans: list[Span]  # in the text, not heard (at least MIN_SPAN_WORDS words)
    added_spans: list[Span]  # heard, not in the text; indexes into the transcript's words
    language: str  # the official text's language


def align(official: Sequence[str], transcript: Transcript,
          paragraphs: Sequence[int] | None = None, *, min_anchored: float = MIN_ANCHORED,
          min_span_words: int = MIN_SPAN_WORDS,
          languages: Sequence[str] = DEFAULT_LANGUAGES) -> Alignment:
    """Align the official words (in reading order) to the transcript's words.

    `paragraphs` (one id per word) is carried to the aligned words; `languages` are the
    archive's (Settings.languages), among which the text's language is recognised.
    """
    if paragraphs is not None and len(paragraphs) != len(official):
        raise ValueError("one paragraph id per official word")
    heard = [(word, segment.language or transcript.language)
             for segment in transcript.segments for word in segment.words]
    if not any(tokens(word, "") for word in official):
        raise AlignmentError("The official text has no words to align.", "no words")
    if not heard:
        raise AlignmentError("The recording has no transcribed words to align the text to.",
                             "no heard words")
    language = text_language(official, transcript, languages)
    official_tokens, _, own_tokens = flatten([(word, language) for word in official])
    heard_tokens, heard_owner, _ = flatten([(word.word, code) for word, code in heard])
    partner = pair_tokens(official_tokens, heard_tokens)

    words = [time_word(index, official, paragraphs, own_tokens[index], official_tokens,
                       heard_tokens, heard_owner, heard, partner)
             for index in range(len(official))]
    duration = transcript.duration or heard[-1][0].end
    words = interpolate(words, duration)
    # Words without tokens ("«", "—") are neither said nor missed: they do not count.
    countable = [word for word, own in zip(words, own_tokens) if own]
    coverage = sum(word.status == "matched" for word in countable) / len(countable)
    anchor_run = min(ANCHOR_RUN, len(countable))  # a two-word text can still be the right one
    anchored = sum(stop - first for first, stop in
                   runs([word.status == "matched" for word in words], anchor_run)) / len(countable)
    logger.debug("official text aligned: coverage %.3f, anchored %.3f, %d words",
                 coverage, anchored, len(words))
    if anchored < min_anchored:
        raise AlignmentError(
            f"This looks like the text of another speech: only {anchored:.0%} of its words "
            f"match runs of what is said in the recording (at least {min_anchored:.0%} needed).",
            "another speech", anchored=anchored, needed=min_anchored)
    paired_heard = {heard_owner[j] for j in partner if j is not None}
    omitted = runs([word.status == "interpolated" for word in words], min_span_words)
    added = [(first, stop) for first, stop in
             runs([index not in paired_heard for index in range(len(heard))], min_span_words)
             if is_addition([word for word, _ in heard[first:stop]])]
    said = runs([True] * len(words), 1, cut=omitted)
    return Alignment(
        words=words, coverage=coverage, anchored=anchored,
        said_spans=[official_span(words, first, stop) for first, stop in said],
        omitted_spans=[official_span(words, first, stop) for first, stop in omitted],
        added_spans=[heard_span([word for word, _ in heard], first, stop)
                     for first, stop in added],
        language=language)


def text_language(official: Sequence[str], transcript: Transcript,
                  languages: Sequence[str]) -> str:
    """The text's language; refuses a text plainly in a language the recording lacks.

    langdetect, restricted to the archive's `languages` as the indexer does, names short lines
    full of names wrongly (indexer/language.py): shorter texts are left to the matching.
    """
    spoken = {transcript.language, *transcript.languages} - {""}
    candidates = sorted(spoken | set(languages))
    sample = " ".join(official[:LANGUAGE_SAMPLE_WORDS])
    found = text_probabilities(sample, candidates) if len(official) >= MIN_LANGUAGE_WORDS else None
    if found is None:
        return transcript.language
    code, probability = best(found)
    if code in spoken:
        return code
    if probability >= LANGUAGE_CONFIDENCE and spoken:
        raise AlignmentError(
            f"The official text is in {language_name(code)} but the recording is in "
            f"{' and '.join(sorted(language_name(code) for code in spoken))}: "
            "attach the text in the language that is spoken.", "another language", text=code,
            spoken=sorted(spoken))
    return transcript.language


def language_name(code: str) -> str:
    language = pycountry.languages.get(alpha_2=code)
    return language.name if language else code


def flatten(words: Sequence[tuple[str, str]]) -> tuple[list[str], list[int], list[range]]:
    """All the words' tokens; for each token the index of its word; each word's tokens."""
    flat: list[str] = []
    owner: list[int] = []
    own: list[range] = []
    for index, (word, language) in enumerate(words):
        found = tokens(word, language)
        own.append(range(len(flat), len(flat) + len(found)))
        flat.extend(found)
        owner.extend([index] * len(found))
    return flat, owner, own


def time_word(index: int, official: Sequence[str], paragraphs: Sequence[int] | None,
              own_tokens: range, official_tokens: list[str], heard_tokens: list[str],
              heard_owner: list[int], heard: list[tuple[Word, str]],
              partner: list[int | None]) -> AlignedWord:
    """One official word, timed from the Whisper words its tokens are paired with."""
    paragraph = paragraphs[index] if paragraphs is not None else None
    pairs = [(official_tokens[i], partner[i]) for i in own_tokens]
    paired = [(token, j) for token, j in pairs if j is not None]
    if not paired:
        return AlignedWord(official[index], 0.0, 0.0, 0.0, "interpolated", paragraph)
    sources = sorted({heard_owner[j] for _, j in paired})
    scores = [heard[heard_owner[j]][0].probability * fuzz.ratio(token, heard_tokens[j]) / 100
              for token, j in paired]
    exact = len(paired) == len(pairs) and all(token == heard_tokens[j] for token, j in paired)
    return AlignedWord(
        official[index], heard[sources[0]][0].start, heard[sources[-1]][0].end,
        round(sum(scores) / len(pairs), 3), "matched" if exact else "substituted", paragraph,
        "".join(heard[source][0].word for source in sources).strip(),
        round(sum(heard[source][0].probability for source in sources) / len(sources), 3))


def interpolate(words: list[AlignedWord], duration: float) -> list[AlignedWord]:
    """Times for the interpolated words, then clamped to the media and made non-decreasing.

    A run between two anchors shares the gap between them in proportion to its words'
    lengths; a run before the first anchor or after the last sits at that anchor.
    """
    timed = [index for index, word in enumerate(words) if word.status != "interpolated"]
    result = list(words)
    edges = [-1, *timed, len(words)]
    for before, after in zip(edges, edges[1:]):
        if after - before < 2:
            continue
        gap_start = words[before].end if before >= 0 else None
        gap_end = words[after].start if after < len(words) else None
        if gap_start is None and gap_end is None:  # nothing anchored (only with min_anchored 0)
            gap_start = gap_end = 0.0
        gap_start = gap_end if gap_start is None else gap_start
        gap_end = gap_start if gap_end is None else max(gap_end, gap_start)
        run = range(before + 1, after)
        lengths = [max(len(words[index].text), 1) for index in run]
        total, done = sum(lengths), 0
        for index, length in zip(run, lengths):
            start = gap_start + (gap_end - gap_start) * done / total
            done += length
            end = gap_start + (gap_end - gap_start) * done / total
            result[index] = replace(words[index], start=start, end=end)
    previous_start = previous_end = 0.0
    for index, word in enumerate(result):
        start = min(max(word.start, previous_start), duration)
        end = min(max(word.end, start, previous_end), duration)
        result[index] = replace(word, start=round(start, 3), end=round(end, 3))
        previous_start, previous_end = start, end
    return result


def runs(flags: Sequence[bool], min_length: int,
         cut: Sequence[tuple[int, int]] = ()) -> list[tuple[int, int]]:
    """The [first, stop) runs of true flags at least `min_length` long, minus the `cut` runs."""
    flags = list(flags)
    for first, stop in cut:
        flags[first:stop] = [False] * (stop - first)
    found, first = [], None
    for index, flag in enumerate([*flags, False]):
        if flag and first is None:
            first = index
        elif not flag and first is not None:
            if index - first >= min_length:
                found.append((first, index))
            first = None
    return found


def is_addition(words: Sequence[Word]) -> bool:
    """Whether heard words with no written counterpart were really said beyond the text."""
    if len(words) >= SHORT_ADDED_WORDS:
        return True
    return sum(word.probability for word in words) / len(words) >= MIN_ADDED_PROBABILITY


def official_span(words: list[AlignedWord], first: int, stop: int) -> Span:
    return Span(first, stop, words[first].start, words[stop - 1].end,
                " ".join(word.text for word in words[first:stop]))


def heard_span(heard: list[Word], first: int, stop: int) -> Span:
    return Span(first, stop, heard[first].start, heard[stop - 1].end,
                "".join(word.word for word in heard[first:stop]).strip())
