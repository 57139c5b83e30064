"""Quotes as remembered, made from an archive's passages, with where they were really said.

Each case takes a stretch of a video's words (the words of consecutive passages, so that a
stretch may cross a boundary), perturbs it one way, and keeps the truth: the video and the
time span of the original words (interpolated inside passages, which is what a hit's span is
compared with: overlap, not equality). Kinds, at most 20 % of the words changed:
drop, insert, substitute, swap (neighbouring words exchanged), straddle (half of one passage
and half of the next, one word substituted), shorten (a short stretch of one passage, 5 to 7
words), mixed (one of each change, up to 20 % of the words).
Quotes of nothing: word sequences drawn from the archive's own vocabulary at its frequencies,
as long as a real quote: plausible words, never said in that order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from indexer.records import Transcript

KINDS = ("drop", "insert", "substitute", "swap", "straddle", "shorten", "mixed")
CHANGED = 0.2  # share of a quote's words changed
_WORD = re.compile(r"\S+")


@dataclass(frozen=True)
class Case:
    kind: str
    text: str
    video_id: str  # "" for a quote of nothing
    start: float
    end: float
    source: str  # "corpus" or "synthetic"


@dataclass(frozen=True)
class _Word:
    text: str
    start: float
    end: float


def video_words(transcript: Transcript) -> list[list[_Word]]:
    """The words of each passage of `reading()`, each timed by spreading its passage's span."""
    passages = []
    for segment in transcript.reading():
        words = _WORD.findall(segment.text)
        step = (segment.end - segment.start) / max(1, len(words))
        passages.append([_Word(w, segment.start + i * step, segment.start + (i + 1) * step)
                         for i, w in enumerate(words)])
    return passages


class CaseMaker:
    def __init__(self, transcripts: list[Transcript], seed: int, source: str):
        self.rng = np.random.default_rng(seed)
        self.videos = [(t.video_id, video_words(t)) for t in transcripts]
        self.videos = [(v, p) for v, p in self.videos if sum(map(len, p)) >= 12]
        self.vocabulary = [w.text.strip(".,").lower() for _, passages in self.videos
                           for p in passages for w in p]
        self.source = source

    def _word(self) -> str:
        return self.vocabulary[int(self.rng.integers(len(self.vocabulary)))]

    def _stretch(self, length: int) -> tuple[str, list[_Word]]:
        """`length` consecutive words of a random video, from a random place."""
        video_id, passages = self.videos[int(self.rng.integers(len(self.videos)))]
        words = [w for p in passages for w in p]
        length = min(length, len(words))
        first = int(self.rng.integers(0, len(words) - length + 1))
        return video_id, words[first:first + length]

    def _positions(self, count: int, size: int) -> list[int]:
        return sorted(int(i) for i in self.rng.choice(size, size=min(count, size),
                                                      replace=False))

    def _changes(self, length: int) -> int:
        return max(1, int(length * CHANGED))

    def perturbed(self, kind: str, words: list[str]) -> list[str]:
        words, n = list(words), self._changes(len(words))
        if kind == "drop":
            for i in reversed(self._positions(n, len(words))):
                del words[i]
        elif kind == "insert":
            for i in reversed(self._positions(n, len(words) + 1)):
                words.insert(i, self._word())
        elif kind == "substitute":
            for i in self._positions(n, len(words)):
                words[i] = self._word()
        elif kind == "swap":  # n words moved: n / 2 neighbouring pairs exchanged
            for i in self._positions(max(1, n // 2), len(words) - 1):
                words[i], words[i + 1] = words[i + 1], words[i]
        elif kind == "mixed":
            for change in ("substitute", "drop", "insert", "swap")[:max(1, n)]:
                words = self.perturbed_once(change, words)
        return words

    def perturbed_once(self, kind: str, words: list[str]) -> list[str]:
        words = list(words)
        i = int(self.rng.integers(len(words) - 1))
        if kind == "substitute":
            words[i] = self._word()
        elif kind == "drop":
            del words[i]
        elif kind == "insert":
            words.insert(i, self._word())
        else:
            words[i], words[i + 1] = words[i + 1], words[i]
        return words

    def _straddling(self) -> tuple[str, list[_Word]]:
        """Half of one passage and half of the next (a plain stretch in an archive with no
        two neighbouring passages of four words or more: a quick run's)."""
        for _ in range(10_000):
            video_id, passages = self.videos[int(self.rng.integers(len(self.videos)))]
            if len(passages) < 2:
                continue
            i = int(self.rng.integers(len(passages) - 1))
            left, right = passages[i], passages[i + 1]
            if len(left) >= 4 and len(right) >= 4:
                half = min(len(left), len(right), 8) // 2 + 2
                return video_id, left[-half:] + right[:half]
        return self._stretch(16)

    def case(self, kind: str, length: int = 16) -> Case:
        if kind == "straddle":
            video_id, words = self._straddling()
            quote = self.perturbed_once("substitute", [w.text for w in words])
        elif kind == "shorten":
            video_id, words = self._stretch(int(self.rng.integers(5, 8)))
            quote = [w.text for w in words]
        else:
            video_id, words = self._stretch(length)
            quote = self.perturbed(kind, [w.text for w in words])
        return Case(kind, " ".join(quote), video_id, words[0].start, words[-1].end,
                    self.source)

    def nothing(self, length: int = 16) -> Case:
        """Words of the archive in an order nobody said."""
        return Case("nothing", " ".join(self._word() for _ in range(length)), "", 0.0, 0.0,
                    self.source)
