"""Edit operations on a reading layer (a list of passages): text, split, merge, language,
speaker, times. Each returns a new list and leaves its input alone; bad input raises EditError
with what to do, and nothing is changed.

A passage's new text keeps the timings of its unchanged words (difflib over the words); a word
replaced one for one keeps its slot; other new words share the time between their unchanged
neighbours. Each passage changed gets `corrected`, the time of the change.
"""

from __future__ import annotations

import copy
import re
import unicodedata
from dataclasses import dataclass, replace
from difflib import SequenceMatcher

from ..records import Entity, Segment, Word
from .reasons import EditError

OPERATIONS = ("text", "split", "merge", "language", "speaker", "times")
LANGUAGE = re.compile(r"^[a-z]{2,3}$")


@dataclass(frozen=True)
class Edit:
    """One operation on passage `passage` (its index in the reading layer)."""

    operation: str  # one of OPERATIONS
    passage: int
    text: str = ""  # "text": the passage's new text
    word: int = 0  # "split": the index of the first word of the second passage
    language: str = ""  # "language"
    speaker: str = ""  # "speaker": the id of one of the video's voices ("S2"), or its label
    start: float | None = None  # "times"
    end: float | None = None


@dataclass(frozen=True)
class Limits:
    duration: float  # the media's, in seconds
    languages: tuple[str, ...]  # the archive's
    max_chars: int  # the longest text a passage may get
    # The video's voices, (id, label) in order ("S1", "Speaker 1"): () when not told apart
    speakers: tuple[tuple[str, str], ...] = ()


def apply(segments: list[Segment], edit: Edit, limits: Limits, now: str) -> list[Segment]:
    """`segments` with `edit` made (a new list; passages not touched are the same objects)."""
    if edit.operation not in OPERATIONS:
        raise EditError("unknown_operation", operation=repr(edit.operation[:20]),
                        choices=", ".join(OPERATIONS))
    if not 0 <= edit.passage < len(segments):
        raise EditError("no_passage", passage=edit.passage, count=len(segments))
    result = list(segments)
    index = edit.passage
    segment = segments[index]
    if edit.operation == "text":
        result[index] = retext(segment, clean_text(edit.text, limits.max_chars), now)
    elif edit.operation == "split":
        result[index:index + 1] = split(segment, edit.word, now)
    elif edit.operation == "merge":
        if index + 1 >= len(segments):
            raise EditError("merge_last")
        following = segments[index + 1]
        if segment.speaker != following.speaker:  # diarization's rule: one speaker a passage
            labels = dict(limits.speakers)
            first, second = (labels.get(s.speaker, s.speaker) for s in (segment, following))
            raise EditError("merge_two_speakers", first=first, second=second)
        result[index:index + 2] = [merge(segment, following, now)]
    elif edit.operation == "language":
        language = edit.language.strip().lower()
        if language not in limits.languages:
            raise EditError("bad_language", language=repr(edit.language[:20]),
                            choices=", ".join(limits.languages))
        result[index] = replace(segment, language=language, language_probability=1.0,
                                corrected=now)
    elif edit.operation == "speaker":
        result[index] = respeak(segment, edit.speaker, limits.speakers, now)
    else:
        result[index] = retime(segments, index, edit.start, edit.end, limits.duration, now)
    return result


def clean_text(text: str, max_chars: int) -> str:
    """The text as it will be stored: whitespace collapsed. Markup is kept as typed (it is
    text, escaped wherever it is shown); control characters are refused."""
    if any(unicodedata.category(c) == "Cc" and not c.isspace() for c in text):
        raise EditError("control_characters")
    cleaned = " ".join(text.split())
    if not cleaned:
        raise EditError("empty_text")
    if len(cleaned) > max_chars:
        raise EditError("text_too_long", length=len(cleaned), limit=max_chars)
    return cleaned


def _spaced(words: list[Word]) -> bool:
    """Whisper writes each word with its leading space (" word", "-Russie" glued on);
    official words have none, and are joined with spaces."""
    return any(w.word.startswith(" ") for w in words)


def word_groups(words: list[Word]) -> list[list[Word]]:
    """The words as typed tokens: Whisper's pieces without a leading space ("OTAN", "-Russie")
    belong to the token before them."""
    if not _spaced(words):
        return [[w] for w in words]
    groups: list[list[Word]] = []
    for word in words:
        if groups and not word.word.startswith(" "):
            groups[-1].append(word)
        else:
            groups.append([word])
    return groups


def group_text(group: list[Word]) -> str:
    return "".join(w.word for w in group).strip()


def _text_of(words: list[Word], like: str) -> str:
    """The passage text of `words`, with the leading space (or none) of the text `like`."""
    text = "".join(w.word for w in words).strip() if _spaced(words) else \
        " ".join(w.word.strip() for w in words)
    return (" " if like.startswith(" ") else "") + text


