"""Scored document sets of one index segment, and the set operations a query tree is made of.

Each part of a query is the ascending document numbers it matches with their BM25F scores
(array_search.py); OR adds the scores of the documents in any part, AND of those in all, a
filter keeps or removes. Scores are added in the same order as Whoosh adds them, so that they
are equal to the last bit (tests/test_array_search.py).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np


@dataclass
class Scored:
    ids: np.ndarray  # document numbers, ascending, unique (int64)
    scores: np.ndarray  # float64, same length

    def __len__(self) -> int:
        return len(self.ids)


NOTHING = Scored(np.zeros(0, dtype=np.int64), np.zeros(0))
# A union of at least a sixteenth as many postings as the segment has documents is summed
# densely (union).
_DENSE_SHARE = 16


def union(parts: list[Scored], doc_count: int) -> Scored:
    """The documents of any part, their scores added (in the parts' order, as Whoosh adds
    them). A large union (a word over several fields and aliases, a prefix's hundred words)
    is summed over every document number of the segment, which costs less than sorting it."""
    parts = [part for part in parts if len(part)]
    if len(parts) <= 1:
        return parts[0] if parts else NOTHING
    ids = np.concatenate([part.ids for part in parts])
    weights = np.concatenate([p.scores for p in parts])
    if len(ids) * _DENSE_SHARE >= doc_count:
        present, index_of = _scratch(doc_count)
        try:
            present[ids] = True
            unique = np.flatnonzero(present)
        finally:
            present[ids] = False  # all False again for the thread's next union
        index_of[unique] = np.arange(len(unique), dtype=np.int32)
        # Each document's parts are added in the order they come, as a dense bincount would.
        return Scored(unique, np.bincount(index_of[ids], weights=weights,
                                          minlength=len(unique)))
    unique, inverse = np.unique(ids, return_inverse=True)
    scores = np.bincount(inverse, weights=weights, minlength=len(unique))
    return Scored(unique, scores)


_buffers = threading.local()


def _scratch(doc_count: int) -> tuple[np.ndarray, np.ndarray]:
    """The calling thread's two arrays of `doc_count` entries for dense unions: a mask, all
    False between calls, and a map from document number to rank. Made once and kept (the
    largest segment's size, 5 bytes a document): a large union used to allocate 9 MB at 1M
    documents, which glibc maps and unmaps on every query, paying 2,000-5,000 page faults
    each time (bench/search_tails.py: 'afghanistan' 15-17 ms, every time)."""
    present = getattr(_buffers, "present", None)
    if present is None or len(present) < doc_count:
        _buffers.present = present = np.zeros(doc_count, dtype=bool)
        _buffers.index_of = np.zeros(doc_count, dtype=np.int32)
    return present[:doc_count], _buffers.index_of[:doc_count]


def _positions_in(ids: np.ndarray, within: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where each of `ids` is in `within` (both ascending and unique), and whether it is
    there: a binary search for each, cheaper than sorting both when `ids` are the fewer."""
    if not len(within):
        return np.zeros(len(ids), dtype=np.int64), np.zeros(len(ids), dtype=bool)
    at = np.minimum(np.searchsorted(within, ids), len(within) - 1)
    return at, within[at] == ids


def intersection(parts: list[Scored]) -> Scored:
    parts = sorted(parts, key=len)  # the rarest first: each step only shrinks
    result = parts[0]
    for part in parts[1:]:
        if not len(result):
            break
        at, found = _positions_in(result.ids, part.ids)
        result = Scored(result.ids[found], result.scores[found] + part.scores[at[found]])
    return result


def within(scored: Scored, allowed: Scored, keep: bool = True) -> Scored:
    _at, inside = _positions_in(scored.ids, allowed.ids)
    if not keep:
        inside = ~inside
    return Scored(scored.ids[inside], scored.scores[inside])


def boosted(scored: Scored, boost: float) -> Scored:
    return scored if boost == 1.0 else Scored(scored.ids, scored.scores * boost)
