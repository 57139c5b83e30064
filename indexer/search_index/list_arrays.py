"""Long posting lists of an index segment also kept as raw arrays, in a file beside it, read
in place over a memory map: a first read of a frequent word is a slice, not a decoding.

With the posting cache alone (posting_cache.py), the slow queries left at 1M passages were
the first search of a frequent content word since the searcher was opened: its lists decoded
block by block from Whoosh's format (a zlib decompression and an unpickling per block of 128
postings, ~45 us; "afghanistan" 140 ms the first time, 11 ms the second). Here, after each
commit, every list of at least `MIN_POSTINGS` (256) postings of each new index segment is decoded
once (postings.py's `decode_whole`) and its arrays (document numbers, weights, positions) are
written to `<segment id>.lists` in the index folder (list_writing.py). A searcher maps the
file and reads a list as numpy views of the map: nothing decoded, no warming, and the memory
is the kernel's page cache, shared by every thread and process, not the process's own.

- **Beside Whoosh's files, not instead.** Whoosh reads its own files as before (the
  fallback path, and any other reader of the index); the file holds a copy of what they say.
  Its name matches Whoosh's pattern of a segment's files, so Whoosh deletes it with its
  segment when a commit merges that segment away (`whoosh.index.clean_files`).
- **Optional.** A segment without the file (an index made before it, a crash between the
  commit and the file, a short segment with no long list) is read from Whoosh's blocks, with
  the posting cache, as before: the same postings either way. So the index format does not
  change; the next commit writes the files its segments lack (list_writing.py).
- **Written whole, then renamed** (a crash leaves no half file under the real name), by the
  writer, under its turn (writing.py calls list_writing's `write_missing` after each
  commit).

Layout: the arrays one after the other (each aligned to 8 bytes), then a JSON table of the
lists (field, term in hex, offsets and lengths) and the least number of postings of a list
in it, then the table's offset and `MAGIC`.
"""

from __future__ import annotations

import json
import logging
import mmap
import os
import struct
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .posting_cache import DecodedList

logger = logging.getLogger(__name__)

SUFFIX = ".lists"
MAGIC = b"SSLISTS1"
_TRAILER = struct.Struct("<Q8s")  # the table's offset, MAGIC


def path_of(index_dir: str | Path, segment: str) -> Path:
    return Path(index_dir) / f"{segment}{SUFFIX}"


@dataclass(frozen=True)
class _Entry:
    count: int  # postings
    ids: int  # byte offsets of the arrays in the file
    weights: int
    starts: int  # -1: a field without positions
    positions: int
    positions_count: int


class ListArrays:
    """The long lists of one index segment, as views of its mapped `.lists` file."""

    def __init__(self, path: Path):
        with open(path, "rb") as handle:
            self._map = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        self._buffer = np.frombuffer(self._map, dtype=np.uint8)
        offset, magic = _TRAILER.unpack_from(self._map, len(self._map) - _TRAILER.size)
        if magic != MAGIC:
            raise ValueError(f"{path} is not a lists file")
        table = json.loads(bytes(self._map[offset:len(self._map) - _TRAILER.size]))
        # Every list of the segment with at least this many postings is in the file.
        self.min_postings: int = table["min_postings"]
        self._entries = {(field, bytes.fromhex(term)): _Entry(*numbers)
                         for field, term, *numbers in table["lists"]}

    def __len__(self) -> int:
        return len(self._entries)

    def _array(self, offset: int, count: int, dtype) -> np.ndarray:
        return self._buffer[offset:offset + count * 4].view(dtype)

    def get(self, fieldname: str, btext: bytes) -> DecodedList | None:
        entry = self._entries.get((fieldname, btext))
        if entry is None:
            return None
        starts = positions = None
        if entry.starts >= 0:
            starts = self._array(entry.starts, entry.count + 1, np.int32)
            positions = self._array(entry.positions, entry.positions_count, np.int32)
        return DecodedList(self._array(entry.ids, entry.count, np.int32),
                           self._array(entry.weights, entry.count, np.float32),
                           starts, positions)


def _aligned(handle) -> int:
    position = handle.tell()
    if position % 8:
        handle.write(b"\0" * (8 - position % 8))
    return handle.tell()


def write(path: Path, lists, min_postings: int) -> int:
    """Write `lists`, (field, term, DecodedList) in any order: every list of the segment of
    at least `min_postings` postings, to `path` (whole, then renamed into place); returns
    how many."""
    temporary = path.with_name(f".{path.name}.tmp")  # Whoosh's cleaning skips dot-files
    table = []
    with open(temporary, "wb") as handle:
        for fieldname, btext, decoded in lists:
            offsets = []
            for array, dtype in ((decoded.ids, np.int32), (decoded.weights, np.float32),
                                 (decoded.starts, np.int32), (decoded.positions, np.int32)):
                if array is None:
                    offsets.append(-1)
                    continue
                offsets.append(_aligned(handle))
                handle.write(np.ascontiguousarray(array, dtype=dtype).tobytes())
            ids, weights, starts, positions = offsets
            table.append([fieldname, btext.hex(), len(decoded.ids), ids, weights, starts,
                          positions, 0 if decoded.positions is None else len(decoded.positions)])
        offset = _aligned(handle)
        handle.write(json.dumps({"min_postings": min_postings, "lists": table},
                                separators=(",", ":")).encode())
        handle.write(_TRAILER.pack(offset, MAGIC))
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    return len(table)


class MappedLists:
    """The `.lists` files of the segments a process reads, each mapped once and shared by
    every thread (a segment's file never changes once written)."""

    def __init__(self):
        self._open: dict[Path, ListArrays] = {}
        self._lock = threading.Lock()

    def of(self, index_dir: str, segment: str) -> ListArrays | None:
        """The segment's lists, None if it has no file (yet: the writer may add it later,
        so a missing file is looked for again next time). A file that cannot be read is
        logged and the segment read from Whoosh's blocks."""
        if not index_dir or not segment:
            return None
        path = path_of(index_dir, segment)
        with self._lock:
            found = self._open.get(path)
        if found is not None:
            return found
        try:
            found = ListArrays(path)
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            logger.error("cannot read %s (%s): its lists are decoded from the index instead; "
                         "the next index commit writes it again", path, exc)
            return None
        with self._lock:
            return self._open.setdefault(path, found)

    def retain(self, index_dir: str, segments) -> None:
        """Forget the files of `index_dir`'s segments other than `segments` (merged away)."""
        keep = {path_of(index_dir, segment) for segment in segments}
        with self._lock:
            for path in [p for p in self._open if str(p.parent) == index_dir
                         and p not in keep]:
                del self._open[path]


_SHARED = MappedLists()


def shared_lists() -> MappedLists:
    return _SHARED


__all__ = ["ListArrays", "MappedLists", "path_of", "shared_lists", "write"]
