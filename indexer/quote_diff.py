"""A quote as remembered against the words around a place where it may have been said: the
best-matching stretch of those words, how alike the two are, and the word-level difference.

Words are compared by a key (folded, stemmed: "profond" and "profonde" are the same word for
finding the place), and shown as they were written or said (a different form of the same word
is shown as a change). Each distinct key becomes one character, so that rapidfuzz's C
Levenshtein and partial-ratio alignment, which work on strings, align words: a window of a
few hundred words against a quote of up to 80 takes well under a millisecond.

The similarity weighs the words: a common word ("de", "the") counts a quarter of another, so
that a quote of nothing in the archive does not look close to any passage merely because both
say "of the" and "de la".
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import NamedTuple

from rapidfuzz import fuzz
from rapidfuzz.distance import Indel, Levenshtein

COMMON_WEIGHT = 0.25  # a common word's weight in the similarity, another word's being 1
OPS = ("equal", "delete", "insert", "replace")  # delete: in the quote, not said; insert: said


class Token(NamedTuple):
    """One word: as written (`text`), folded (lowercase, no accents) and as compared (`key`).

    The character offsets locate a word in its passage's text (or in the quote). A tuple: a
    query makes thousands."""

    text: str
    folded: str
    key: str
    common: bool
    start_char: int = 0
    end_char: int = 0


@dataclass
class DiffOp:
    op: str  # one of OPS
    quote: str  # the quote's words ("" for insert)
    said: str  # the words said ("" for delete)

    def to_dict(self) -> dict[str, str]:
        return asdict(self)


@dataclass
class Alignment:
    first: int  # the matched stretch of the window: tokens first..last, inclusive
    last: int
    similarity: float  # 0..1, weighted (module docstring)
    diff: list[DiffOp]


def _weight(token: Token) -> float:
    return COMMON_WEIGHT if token.common else 1.0


def _encode(tokens: list[Token], codes: dict[str, str]) -> str:
    # Plane 2 of Unicode: room for 65,536 distinct words, never a real character's behaviour.
    out = []
    for token in tokens:
        code = codes.get(token.key)
        if code is None:
            code = codes[token.key] = chr(0x20000 + len(codes))
        out.append(code)
    return "".join(out)


def _best_stretch(quote: str, window: str) -> tuple[int, int]:
    """Start and end (exclusive) in `window` of the stretch most like `quote`.

    partial_ratio places a stretch of the quote's length; words dropped from or added to the
    quote make the true stretch shorter or longer, so both ends are then moved by up to a
    quarter of the quote's length, keeping the most similar (the shortest on a tie)."""
    if len(window) <= len(quote):
        return 0, len(window)
    seed = fuzz.partial_ratio_alignment(quote, window)
    reach = max(2, len(quote) // 4)
    best, best_score = (seed.dest_start, seed.dest_end), -1.0
    for start in range(max(0, seed.dest_start - reach),
                       min(len(window), seed.dest_start + reach + 1)):
        for end in range(max(start + 1, seed.dest_end - reach),
                         min(len(window), seed.dest_end + reach) + 1):
            score = Indel.normalized_similarity(quote, window[start:end])
            if score > best_score or (score == best_score and end - start < best[1] - best[0]):
                best, best_score = (start, end), score
    return best


def _merged(ops: list[DiffOp]) -> list[DiffOp]:
    """Neighbouring operations of one kind as one (two changed words in a row: one change)."""
    out: list[DiffOp] = []
    for op in ops:
        if out and out[-1].op == op.op:
            last = out[-1]
            last.quote = " ".join(w for w in (last.quote, op.quote) if w)
            last.said = " ".join(w for w in (last.said, op.said) if w)
        else:
            out.append(op)
    return out


def word_diff(quote: list[Token], said: list[Token]) -> tuple[list[DiffOp], float]:
    """The word-level difference, and the weighted share of words the two have in common."""
    codes: dict[str, str] = {}
    ops, shared = [], 0.0
    for code in Levenshtein.opcodes(_encode(quote, codes), _encode(said, codes)):
        q, s = quote[code.src_start:code.src_end], said[code.dest_start:code.dest_end]
        if code.tag != "equal":
            ops.append(DiffOp(code.tag, " ".join(t.text for t in q),
                              " ".join(t.text for t in s)))
            continue
        for a, b in zip(q, s):
            # Same word, another form ("profond" said "profonde"): found, but shown changed.
            same = a.folded == b.folded
            shared += (_weight(a) + _weight(b)) * (1.0 if same else 0.75)
            ops.append(DiffOp("equal" if same else "replace", a.text, b.text))
    total = sum(map(_weight, quote)) + sum(map(_weight, said))
    return _merged(ops), (shared / total if total else 0.0)


def align(quote: list[Token], window: list[Token]) -> Alignment | None:
    """The stretch of `window` most like `quote`, trimmed to its first and last shared word;
    None when they share no word."""
    if not quote or not window:
        return None
    codes: dict[str, str] = {}
    encoded_quote = _encode(quote, codes)
    start, end = _best_stretch(encoded_quote, _encode(window, codes))
    keys = {t.key for t in quote}
    while start < end and window[start].key not in keys:
        start += 1
    while end > start and window[end - 1].key not in keys:
        end -= 1
    if start >= end:
        return None
    diff, similarity = word_diff(quote, window[start:end])
    # Quote words left over at an end were most likely changed, not dropped: as many words
    # said there are shown in their place ("fermé" said "ouvert"), however it scores.
    before = len(diff[0].quote.split()) if diff[0].op == "delete" else 0
    after = len(diff[-1].quote.split()) if diff[-1].op == "delete" else 0
    if before or after:
        start, end = max(0, start - before), min(len(window), end + after)
        diff, similarity = word_diff(quote, window[start:end])
    return Alignment(start, end - 1, round(similarity, 4), diff)
