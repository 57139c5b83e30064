"""Every use of Whoosh's private structures, here and in bulk_writer.py (writing's): the
fence around the fast path.

The array path (array_search.py, postings.py, phrases.py) and bulk writing (writing.py,
through bulk_writer.py) read what Whoosh keeps to itself, for speed (docs/search-design.md):
the W3 codec's posting blocks (`_data`, `_goto`, `_maxid`, `_lastblock`, `_nextoffset`), a
segment reader's per-document reader (`_perdoc`) and its length columns (`_cached_reader`,
`_dbfile`, `_lenfield`), the deleted-documents set of a segment reader and BM25F's
per-field B (`_field_B`); the writer's pool and per-document writer (bulk_writer.py). They
are whoosh-reloaded 2.7.5's and may change in any release, so:

- this module was written for WRITTEN_FOR; on any other Whoosh version (or one without the
  names it imports) FAST_PATH is False, a warning says so once at import, `rank` hands every
  query to Whoosh's own searcher and writing uses Whoosh's own writer and codec. Nothing
  else in the package (but bulk_writer.py, on the same FAST_PATH) touches a private Whoosh
  name, so everything then runs on Whoosh's public API.
- on the right version, any other failure inside the array path is caught by querying.py,
  logged once, and the query answered by Whoosh's own searcher with the same results.
"""

from __future__ import annotations

import logging

import numpy as np
import whoosh
from whoosh.formats import Positions
from whoosh.matching.wrappers import FilterMatcher
from whoosh.scoring import BM25F

try:
    from whoosh.codec.whoosh3 import (
        LENGTHS_COLUMN,
        W3Codec,  # noqa: F401  (bulk_writer.py's, checked here with the rest)
        W3LeafMatcher,
        W3PerDocReader,
        W3PostingsWriter,  # noqa: F401  (bulk_writer.py's)
        _lenfield,
    )
except ImportError as exc:  # a Whoosh whose W3 codec is laid out otherwise
    _MISSING: str | None = str(exc)
else:
    _MISSING = None

logger = logging.getLogger(__name__)

# The Whoosh versions whose private structures this module reads as they are.
WRITTEN_FOR = ("2.7.5",)
WHOOSH_VERSION = whoosh.versionstring()


class NoArrayForm(Exception):
    """A query or posting list this package does not evaluate as arrays: search it with
    Whoosh."""


def disabled_reason(version: str = WHOOSH_VERSION) -> str | None:
    """Why the fast path cannot run on Whoosh `version`, None when it can."""
    if version not in WRITTEN_FOR:
        return (f"Whoosh {version} is installed; the fast search path reads the private "
                f"structures of Whoosh {', '.join(WRITTEN_FOR)} only")
    if _MISSING:
        return f"Whoosh {version} lacks what the fast search path reads: {_MISSING}"
    return None


FAST_PATH = disabled_reason() is None
if not FAST_PATH:
    logger.warning("every query goes through Whoosh's own searcher (slower on large "
                   "archives): %s", disabled_reason())


class PostingBlocks:
    """A term's posting list on disk, one block (up to 128 postings) at a time: each block a
    pickled (delta-coded ids, weights, values) tuple, decoded only when asked."""

    def __init__(self, matcher: W3LeafMatcher):
        self._matcher = matcher

    def _data(self):
        if self._matcher._data is None:
            self._matcher._read_data()
        return self._matcher._data

    def ids(self) -> np.ndarray:
        """The current block's document numbers (ascending, int64)."""
        deltas = self._data()[0]
        return np.cumsum(np.fromiter(deltas, dtype=np.int64, count=len(deltas)))

    def weights(self, count: int) -> np.ndarray:
        """The current block's weights (term frequencies); `count` is its number of ids."""
        weights = self._data()[1]
        if weights is None:  # every weight 1.0
            return np.ones(count)
        if isinstance(weights, float):  # every weight the same
            return np.full(count, weights)
        return np.fromiter(weights, dtype=np.float64, count=count)

    def values(self) -> list:
        """The current block's encoded values (positions: the field format decodes them)."""
        return self._data()[2]

    def last_id(self) -> int:
        """The current block's highest document number, from its header (nothing decoded)."""
        return self._matcher._maxid

    def advance(self) -> bool:
        """Move to the next block; False when the current one was the last."""
        if self._matcher._lastblock:
            return False
        self._matcher._goto(self._matcher._nextoffset)
        return True


# A `Positions` value as whoosh-reloaded 2.7.5 writes it: the count (4 bytes, big-endian), then
# the pickle (protocol 2) of the list of position deltas. Deltas under 256 are pickled as
# "K" and one byte, so a value of n such deltas has a fixed layout, read below without
# unpickling: for n == 1 `\x80\x02]q\x00 K d a .` (13 bytes), else
# `\x80\x02]q\x00 ( K d K d ... e .` (12 + 2n bytes).
_PICKLE_HEAD = np.frombuffer(b"\x80\x02]q\x00", dtype=np.uint8)
_K = ord("K")


