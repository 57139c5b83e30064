"""A word-level diff between two revisions of a reading layer (difflib over the words)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from difflib import SequenceMatcher
from typing import Any

from ..records import Segment
from .edits import group_text, word_groups


@dataclass(frozen=True)
class Change:
    op: str  # "equal", "delete", "insert" or "replace"
    old: str  # the words of the older revision ("" for insert)
    new: str  # the words of the newer one ("" for delete)
    start: float  # where in the recording (seconds): the play link's time

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def timed_words(segments: list[Segment]) -> list[tuple[str, float]]:
    """Every word of the passages as typed (Whisper's "OTAN" "-Russie" are one), with its
    start; a passage without timed words, by its text."""
    words = []
    for segment in segments:
        if segment.words:
            words += [(group_text(g), g[0].start) for g in word_groups(segment.words)
                      if group_text(g)]
        else:
            words += [(token, segment.start) for token in segment.text.split()]
    return words


def diff_words(old: list[Segment], new: list[Segment], context: int = 6) -> list[Change]:
    """The changes from `old` to `new`, with up to `context` unchanged words around each
    (longer unchanged runs are cut in the middle, marked "…")."""
    a, b = timed_words(old), timed_words(new)
    matcher = SequenceMatcher(None, [w for w, _ in a], [w for w, _ in b], autojunk=False)
    changes = []
    opcodes = matcher.get_opcodes()
    for number, (tag, i1, i2, j1, j2) in enumerate(opcodes):
        if tag == "equal":
            words = [w for w, _ in a[i1:i2]]
            head = words[:context] if number else []
            tail = words[-context:] if number < len(opcodes) - 1 else []
            if len(words) > len(head) + len(tail):
                kept = " ".join(head + ["…"] + tail)
            else:
                kept = " ".join(words)
            if kept.strip("… "):
                changes.append(Change("equal", kept, kept, a[i1][1]))
            continue
        when = b[j1][1] if j1 < j2 else (a[i1][1] if i1 < i2 else 0.0)
        changes.append(Change(tag, " ".join(w for w, _ in a[i1:i2]),
                              " ".join(w for w, _ in b[j1:j2]), when))
    return changes


def changed_count(changes: list[Change]) -> int:
    return sum(c.op != "equal" for c in changes)
