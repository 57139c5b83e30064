"""The working memory of large queries: kept by the process from one query to the next.

A query over a frequent word works in arrays of its matches (array_search.py, scored.py):
at 1M passages, "afghanistan" allocates ~10 MB of them and frees them when it returns. With
glibc's default settings, that memory goes back to the kernel whenever a large block is
freed: blocks above a threshold (128 KB, raised as large blocks are freed) are mapped and
unmapped for each allocation, and the top of the heap is trimmed once more than twice that
threshold is free. The next large query is then handed fresh pages, one page fault each:
measured at 1M passages, the first "afghanistan" of a process took 15 ms with ~2,600 faults,
the next 8 ms with none, and any large query after a larger one could pay again (bench/
search_tails.py; these faults were the search section's term p99).

Two things, on glibc only (elsewhere nothing changes):

- `keep_freed_memory`, once per process: fixed thresholds, so that blocks up to
  `MMAP_THRESHOLD` come from the heap and up to `TRIM_THRESHOLD` of free heap is kept for
  the next query. The cost: a process keeps up to that much memory it no longer uses, per
  malloc arena (glibc gives threads their own arenas). Left alone when the user set glibc's
  own MALLOC_* or GLIBC_TUNABLES variables: theirs wins.
- `reserve`, once per thread, after its first search (querying.py): the memory a large
  query of the index needs, allocated, written and freed, so that the heap holds it and the
  thread's next large query finds it ready. After the first search, not on opening: that
  search reads columns that stay (field lengths, ~8 MB at 1M passages), and they would take
  the reserve's place. A thread's first search, when it is a large one, still pays.
"""

from __future__ import annotations

import ctypes
import logging
import os
import platform
import threading

import numpy as np

logger = logging.getLogger(__name__)

_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # glibc's <malloc.h>
MMAP_THRESHOLD = 32 * 2**20  # glibc's own ceiling for its moving threshold
TRIM_THRESHOLD = 64 * 2**20
# What a large query works in, per passage of the index (measured at 1M: a word in a tenth
# of the passages, ~10 MB), within these bounds.
RESERVE_PER_DOCUMENT = 16
RESERVE_MIN, RESERVE_MAX = 4 * 2**20, 24 * 2**20

_lock = threading.Lock()
_kept: bool | None = None  # None: not tried yet
_reserved = threading.local()


def supported() -> bool:
    return platform.system() == "Linux" and platform.libc_ver()[0] == "glibc"


def _user_tuned() -> bool:
    return "GLIBC_TUNABLES" in os.environ or any(name.startswith("MALLOC_")
                                                 for name in os.environ)


def keep_freed_memory() -> bool:
    """Make glibc keep the memory queries free (see above); once per process. Returns
    whether the process keeps it."""
    global _kept
    with _lock:
        if _kept is None:
            _kept = False
            if not supported():
                logger.debug("not glibc: malloc left as it is")
            elif _user_tuned():
                logger.info("malloc left as the MALLOC_*/GLIBC_TUNABLES variables set it")
            else:
                mallopt = ctypes.CDLL(None).mallopt
                _kept = bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)
                             and mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD))
                if not _kept:
                    logger.warning("glibc refused the malloc thresholds: large queries may "
                                   "pay page faults each time")
        return _kept


def reserve_bytes(documents: int) -> int:
    return min(RESERVE_MAX, max(RESERVE_MIN, RESERVE_PER_DOCUMENT * documents))


def reserve(documents: int) -> None:
    """Make the calling thread's heap hold what a large query of an index of `documents`
    passages needs, once per thread; only when the process keeps freed memory (else the
    memory would go straight back to the kernel)."""
    size = reserve_bytes(documents)
    if not _kept or getattr(_reserved, "size", 0) >= size:
        return
    block = np.ones(size // 8)  # written: the pages are the process's now
    del block  # freed to this thread's arena, and kept there (keep_freed_memory)
    _reserved.size = size