def positions_of(fmt, values: list[bytes]) -> tuple[np.ndarray, np.ndarray]:
    """The positions of each of `values` (posting values of a field of format `fmt`): their
    counts and all of them in a row (int64), as `fmt.decode_positions` gives them one by one.

    Unpickling each value is a Python call per document; a common word's candidates are
    thousands. Values of the fixed layout above (every delta under 256: passages are short)
    are read with numpy, any other value with `fmt.decode_positions`."""
    count = len(values)
    if not count:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    lengths = np.fromiter(map(len, values), dtype=np.int64, count=count)
    if type(fmt) is not Positions or lengths.min() < 13:
        return _positions_one_by_one(fmt, values)
    data = np.frombuffer(b"".join(values), dtype=np.uint8)
    starts = np.cumsum(lengths) - lengths
    head = data[starts[:, None] + np.arange(4)].astype(np.int64)
    counts = (head[:, 0] << 24) | (head[:, 1] << 16) | (head[:, 2] << 8) | head[:, 3]
    single = counts == 1
    fixed = (lengths == np.where(single, 13, 12 + 2 * counts)) & (counts >= 1)
    fixed &= (data[starts[:, None] + 4 + np.arange(5)] == _PICKLE_HEAD).all(axis=1)
    first = starts + np.where(single, 9, 10)  # the first "K"
    fixed &= single | (data[np.minimum(starts + 9, len(data) - 1)] == ord("("))
    fixed_counts = np.where(fixed, counts, 0)
    total = int(fixed_counts.sum())
    ends = np.cumsum(fixed_counts)
    within = np.arange(total) - np.repeat(ends - fixed_counts, fixed_counts)
    opcodes = np.repeat(first, fixed_counts) + 2 * within
    if total and not (data[opcodes] == _K).all():
        return _positions_one_by_one(fmt, values)
    deltas = data[opcodes + 1].astype(np.int64)
    if not fixed.all():  # a long passage's value: decoded one by one, put in its place
        parts = np.split(deltas, ends[:-1])
        for i in np.flatnonzero(~fixed):
            parts[i] = np.diff(np.array(fmt.decode_positions(values[i]), dtype=np.int64),
                               prepend=0)
            counts[i] = len(parts[i])
        deltas = np.concatenate(parts)
    positions = np.cumsum(deltas)
    before = np.cumsum(counts) - counts  # where each value's positions begin
    positions -= np.repeat(np.concatenate(([0], positions))[before], counts)
    return counts, positions


def _positions_one_by_one(fmt, values: list[bytes]) -> tuple[np.ndarray, np.ndarray]:
    decoded = [fmt.decode_positions(value) for value in values]
    counts = np.fromiter(map(len, decoded), dtype=np.int64, count=len(decoded))
    flat = [p for positions in decoded for p in positions]
    return counts, np.array(flat, dtype=np.int64)


def posting_blocks(reader, fieldname: str, btext: bytes) -> PostingBlocks | None:
    """The on-disk postings of a term of one index segment, None if the segment lacks it;
    deletions are left to the callers, who apply them to whole arrays.

    Raises NoArrayForm for postings stored another way (e.g. inlined in the term info)."""
    if (fieldname, btext) not in reader:
        return None
    matcher = reader.postings(fieldname, btext)
    if isinstance(matcher, FilterMatcher):  # the deletions filter
        matcher = matcher.child
    if type(matcher) is not W3LeafMatcher:
        raise NoArrayForm(f"postings read by {type(matcher).__name__}")
    return PostingBlocks(matcher)


def deleted_documents(reader) -> frozenset[int]:
    """The deleted document numbers of one index segment (a leaf reader)."""
    return reader.deleted_docs_set if reader.has_deletions() else frozenset()


def length_bytes(perdoc: W3PerDocReader, fieldname: str) -> bytes | None:
    """A field's length column as stored: one byte per document (NumericColumn "B"), shorter
    than the segment when its last documents lack the field; None when no document has it."""
    column = perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
    if column is None:
        return None
    return column._dbfile.get(column._basepos, column._count)


def length_column(reader, fieldname: str) -> bytes | None:
    """The length column of `fieldname` in one index segment (see `length_bytes`)."""
    return length_bytes(reader._perdoc, fieldname)


def bm25f_parameters(weighting) -> tuple[float, float] | None:
    """(B, K1) of Whoosh's default BM25F, None for any other weighting (or one with a B per
    field): the arrays compute that formula only."""
    if type(weighting) is not BM25F or weighting._field_B:
        return None
    return weighting.B, weighting.K1

