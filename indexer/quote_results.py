"""What the quote finder answers (search_index/quoting.py finds, quote_times.py times).

The JSON shape, the same for `speechsearch quote --json` and `/api/quote` (which adds "url"):
{"query", "hits": [{"video_id", "title", "start", "end", "said", "similarity",
"diff": [{"op", "quote", "said"}]}]}, and nothing else: the issue's shape.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .quote_diff import DiffOp
from .results import MAX_QUERY_LENGTH, QuerySyntaxError

MIN_WORDS, MAX_WORDS = 4, 80
MAX_CHARS = MAX_QUERY_LENGTH  # as for a search: 80 words fit with room to spare
# Not text: control characters (tab and line breaks aside, as pasted) and lone surrogates.
_NOT_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


class QuoteError(QuerySyntaxError):
    """A quote the finder cannot take (too short, too long); str() says what to do."""


def check_quote_words(text: str, count: int) -> None:
    """QuoteError unless `text`, of `count` words, is a quote the finder takes."""
    if len(text) > MAX_CHARS:
        raise QuoteError(f"The quote is {len(text)} characters long: give at most "
                         f"{MAX_CHARS} ({MAX_WORDS} words), the sentence as you remember it.")
    if found := _NOT_TEXT.search(text):
        raise QuoteError(f"The quote contains U+{ord(found.group()):04X}, which is not text: "
                         "type or paste the sentence again.")
    if count < MIN_WORDS:
        raise QuoteError(f"The quote has {count} word(s): give at least {MIN_WORDS}. For fewer "
                         "words, use the ordinary search.")
    if count > MAX_WORDS:
        raise QuoteError(f"The quote has {count} words: give at most {MAX_WORDS}, the "
                         "sentence as you remember it (cut it to its most distinctive part).")


@dataclass
class MatchedPlace:
    """Where a matched word is: the passage's number in `Transcript.reading()`, its character
    offset in that passage's text, and its time there as estimated from the passage's span."""

    seg: int
    char: int
    time: float


@dataclass
class QuoteHit:
    video_id: str
    title: str
    start: float  # of the first matched word (seconds)
    end: float  # of the last matched word
    said: str  # what was said there: the words of `Transcript.reading()`
    similarity: float  # 0..1
    diff: list[DiffOp]
    language: str = ""
    source: str = "asr"  # of the first matched passage: "official" or "asr"
    date: str = ""
    speaker: str = ""
    first: MatchedPlace | None = None  # where the first matched word is
    last: MatchedPlace | None = None  # and the last one (its end)

    def to_dict(self) -> dict[str, Any]:
        return {"video_id": self.video_id, "title": self.title, "start": round(self.start, 2),
                "end": round(self.end, 2), "said": self.said, "similarity": self.similarity,
                "diff": [op.to_dict() for op in self.diff]}


@dataclass
class QuoteResults:
    query: str
    hits: list[QuoteHit] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"query": self.query, "hits": [hit.to_dict() for hit in self.hits]}
