"""Search results and query checks: what callers of the index see, with no Whoosh in it."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from html import escape

from .errors import UsageError
from .records import SOURCES

MAX_QUERY_LENGTH = 1000
# Field filters users may type, and the schema field each one reads. `exact:` (like `text:`):
# the words as said only, so `exact:"…"` is a phrase without its words' other forms.
QUERY_FIELDS = {"lang": "language", "language": "language", "entity": "entities",
                "video": "video_id", "title": "title", "speaker": "speaker",
                "event": "event", "date": "date", "year": "year", "text": "text",
                "exact": "text", "source": "source"}


class QuerySyntaxError(UsageError, ValueError):
    """The query cannot be understood; str(error) says why and how to fix it."""


@dataclass
class Hit:
    video_id: str
    title: str
    start: float
    end: float
    text: str
    highlight: str  # the segment text, HTML-escaped, matches wrapped in <mark>
    language: str
    entities: list[str]
    score: float
    date: str = ""
    speaker: str = ""
    # Whose words these are: "official" (the official text's, with aligned times) or "asr"
    # (the machine transcript's, where no official text covers the audio)
    source: str = "asr"
    # When a phrase runs on into the next passage of the video: that passage's opening words,
    # HTML-escaped, matches in <mark> (`end` is then that passage's end); else empty.
    continued: str = ""

    def to_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass
class SearchResults:
    query: str
    total: int
    hits: list[Hit] = field(default_factory=list)
    page: int = 1
    per_page: int = 20
    facets: dict[str, dict[str, int]] = field(default_factory=dict)  # name -> value -> count
    # More segments match than were counted: `total` is a lower bound, and the facets count
    # the first `total` matches only (large archives; see search_index/counting.py).
    total_is_lower_bound: bool = False

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    def to_dict(self) -> dict:
        data = {"query": self.query, "total": self.total,
                "total_is_lower_bound": self.total_is_lower_bound, "page": self.page,
                "per_page": self.per_page, "hits": [h.to_dict() for h in self.hits]}
        if self.facets:
            data["facets"] = self.facets
        return data


_FIELD_PREFIX = re.compile(r'(?:^|[\s(])([A-Za-z_]+):(?!//)')


def check_length(text: str) -> None:
    """The query as sent, spaces included, is at most MAX_QUERY_LENGTH characters."""
    if len(text) > MAX_QUERY_LENGTH:
        raise QuerySyntaxError(f"The query is too long ({len(text)} characters; "
                               f"at most {MAX_QUERY_LENGTH}).")


def check_query(text: str) -> str:
    """Reject what Whoosh would silently misread; return the stripped query."""
    check_length(text)
    text = text.strip()
    if not text:
        raise QuerySyntaxError("The query is empty: type a word, or \"an exact phrase\".")
    if text.count('"') % 2:
        raise QuerySyntaxError('Unbalanced quote: close the "exact phrase" with a second ".')
    # Each phrase as one placeholder word: its content is no syntax, but it is a word for
    # the operators around it ('"de la" OR "of the"').
    unquoted = re.sub(r'"[^"]*"', " phrase ", text)
    depth = 0
    for char in unquoted:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            break
    if depth:
        raise QuerySyntaxError("Unbalanced parentheses: each ( needs a matching ).")
    for name in _FIELD_PREFIX.findall(unquoted):
        if name.lower() not in QUERY_FIELDS:
            known = ", ".join(sorted(set(QUERY_FIELDS)))
            raise QuerySyntaxError(f"Unknown field {name!r}: use one of {known}.")
    words = unquoted.split()
    if words and (words[-1] in ("AND", "OR", "NOT") or words[0] in ("AND", "OR")):
        raise QuerySyntaxError("AND, OR and NOT go between words: 'nato AND russia', "
                               "'nato NOT russia'.")
    return text


def check_source(value: str) -> str:
    """A source as filtered on (`source=` or `source:`), lowercase; QuerySyntaxError for
    anything but the two there are."""
    source = value.strip().lower()
    if source not in SOURCES:
        raise QuerySyntaxError(f"Unknown source {value[:40]!r}: use official (the official "
                               "text's words) or asr (the machine transcript's).")
    return source


def mark(text: str, spans: Iterable[tuple[int, int]]) -> str:
    """HTML-escape `text` and wrap the character ranges `spans` in <mark>."""
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    out, last = [], 0
    for start, end in merged:
        out += [escape(text[last:start]), "<mark>", escape(text[start:end]), "</mark>"]
        last = end
    out.append(escape(text[last:]))
    return "".join(out)
