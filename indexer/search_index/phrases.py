"""Exact phrases on one index segment: the documents, and each word's frequency in them.

Whoosh intersects the phrase's words as a fixed binary tree ("to the the collaboration" walks
"to" against "the" first, hundreds of thousands of segments) and then reads positions. Here
the candidates are the rarest word's documents (one posting list, read as arrays); each
other word, rarest first, keeps the candidates it occurs in, reading only the blocks of its
list that hold one (postings.positions_at), then the rarest word's own positions are read
for the candidates left, and the positions decide: word i at p + i.
A phrase of common words arrives here as its pairs (see the package docstring), whose
positions are those of the words, so the same check holds.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .postings import SegmentPostings


def _consecutive(positions: list[list[int]]) -> bool:
    """Whether word i of the phrase is at p + i for some p (positions per phrase word)."""
    later = [set(p) for p in positions[1:]]
    return any(all(start + i in words for i, words in enumerate(later, 1))
               for start in positions[0])


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
    # decoding them is a Python call a document, and most candidates are dropped on the way.
    if within is not None:
        docs, order = within, distinct
    else:
        docs = (documents(fieldname, distinct[0]) if documents
                else postings.term(fieldname, distinct[0])[0])
        order = [*distinct[1:], distinct[0]]
    positions: dict[bytes, list[list[int]]] = {}
    for word in order:
        found = postings.positions_at(fieldname, word, docs, decoded)
        present = np.array([p is not None for p in found], dtype=bool)
        docs = docs[present]
        for earlier in positions:  # keep every word's lists aligned with `docs`
            positions[earlier] = [p for p, keep in zip(positions[earlier], present) if keep]
        positions[word] = [p for p in found if p is not None]
        if not len(docs):
            return docs, {}
    keep = np.array([_consecutive([positions[word][i] for word in words])
                     for i in range(len(docs))], dtype=bool)
    frequencies = {word: np.array([len(p) for p in lists], dtype=np.float64)[keep]
                   for word, lists in positions.items()}
    return docs[keep], frequencies
