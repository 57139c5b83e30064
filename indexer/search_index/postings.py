"""Whole posting lists and field lengths of one index segment as numpy arrays.

Whoosh walks postings one document at a time in Python. On this archive that is the cost of
every query: segments are short and alike, so block-quality skipping never skips a block and
each match is scored in Python (8-18 us each, 20-60k matches for a frequent word at 1M
segments). Read a block at a time instead, a term's whole list is arrays in a few ms, and
scoring, unions and intersections are numpy operations (array_search.py).

This reads Whoosh's own on-disk format (whoosh-reloaded 2.7.5's W3 codec: blocks of up to
128 postings, each a pickled (delta-coded ids, weights, values) tuple). Any other matcher
(another codec) raises NoArrayForm, and the query goes to Whoosh.
"""

from __future__ import annotations

import numpy as np
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher, W3PerDocReader, _lenfield
from whoosh.matching.wrappers import FilterMatcher
from whoosh.util.numeric import byte_to_length

_EMPTY_IDS = np.zeros(0, dtype=np.int64)
_EMPTY_WEIGHTS = np.zeros(0, dtype=np.float64)
# Whoosh stores a field's length per document as one byte (length_to_byte). 0 means none;
# a document with a posting in the field always has a length, 1 only keeps the division safe.
_LENGTH_OF_BYTE = np.array([byte_to_length(b) or 1 for b in range(256)], dtype=np.float64)


def _block_ids(matcher: W3LeafMatcher) -> np.ndarray:
    """The document numbers of the matcher's current block (its data read if not yet)."""
    if matcher._data is None:
        matcher._read_data()
    deltas = matcher._data[0]
    return np.cumsum(np.fromiter(deltas, dtype=np.int64, count=len(deltas)))


def _each_block(matcher: W3LeafMatcher):
    """Each block of the list in turn, as its document numbers (the matcher is on it)."""
    while True:
        yield _block_ids(matcher)
        if matcher._lastblock:
            return
        matcher._goto(matcher._nextoffset)


def _block_weights(matcher: W3LeafMatcher, count: int) -> np.ndarray:
    weights = matcher._data[1]
    if weights is None:  # every weight 1.0
        return np.ones(count)
    if isinstance(weights, float):  # every weight the same
        return np.full(count, weights)
    return np.fromiter(weights, dtype=np.float64, count=count)


class NoArrayForm(Exception):
    """A query or posting list this package does not evaluate as arrays: search it with
    Whoosh."""


class SegmentPostings:
    """Postings and lengths of one Whoosh index segment (a leaf reader), deletions applied."""

    def __init__(self, reader):
        self.reader = reader
        self.doc_count = reader.doc_count_all()
        deleted = list(reader.deleted_docs_set) if reader.has_deletions() else []
        self.live = None
        if deleted:
            self.live = np.ones(self.doc_count, dtype=bool)
            self.live[np.array(deleted, dtype=np.int64)] = False
        self._length_codes: dict[str, np.ndarray] = {}

    def _matcher(self, fieldname: str, btext: bytes) -> W3LeafMatcher | None:
        """The term's on-disk postings, None if the segment lacks it; deletions are left to
        the callers, who apply them to whole arrays."""
        if (fieldname, btext) not in self.reader:
            return None
        matcher = self.reader.postings(fieldname, btext)
        if isinstance(matcher, FilterMatcher):
            matcher = matcher.child
        if type(matcher) is not W3LeafMatcher:  # e.g. postings inlined in the term info,
            raise NoArrayForm(f"postings read by {type(matcher).__name__}")  # never ours
        return matcher

    def _live(self, ids: np.ndarray) -> np.ndarray:
        return self.live[ids] if self.live is not None else np.ones(len(ids), dtype=bool)

    def term(self, fieldname: str, btext: bytes) -> tuple[np.ndarray, np.ndarray]:
        """Document numbers (ascending) and weights (term frequencies) of one term."""
        matcher = self._matcher(fieldname, btext)
        if matcher is None:
            return _EMPTY_IDS, _EMPTY_WEIGHTS
        ids, weights = [], []
        for block_ids in _each_block(matcher):
            ids.append(block_ids)
            weights.append(_block_weights(matcher, len(block_ids)))
        ids, weights = np.concatenate(ids), np.concatenate(weights)
        keep = self._live(ids)
        return ids[keep], weights[keep]

    def term_positions(self, fieldname: str,
                       btext: bytes) -> tuple[np.ndarray, list[list[int]]]:
        """Document numbers (ascending) of one term, and its positions in each."""
        matcher = self._matcher(fieldname, btext)
        if matcher is None:
            return _EMPTY_IDS, []
        decode = self.reader.schema[fieldname].format.decode_positions
        ids, positions = [], []
        for block_ids in _each_block(matcher):
            keep = self._live(block_ids)
            ids.append(block_ids[keep])
            positions += [decode(value) for value, kept in zip(matcher._data[2], keep) if kept]
        return np.concatenate(ids), positions

    def positions_at(self, fieldname: str, btext: bytes,
                     docs: np.ndarray) -> list[list[int] | None]:
        """The positions of a term in each of `docs` (ascending), None where it is absent.

        Only the blocks that hold one of `docs` are decoded; the others are passed over on
        their headers (a common word's list is thousands of blocks)."""
        found: list[list[int] | None] = [None] * len(docs)
        matcher = self._matcher(fieldname, btext) if len(docs) else None
        if matcher is None:
            return found
        decode = self.reader.schema[fieldname].format.decode_positions
        start = 0
        while start < len(docs):
            while matcher._maxid < docs[start]:
                if matcher._lastblock:
                    return found
                matcher._goto(matcher._nextoffset)
            end = int(np.searchsorted(docs, matcher._maxid, side="right"))
            block_ids, values = _block_ids(matcher), matcher._data[2]
            wanted = docs[start:end]
            at = np.minimum(np.searchsorted(block_ids, wanted), len(block_ids) - 1)
            for offset in np.flatnonzero(block_ids[at] == wanted):
                found[start + offset] = decode(values[at[offset]])
            start = end
            if matcher._lastblock:
                break
            matcher._goto(matcher._nextoffset)
        return found

    def lengths(self, fieldname: str, docs: np.ndarray) -> np.ndarray:
        """The length of `fieldname` in each of `docs`, as Whoosh's scorer reads it.

        Kept as the stored byte per document (1 MB a field at 1M segments, for each thread's
        searcher), turned into lengths only for the documents asked."""
        if fieldname not in self._length_codes:
            codes = np.zeros(self.doc_count, dtype=np.uint8)
            stored = length_bytes(self.reader._perdoc, fieldname)
            if stored:
                codes[:len(stored)] = np.frombuffer(stored, dtype=np.uint8)[:self.doc_count]
            self._length_codes[fieldname] = codes
        return _LENGTH_OF_BYTE[self._length_codes[fieldname][docs]]


def length_bytes(perdoc: W3PerDocReader, fieldname: str) -> bytes | None:
    """A field's length column as stored: one byte per document (NumericColumn "B"), shorter
    than the segment when its last documents lack the field; None when no document has it."""
    reader = perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
    if reader is None:
        return None
    return reader._dbfile.get(reader._basepos, reader._count)
