"""Whole posting lists and field lengths of one index segment as numpy arrays.

Whoosh walks postings one document at a time in Python. On this archive that is the cost of
every query: segments are short and alike, so block-quality skipping never skips a block and
each match is scored in Python (8-18 us each, 20-60k matches for a frequent word at 1M
segments). Read a block at a time instead, a term's whole list is arrays in a few ms, and
scoring, unions and intersections are numpy operations (array_search.py).

This reads Whoosh's own on-disk format, through whoosh_internals (the only module that touches
Whoosh's private structures): blocks of up to 128 postings of whoosh-reloaded 2.7.5's W3 codec.
Postings stored any other way raise NoArrayForm, and the query goes to Whoosh.

With a `PostingCache` (posting_cache.py), a frequent term's whole list is decoded once and
kept for the queries after; the others are read block by block on each query, as before.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from whoosh.util.numeric import byte_to_length

from .list_arrays import ListArrays
from .posting_cache import DecodedList, PostingCache
from .whoosh_internals import (
    NoArrayForm,
    PostingBlocks,
    deleted_documents,
    length_column,
    positions_of,
    posting_blocks,
)

__all__ = ["Found", "NoArrayForm", "SegmentPostings", "ragged_rows", "segment_id"]

# Postings a block (Whoosh's W3 codec's blocklimit): fewer candidates than a list's blocks
# touch a few of its blocks only.
_BLOCK_POSTINGS = 128
_EMPTY_IDS = np.zeros(0, dtype=np.int64)
_EMPTY_WEIGHTS = np.zeros(0, dtype=np.float64)
# Whoosh stores a field's length per document as one byte (length_to_byte). 0 means none;
# a document with a posting in the field always has a length, 1 only keeps the division safe.
_LENGTH_OF_BYTE = np.array([byte_to_length(b) or 1 for b in range(256)], dtype=np.float64)


@dataclass
class Found:
    """A term's positions in some documents: which of them hold it (`present`, one per
    document asked), and for those, in order, the number of positions and all of them in a
    row (a ragged array: `ragged_rows` takes rows of it)."""

    present: np.ndarray  # bool
    counts: np.ndarray  # int64, one per present document
    positions: np.ndarray  # int64, sum(counts) of them


def ragged_rows(starts: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows `rows` of a ragged array whose row i is `values[starts[i]:starts[i + 1]]`: each
    row's length, and the indices of their values in `values`, in order."""
    counts = (starts[rows + 1] - starts[rows]).astype(np.int64)
    firsts = np.cumsum(counts) - counts
    index = np.arange(int(counts.sum()), dtype=np.int64) - np.repeat(firsts, counts)
    return counts, index + np.repeat(starts[rows].astype(np.int64), counts)


def segment_id(reader) -> str:
    """The id of the index segment a leaf reader reads ("" for an empty index's reader)."""
    segment = reader.segment()
    return segment.segment_id() if segment is not None else ""


def _each_block(blocks: PostingBlocks):
    """Each block of the list in turn, as its document numbers (`blocks` is on it)."""
    while True:
        yield blocks.ids()
        if not blocks.advance():
            return