def retext(segment: Segment, text: str, now: str) -> Segment:
    """The passage with `text`, its unchanged words keeping their times."""
    tokens = text.split()
    groups = word_groups(segment.words)
    lead = " " if _spaced(segment.words) or not segment.words else ""
    words: list[Word] = []
    matcher = SequenceMatcher(None, [group_text(g) for g in groups], tokens, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            words += [copy.copy(w) for group in groups[i1:i2] for w in group]
        elif tag == "replace" and i2 - i1 == j2 - j1:  # one for one: each keeps its slot
            words += [Word(g[0].start, g[-1].end, lead + t, 1.0)
                      for g, t in zip(groups[i1:i2], tokens[j1:j2])]
        elif tag != "delete":
            # The new words take the replaced words' time, else the gap where they go.
            if tag == "replace":
                start, end = groups[i1][0].start, groups[i2 - 1][-1].end
            else:
                start = groups[i1 - 1][-1].end if i1 else segment.start
                end = groups[i1][0].start if i1 < len(groups) else segment.end
            words += spread(tokens[j1:j2], start, max(start, end), lead)
    new_text = _text_of(words, segment.text)
    return replace(segment, text=new_text, words=words, corrected=now,
                   entities=_kept_entities(segment.entities, new_text))


def spread(tokens: list[str], start: float, end: float, lead: str) -> list[Word]:
    """Words sharing [start, end] in proportion to their length."""
    total = sum(len(t) for t in tokens) or 1
    words, at = [], start
    for token in tokens:
        span = (end - start) * len(token) / total
        words.append(Word(round(at, 3), round(at + span, 3), lead + token, 1.0))
        at += span
    return words


def _kept_entities(entities: list[Entity], text: str) -> list[Entity]:
    """The entities whose words are still in the text, at their new place."""
    kept, searched_from = [], 0
    for entity in sorted(entities, key=lambda e: e.start_char):
        at = text.find(entity.text, searched_from)
        if at < 0:
            at = text.find(entity.text)
        if at >= 0:
            kept.append(replace(entity, start_char=at, end_char=at + len(entity.text)))
            searched_from = at + len(entity.text)
    return kept


def split(segment: Segment, word: int, now: str) -> list[Segment]:
    if not 0 < word < len(segment.words):
        raise EditError("bad_split", count=len(segment.words), word=word + 1)
    first_words, second_words = segment.words[:word], segment.words[word:]
    first_text = _text_of(first_words, segment.text)
    second_text = _text_of(second_words, segment.text)
    first = replace(segment, end=first_words[-1].end, text=first_text, words=first_words,
                    entities=_kept_entities(segment.entities, first_text), corrected=now)
    second = replace(segment, start=second_words[0].start, text=second_text,
                     words=second_words, entities=_kept_entities(segment.entities, second_text),
                     corrected=now)
    return [first, second]


def merge(first: Segment, second: Segment, now: str) -> Segment:
    """One passage of two: the first's language and source, both passages' words."""
    words = first.words + second.words
    text = _text_of(words, first.text) if first.words and second.words else \
        first.text.rstrip() + " " + second.text.strip()
    return replace(first, end=second.end, text=text, words=words, corrected=now,
                   entities=_kept_entities(first.entities + second.entities, text))


def respeak(segment: Segment, speaker: str, speakers: tuple[tuple[str, str], ...],
            now: str) -> Segment:
    """The passage said by another of the video's voices, given by its id ("S2") or label.
    A segment's `speaker` is an id among `Transcript.speakers` (records.py): names belong to
    the voices (named on the player's Speakers panel), not to passages."""
    if not speakers:
        raise EditError("no_voices")
    wanted = " ".join(speaker.split())
    for voice, label in speakers:
        if wanted == voice or wanted.casefold() == label.casefold():
            return replace(segment, speaker=voice, corrected=now)
    raise EditError("not_a_speaker", speaker=wanted[:60],
                    choices=", ".join(label for _, label in speakers))


def retime(segments: list[Segment], index: int, start: float | None, end: float | None,
           duration: float, now: str) -> Segment:
    """The passage moved to [start, end], its words stretched to fit, in order."""
    segment = segments[index]
    if start is None or end is None:
        raise EditError("times_missing")
    if not 0 <= start < end <= duration + 0.01:
        raise EditError("times_outside", duration=duration, start=start, end=end)
    before = segments[index - 1].end if index else 0.0
    after = segments[index + 1].start if index + 1 < len(segments) else duration
    if start < before - 0.01 or end > after + 0.01:
        raise EditError("times_overlap", before=before, after=after)
    scale = (end - start) / max(segment.end - segment.start, 1e-6)
    words = [replace(w, start=round(start + (w.start - segment.start) * scale, 3),
                     end=round(start + (w.end - segment.start) * scale, 3))
             for w in segment.words]
    return replace(segment, start=start, end=end, words=words, corrected=now)
