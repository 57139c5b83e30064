"""The transcripts the site keeps parsed: a least-recently-used cache bounded by size.

A parsed transcript takes several times its JSON file in memory; an archive of thousands of
hours cannot be kept whole in the server process, so the cache holds the most recently read
transcripts up to `max_bytes` of their files' sizes (the bound is on the files, which are known
before parsing, not on Python objects, whose size cannot be had cheaply). An entry is valid
while its file keeps the same modification time, size and inode (`Stamp`): a transcript saved again
by the indexer, a correction or a metadata edit is read afresh on its next use.

Thread-safe: waitress serves requests from several threads; every change of the order or
the contents happens under one lock. Two threads missing the same transcript at once both
parse it (the lock is not held while parsing, which would serialise every cold read).
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, NamedTuple, TypeVar

V = TypeVar("V")


class Stamp(NamedTuple):
    """The version of the file a value was read from. The inode as well as the time: files
    are saved by rename (store.write_json_atomic), so each save has a new inode, and two
    saves within the file system's clock tick, of the same size, still differ."""

    mtime_ns: int
    size: int
    inode: int


def stamp_of(stat: os.stat_result) -> Stamp:
    return Stamp(stat.st_mtime_ns, stat.st_size, stat.st_ino)


class SizedLRU(Generic[V]):
    def __init__(self, max_bytes: int):
        if max_bytes < 0:
            raise ValueError(f"a cache bound must be 0 or more bytes, not {max_bytes}")
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._entries: OrderedDict[str, tuple[Stamp, V]] = OrderedDict()
        self._bytes = 0

    def get(self, key: str, stamp: Stamp) -> V | None:
        """The value read from this very version of the file, or None."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry[0] != stamp:
                return None
            self._entries.move_to_end(key)
            return entry[1]

    def put(self, key: str, stamp: Stamp, value: V) -> None:
        """Keep a value read from a file of `stamp`'s size; the least recently used ones go
        until the bound is kept. A file larger than the whole bound is not kept at all."""
        size = stamp.size
        with self._lock:
            self._discard(key)
            if size > self.max_bytes:
                return
            self._entries[key] = (stamp, value)
            self._bytes += size
            while self._bytes > self.max_bytes:
                self._discard(next(iter(self._entries)))

    def get_or_load(self, key: str, stamp: Stamp, load: Callable[[], V]) -> V:
        value = self.get(key, stamp)
        if value is None:
            value = load()
            self.put(key, stamp, value)
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    @property
    def size(self) -> int:
        """Bytes of files whose values are held (never more than `max_bytes`)."""
        with self._lock:
            return self._bytes

    def _discard(self, key: str) -> None:
        entry = self._entries.pop(key, None)
        if entry is not None:
            self._bytes -= entry[0].size