class SegmentPostings:
    """Postings and lengths of one Whoosh index segment (a leaf reader), deletions applied."""

    def __init__(self, reader, cache: PostingCache | None = None, index: str = "",
                 lists: ListArrays | None = None):
        """`cache`: frequent terms' lists kept across queries, under the key of this index
        segment in the index folder `index`; `lists`: the segment's long lists as arrays
        (list_arrays.py), read before the cache."""
        self.reader = reader
        self.cache = cache
        self.lists = lists
        self._key = (index, segment_id(reader))
        self.doc_count = reader.doc_count_all()
        deleted = deleted_documents(reader)
        self.live = None
        if deleted:
            self.live = np.ones(self.doc_count, dtype=bool)
            self.live[np.fromiter(deleted, dtype=np.int64, count=len(deleted))] = False
        self._length_codes: dict[str, np.ndarray] = {}

    def _live(self, ids: np.ndarray) -> np.ndarray:
        return self.live[ids] if self.live is not None else np.ones(len(ids), dtype=bool)

    def _cached(self, fieldname: str, btext: bytes, wanted: int | None = None,
                ) -> DecodedList | None:
        """The whole list from the cache, None without a cache or for a list too short to
        keep. On a miss it is decoded, unless `wanted` documents of it only are asked and
        they are too few to touch most of its blocks: a phrase's candidates on the
        boundary's pair ("the | and") are a few of "the"'s documents, read block by block.
        A list in the segment's `.lists` file is a slice of it, whatever `wanted`."""
        if self.lists is not None:
            mapped = self.lists.get(fieldname, btext)
            if mapped is not None:
                return mapped
            if self.cache is not None and self.lists.min_postings <= self.cache.min_postings:
                return None  # shorter than the file's lists, so than the cache's: no lookup
        if self.cache is None:
            return None
        frequency = self.reader.doc_frequency(fieldname, btext)
        if frequency < self.cache.min_postings:
            return None
        key = (*self._key, fieldname, btext)
        if wanted is not None and wanted * _BLOCK_POSTINGS < frequency:
            return self.cache.peek(key)
        return self.cache.get(key, lambda: self.decode_whole(fieldname, btext))

    def decode_whole(self, fieldname: str, btext: bytes) -> DecodedList:
        """The term's whole list, decoded from Whoosh's blocks (deletions not applied)."""
        blocks = posting_blocks(self.reader, fieldname, btext)
        fmt = self.reader.schema[fieldname].format
        positional = fmt.supports("positions")
        ids, weights, values = [], [], []
        for block_ids in _each_block(blocks):
            ids.append(block_ids)
            weights.append(blocks.weights(len(block_ids)))
            if positional:
                values.extend(blocks.values())
        starts = positions = None
        if positional:
            counts, flat = positions_of(fmt, values)
            starts = np.concatenate(([0], np.cumsum(counts))).astype(np.int32)
            positions = flat.astype(np.int32)
        return DecodedList(np.concatenate(ids).astype(np.int32),
                           np.concatenate(weights).astype(np.float32), starts, positions)

    def warm(self, fieldname: str, btext: bytes) -> None:
        """Decode the term's list into the cache now, if it is one to keep."""
        if (fieldname, btext) in self.reader:
            self._cached(fieldname, btext)

    @property
    def segment(self) -> str:
        return self._key[1]

    def term(self, fieldname: str, btext: bytes) -> tuple[np.ndarray, np.ndarray]:
        """Document numbers (ascending) and weights (term frequencies) of one term."""
        cached = self._cached(fieldname, btext)
        if cached is not None:
            ids, weights = cached.ids.astype(np.int64), cached.weights.astype(np.float64)
        else:
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
                     decoded: dict | None = None) -> Found:
        """The positions of a term in each of `docs` (ascending) that holds it.

        From the cache for a frequent term; else only the blocks that hold one of `docs`
        are decoded, the others passed over on their headers. `decoded`: blocks already
        decoded by this query, kept there (the splits of a phrase across passages read the
        same common words' blocks)."""
        cached = self._cached(fieldname, btext, len(docs)) if len(docs) else None
        if cached is not None:
            # The needles in the list's own dtype (int32): searchsorted would otherwise copy
            # the whole list into int64 on every call (~0.1 ms for "de"'s 500k postings).
            at = np.minimum(np.searchsorted(cached.ids, docs.astype(cached.ids.dtype)),
                            len(cached.ids) - 1)
            present = cached.ids[at] == docs
            counts, index = ragged_rows(cached.starts, at[present])
            return Found(present, counts, cached.positions[index].astype(np.int64))
        present = np.zeros(len(docs), dtype=bool)
        values: list[bytes] = []
        blocks = posting_blocks(self.reader, fieldname, btext) if len(docs) else None
        start = 0
        while blocks is not None and start < len(docs):
            while blocks.last_id() < docs[start]:
                if not blocks.advance():
                    blocks = None
                    break
            if blocks is None:
                break
            end = int(np.searchsorted(docs, blocks.last_id(), side="right"))
            key = (fieldname, btext, blocks.last_id())
            if decoded is not None and key in decoded:
                block_ids, block_values = decoded[key]
            else:
                block_ids, block_values = blocks.ids(), blocks.values()
                if decoded is not None:
                    decoded[key] = block_ids, block_values
            wanted = docs[start:end]
            at = np.minimum(np.searchsorted(block_ids, wanted), len(block_ids) - 1)
            hits = np.flatnonzero(block_ids[at] == wanted)
            present[start + hits] = True
            values.extend(block_values[at[i]] for i in hits)
            start = end
            if not blocks.advance():
                break
        counts, positions = positions_of(self.reader.schema[fieldname].format, values)
        return Found(present, counts, positions)

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
