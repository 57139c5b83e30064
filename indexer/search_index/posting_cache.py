"""Whole posting lists of frequent terms, decoded once and kept across queries, in bounded
memory.

Reading a posting block is a zlib decompression and an unpickling (about 45 us for 128
postings), and each document's positions another unpickling. A common word's list is
thousands of blocks, and the slowest queries are those that read one: "of real" decoded
2,000 blocks of "of" for every search of it (docs/search-design.md). Here a list of at least
`min_postings` postings is decoded whole on its first use (its document numbers, weights
and positions as flat numpy arrays) and kept; later queries read arrays.

- **Keyed by index segment.** A Whoosh index segment's postings never change once written
  (a commit adds segments, merges some into new ones, and records deletions beside them), so
  an entry is keyed by the index folder, the segment's id, the field and the term, and is
  right for as long as that segment exists. Deletions are not in the entry: the reader
  applies the searcher's own (postings.py).
- **Invalidated on refresh.** When a searcher is opened after a commit
  (querying.SegmentSearcher), `retain` drops the entries of the segments the commit merged
  away or replaced; those of the segments that stayed are still right and stay warm.
- **Warmed on open.** The lists that make the slow phrases are the common words' ("the",
  "de": each in a large share of all passages), and decoding one whole is the cost of its
  first query (a second or more at 1M, for "the" and "and" together). So when a searcher
  is opened on an index segment not warmed yet, the common words' lists in `text` are
  decoded first (array_search.warm), as Lucene's merged-segment warmer does: about 3 CPU
  seconds and 71 MB for the 1M-passage benchmark archive, paid by the first search after the
  commit that made the segment, and only for new segments. A segment with a `.lists` file
  (list_arrays.py) has every list this would keep there, read in place: for it the cache
  and the warmer only see lists shorter than `min_postings`, so nothing is kept.
- **Bounded.** At most `budget` bytes of arrays, least recently used dropped first; a list
  larger than the budget is decoded for its query and not kept.

One cache serves every searcher of the process (`shared_cache`), so its bound is the
process's, whatever the number of threads and searchers. Threads share entries: an entry's
arrays are read-only, and the table is changed under a lock (a list two threads miss at once
is decoded by both, and kept once).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

# A list this long takes about 0.5 ms to decode (8 blocks); shorter ones are not worth their
# table entry.
MIN_POSTINGS = 1024
# The arrays of the few hundred most frequent terms of a 1M-passage archive.
DEFAULT_BUDGET = 256 * 2**20


@dataclass(frozen=True)
class DecodedList:
    """One term's whole posting list in one index segment, deletions not applied."""

    ids: np.ndarray  # document numbers, ascending (int32)
    weights: np.ndarray  # term frequencies as stored (float32)
    starts: np.ndarray | None  # positions of ids[i]: positions[starts[i]:starts[i + 1]]
    positions: np.ndarray | None  # int32; None for a field without positions

    @property
    def nbytes(self) -> int:
        arrays = [self.ids, self.weights, self.starts, self.positions]
        return sum(a.nbytes for a in arrays if a is not None)

    def frozen(self) -> DecodedList:
        for array in (self.ids, self.weights, self.starts, self.positions):
            if array is not None:
                array.flags.writeable = False  # shared by threads: nobody may change it
        return self


Key = tuple[str, str, str, bytes]  # index folder, segment id, field, term


class PostingCache:
    """Decoded posting lists, least recently used dropped beyond `budget` bytes."""

    def __init__(self, budget: int = DEFAULT_BUDGET, min_postings: int = MIN_POSTINGS):
        self.budget = budget
        self.min_postings = min_postings
        self._entries: OrderedDict[Key, DecodedList] = OrderedDict()
        self._warmed: set[tuple[str, str]] = set()  # (index folder, segment id)
        self._lock = threading.Lock()
        self.nbytes = 0
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)

    def keys(self) -> list[Key]:
        with self._lock:
            return list(self._entries)

    def peek(self, key: Key) -> DecodedList | None:
        """The list of `key` if it is kept (a hit), else None (not counted as a miss)."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
                self.hits += 1
            return entry

    def get(self, key: Key, decode: Callable[[], DecodedList]) -> DecodedList:
        """The list of `key`, decoded by `decode` (outside the lock) when it is not kept."""
        entry = self.peek(key)
        if entry is not None:
            return entry
        with self._lock:
            self.misses += 1
        entry = decode().frozen()
        with self._lock:
            if key not in self._entries and entry.nbytes <= self.budget:
                self._entries[key] = entry
                self.nbytes += entry.nbytes
                while self.nbytes > self.budget:
                    _key, dropped = self._entries.popitem(last=False)
                    self.nbytes -= dropped.nbytes
        return entry

    def first_to_warm(self, index: str, segment: str) -> bool:
        """True once per index segment: the caller warms it (array_search.warm)."""
        with self._lock:
            if (index, segment) in self._warmed:
                return False
            self._warmed.add((index, segment))
            return True

    def retain(self, index: str, segment_ids: Iterable[str]) -> None:
        """Drop the entries of `index`'s segments other than `segment_ids` (after a commit:
        the segments merged away or replaced)."""
        current = set(segment_ids)
        with self._lock:
            gone = [key for key in self._entries if key[0] == index and key[1] not in current]
            for key in gone:
                self.nbytes -= self._entries.pop(key).nbytes
            self._warmed = {w for w in self._warmed if w[0] != index or w[1] in current}

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._warmed.clear()
            self.nbytes = 0


_SHARED = PostingCache()


def shared_cache() -> PostingCache:
    """The process's cache, used by every `SegmentSearcher` unless given another."""
    return _SHARED
