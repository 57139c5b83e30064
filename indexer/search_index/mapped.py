"""Reading the index's segment files in place, over one memory map each, instead of copies.

Whoosh keeps each index segment in one compound file (`<name>.seg`) holding the segment's
sub-files (postings, terms, stored fields, columns). Its reader maps that file, then hands
each sub-file to the codec as a `BufferFile`, which wraps the mapped bytes in a `BytesIO`:
a private copy of the whole sub-file. At 1M passages that was ~1 GB copied on opening a
searcher (800 MB of postings, 217 MB of terms), and again for each thread's searcher.

`MappedStorage` is Whoosh's `FileStorage` whose `.seg` files open as a `MappedFile` over a
read-only map of the file: it has no `fileno`, so Whoosh's `CompoundStorage` does not map it
again but asks for each sub-file with `subset`, which here is a slice of the same map (no
copy). Reads copy only the bytes asked for (`get`, `read`), as `BufferFile` does. The
memory the index's pages take is then the kernel's page cache: shared by every thread and
process reading the index, and dropped under pressure, rather than each searcher's own.

Files stay valid while mapped: a writer (this process or another) that merges segments and
deletes the old `.seg` files unlinks them, and on Linux an open searcher keeps reading the
old, unlinked file until it is closed (tests/test_mapped_index.py checks it). The on-disk
format is unchanged: the same files are read another way.
"""

from __future__ import annotations

import mmap
import os
from array import array

from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.structfile import _SIZEMAP, StructFile
from whoosh.system import IS_LITTLE

COMPOUND_EXT = ".seg"  # whoosh.codec.base.Segment.COMPOUND_EXT


class _ViewReader:
    """A read-only, seekable file over a memoryview: what `StructFile` and pickle read with
    (read, readline, readinto, seek, tell), without copying the view."""

    def __init__(self, view: memoryview):
        self._view, self._pos = view, 0

    def read(self, size: int | None = -1) -> bytes:
        start = self._pos
        end = len(self._view) if size is None or size < 0 else min(start + size,
                                                                      len(self._view))
        self._pos = max(start, end)
        return bytes(self._view[start:end])

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)

    def readline(self, size: int | None = -1) -> bytes:
        # Rare (pickle's text opcodes): read on in small pieces up to the newline.
        limit = len(self._view) if size is None or size < 0 else self._pos + size
        line = b""
        while self._pos < limit and not line.endswith(b"\n"):
            piece = bytes(self._view[self._pos:min(self._pos + 256, limit)])
            cut = piece.find(b"\n") + 1 or len(piece)
            line += piece[:cut]
            self._pos += cut
        return line

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        base = {os.SEEK_SET: 0, os.SEEK_CUR: self._pos, os.SEEK_END: len(self._view)}[whence]
        if base + offset < 0:
            raise ValueError(f"negative seek position {base + offset}")
        self._pos = base + offset
        return self._pos

    def tell(self) -> int:
        return self._pos

    def close(self) -> None:
        # The view is dropped, not released: slices of it may still be read by sub-files.
        self._view = memoryview(b"")


class MappedFile(StructFile):
    """A Whoosh `StructFile` over a memoryview of a mapped file; `subset` slices it."""

    def __init__(self, view: memoryview, name: str | None = None):
        reader = _ViewReader(view)
        super().__init__(reader, name=name)
        self._view = view
        # Whoosh reads posting block headers a few bytes at a time: call the reader directly,
        # not through StructFile's forwarding methods.
        self.read, self.seek, self.tell = reader.read, reader.seek, reader.tell

    def subset(self, offset: int, length: int, name: str | None = None) -> MappedFile:
        return MappedFile(self._view[offset:offset + length], name=name or self._name)

    def get(self, position: int, length: int) -> bytes:
        return bytes(self._view[position:position + length])

    def get_array(self, position: int, typecode: str, length: int) -> array:
        # As BufferFile.get_array: stored big-endian.
        numbers = array(typecode)
        numbers.frombytes(self.get(position, length * _SIZEMAP[typecode]))
        if IS_LITTLE:
            numbers.byteswap()
        return numbers

    def close(self) -> None:
        super().close()
        self._view = memoryview(b"")


class MappedStorage(FileStorage):
    """Whoosh's file storage whose compound segment files are read over a memory map."""

    def open_file(self, name: str, **kwargs) -> StructFile:
        if not name.endswith(COMPOUND_EXT) or kwargs:
            return super().open_file(name, **kwargs)
        with open(self._fpath(name), "rb") as handle:
            if not os.fstat(handle.fileno()).st_size:  # an empty file cannot be mapped
                return super().open_file(name)
            mapped = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        return MappedFile(memoryview(mapped), name=name)


def open_mapped(index_dir: str, indexname: str):
    """The index in `index_dir` as `whoosh.index.open_dir` opens it, read over maps."""
    return MappedStorage(index_dir).open_index(indexname)
