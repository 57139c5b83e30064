"""The memory a large query works in stays the process's from one query to the next
(indexer/search_index/query_memory.py), so that a large query does not pay, again and again,
for the kernel handing it fresh pages.

Each check runs in a fresh interpreter: glibc's thresholds move with what the process freed
before, so only a new process starts from a known state. What is counted is the page faults
(ru_minflt) of allocating a block of memory, not time: a fault is the cost being avoided.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from search_support import build_archive

from indexer.gazetteer import Gazetteer
from indexer.search_index import query_memory

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(not query_memory.supported(),
                                reason="tunes glibc's malloc only (not this C library)")

# Allocates `mb` MB as a query does, in arrays (of 1 MB: each one malloc, every page written;
# numpy asks for huge pages from 4 MB up, which would hide the faults counted here), and
# returns how many pages the kernel had to hand over for them.
PROBE = """
import json, resource, sys
from pathlib import Path
import numpy as np
from indexer.gazetteer import Gazetteer
from indexer.search_index import SegmentSearcher

def faults(mb):
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    arrays = [np.ones(2**20 // 8) for _ in range(int(mb))]
    after = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    del arrays
    return after - before

searcher = SegmentSearcher(Path(sys.argv[1]), Gazetteer.load())
STEPS
"""


def probe(index_dir: Path, steps: str) -> dict:
    code = PROBE.replace("STEPS", steps)
    done = subprocess.run([sys.executable, "-c", code, str(index_dir)], cwd=ROOT, check=True,
                          capture_output=True, text=True, timeout=120)
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_large_querys_freed_memory_serves_the_next_one(tmp_path: Path) -> None:
    # Regression: glibc gave a large block back to the kernel when it was freed (its
    # threshold for memory-mapped blocks, then its trim of the heap's top), so the next query
    # of that size was handed fresh pages again: at 1M passages, "afghanistan" paid ~2,600
    # page faults (15 ms against 8) each time memory had been given back.
    out = probe(tmp_path, "faults(16); print(json.dumps({'again': faults(16)}))")
    pages = 16 * 2**20 // 4096
    assert out["again"] < pages // 10, f"{out['again']} faults of {pages} pages"


def test_after_a_threads_first_search_a_large_query_finds_its_memory_ready(tmp_path: Path) -> None:
    # The first large query of a thread grew its heap: every page of it a fault. A thread's
    # first search now puts that memory in reserve (query_memory.reserve).
    settings = build_archive(tmp_path / "data", Gazetteer.load())
    mb = int(query_memory.reserve_bytes(0) * 0.9 / 2**20)  # what a three-video index reserves
    out = probe(settings.index_dir, f"""
searcher.search("sécurité")
print(json.dumps({{'first': faults({mb})}}))""")
    pages = mb * 2**20 // 4096
    assert out["first"] < pages // 10, f"{out['first']} faults of {pages} pages"
