"""Whole posting lists and field lengths of one index segment as numpy arrays.

Whoosh walks postings one document at a time in Python. On this archive that is the cost of
every query: segments are short and alike, so block-quality skipping never skips a block and
each match is scored in Python (8-18 us each, 20-60k matches for a frequent word at 1M
segments). Read a block at a time instead, a term's whole list is arrays in a few ms, and
scoring, unions and intersections are numpy operations (array_search.py).

This reads Whoosh's own on-disk format, through whoosh_internals (the only module that touches
Whoosh's private structures): blocks of up to 128 postings of whoosh-reloaded 2.7.5's W3 codec.
Postings stored any other way raise NoArrayForm, and the query goes to Whoosh.
"""

from __future__ import annotations

import numpy as np
from whoosh.util.numeric import byte_to_length

from .whoosh_internals import (
    NoArrayForm,
    PostingBlocks,
    deleted_documents,
    length_column,
    posting_blocks,
)

__all__ = ["NoArrayForm", "SegmentPostings"]

_EMPTY_IDS = np.zeros(0, dtype=np.int64)
_EMPTY_WEIGHTS = np.zeros(0, dtype=np.float64)
# Whoosh stores a field's length per document as one byte (length_to_byte). 0 means none;
# a document with a posting in the field always has a length, 1 only keeps the division safe.
_LENGTH_OF_BYTE = np.array([byte_to_length(b) or 1 for b in range(256)], dtype=np.float64)


def _each_block(blocks: PostingBlocks):
    """Each block of the list in turn, as its document numbers (`blocks` is on it)."""
    while True:
        yield blocks.ids()
        if not blocks.advance():
            return


class SegmentPostings:
    """Postings and lengths of one Whoosh index segment (a leaf reader), deletions applied."""

    def __init__(self, reader):
        self.reader = reader
        self.doc_count = reader.doc_count_all()
        deleted = deleted_documents(reader)
        self.live = None
        if deleted:
            self.live = np.ones(self.doc_count, dtype=bool)
            self.live[np.fromiter(deleted, dtype=np.int64, count=len(deleted))] = False
        self._length_codes: dict[str, np.ndarray] = {}

    def _live(self, ids: np.ndarray) -> np.ndarray:
        return self.live[ids] if self.live is not None else np.ones(len(ids), dtype=bool)

    def term(self, fieldname: str, btext: bytes) -> tuple[np.ndarray, np.ndarray]:
        """Document numbers (ascending) and weights (term frequencies) of one term."""
        blocks = posting_blocks(self.reader, fieldname, btext)
        if blocks is None:
            return _EMPTY_IDS, _EMPTY_WEIGHTS
        ids, weights = [], []
        for block_ids in _each_block(blocks):
            ids.append(block_ids)
            weights.append(blocks.weights(len(block_ids)))
        ids, weights = np.concatenate(ids), np.concatenate(weights)
        keep = self._live(ids)
        return ids[keep], weights[keep]

    def positions_at(self, fieldname: str, btext: bytes, docs: np.ndarray,
                     decoded: dict | None = None) -> list[list[int] | None]:
        """The positions of a term in each of `docs` (ascending), None where it is absent.

        Only the blocks that hold one of `docs` are decoded; the others are passed over on
        their headers (a common word's list is thousands of blocks). `decoded`: blocks
        already decoded by this query, kept there (the splits of a phrase across passages
        read the same common words' blocks)."""
        found: list[list[int] | None] = [None] * len(docs)
        blocks = posting_blocks(self.reader, fieldname, btext) if len(docs) else None
        if blocks is None:
            return found
        decode = self.reader.schema[fieldname].format.decode_positions
        start = 0
        while start < len(docs):
            while blocks.last_id() < docs[start]:
                if not blocks.advance():
                    return found
            end = int(np.searchsorted(docs, blocks.last_id(), side="right"))
            key = (fieldname, btext, blocks.last_id())
            if decoded is not None and key in decoded:
                block_ids, values = decoded[key]
            else:
                block_ids, values = blocks.ids(), blocks.values()
                if decoded is not None:
                    decoded[key] = block_ids, values
            wanted = docs[start:end]
            at = np.minimum(np.searchsorted(block_ids, wanted), len(block_ids) - 1)
            for offset in np.flatnonzero(block_ids[at] == wanted):
                found[start + offset] = decode(values[at[offset]])
            start = end
            if not blocks.advance():
                break
        return found

    def lengths(self, fieldname: str, docs: np.ndarray) -> np.ndarray:
        """The length of `fieldname` in each of `docs`, as Whoosh's scorer reads it.

        Kept as the stored byte per document (1 MB a field at 1M segments, for each thread's
        searcher), turned into lengths only for the documents asked."""
        if fieldname not in self._length_codes:
            codes = np.zeros(self.doc_count, dtype=np.uint8)
            stored = length_column(self.reader, fieldname)
            if stored:
                codes[:len(stored)] = np.frombuffer(stored, dtype=np.uint8)[:self.doc_count]
            self._length_codes[fieldname] = codes
        return _LENGTH_OF_BYTE[self._length_codes[fieldname][docs]]
