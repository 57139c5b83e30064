"""Exact phrases on one index segment: the documents, and each word's frequency in them.

Whoosh intersects the phrase's words as a fixed binary tree ("to the the collaboration" walks
"to" against "the" first, hundreds of thousands of segments) and then reads positions. Here
the candidates are the rarest word's documents (one posting list, read as arrays); each
other word, rarest first, keeps the candidates it occurs in, reading only the blocks of its
list that hold one (postings.positions_at), then the rarest word's own positions are read
for the candidates left, and the positions decide: word i at p + i, compared as arrays.
A phrase of common words arrives here as its pairs (see the package docstring), whose
positions are those of the words, so the same check holds.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .postings import Found, SegmentPostings

# A (document, start) pair as one integer: document index * _STRIDE + start position.
_STRIDE = np.int64(2**32)


def _keep(found: tuple[np.ndarray, np.ndarray], mask: np.ndarray):
    """(counts, positions) of the documents `mask` keeps."""
    counts, positions = found
    return counts[mask], positions[np.repeat(mask, counts)]


def _consecutive(count: int, positions: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    """Of `count` documents, those where word i of the phrase is at p + i for some p:
    `positions[i]` is word i's (counts, positions) in each document. Each word gives the
    set of (document, p) it allows; the phrase is where all of them agree."""
    starts = None
    for i, (counts, flat) in enumerate(positions):
        doc = np.repeat(np.arange(count, dtype=np.int64), counts)
        allowed = doc * _STRIDE + (flat - i)
        allowed = allowed[flat >= i]  # the phrase cannot start before the first word
        starts = (np.unique(allowed) if starts is None
                  else np.intersect1d(starts, allowed))
        if not len(starts):
            break
    keep = np.zeros(count, dtype=bool)
    keep[(starts // _STRIDE)] = True
    return keep


def phrase_documents(postings: SegmentPostings, fieldname: str, words: list[bytes],
                     documents: Callable[[str, bytes], np.ndarray] | None = None,
                     decoded: dict | None = None, within: np.ndarray | None = None,
                     ) -> tuple[np.ndarray, dict[bytes, np.ndarray]]:
    """The documents where `words` (terms of `fieldname`) occur in a row, ascending, and
    each distinct word's frequency in each of them (its number of positions).

    `documents(fieldname, word)`: a word's documents, and `decoded`, posting blocks decoded,
    both kept for the query's other phrases (a phrase across passages is one a split, most
    with the same rarest word and common words: postings.positions_at). `within`: the
    candidates instead of the rarest word's documents (ascending; every word is then read
    on them alone)."""
    reader = postings.reader
    # One lexicon look-up a word (0: not in this index segment), for the many phrases a
    # phrase becomes (its stems' form, and each split across a passage boundary).
    frequency = {word: reader.doc_frequency(fieldname, word) for word in dict.fromkeys(words)}
    if not all(frequency.values()):
        return np.zeros(0, dtype=np.int64), {}
    distinct = sorted(frequency, key=frequency.__getitem__)
    # The rarest word's documents, its positions only where the others occur too (read last):
    # most candidates are dropped on the way.
    if within is not None:
        docs, order = within, distinct
    else:
        docs = (documents(fieldname, distinct[0]) if documents
                else postings.term(fieldname, distinct[0])[0])
        order = [*distinct[1:], distinct[0]]
    positions: dict[bytes, tuple[np.ndarray, np.ndarray]] = {}
    for word in order:
        found: Found = postings.positions_at(fieldname, word, docs, decoded)
        docs = docs[found.present]
        for earlier in positions:  # keep every word's lists aligned with `docs`
            positions[earlier] = _keep(positions[earlier], found.present)
        positions[word] = found.counts, found.positions
        if not len(docs):
            return docs, {}
    keep = _consecutive(len(docs), [positions[word] for word in words])
    frequencies = {word: counts[keep].astype(np.float64)
                   for word, (counts, _flat) in positions.items()}
    return docs[keep], frequencies
