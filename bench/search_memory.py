"""The searcher's memory on an existing index: opening, one search, then 8 threads searching.

    .venv/bin/python -m bench.search_memory --index bench/results/work/search/whoosh-100000

Reads the process's own /proc/self/status after each step: VmRSS, VmHWM (the peak), RssAnon
(memory of the process's own, which only it holds and the kernel cannot drop: what a copy of
the index costs) and RssFile (pages of files it maps, here the index: the kernel's page cache,
shared with every process mapping the same files and dropped under pressure; smaps_rollup's
Private_* would count a file page mapped by this process alone as private too). It prints
them with the index's size on disk and the machine's load. The index is only read. The site
searches from waitress's 8 threads (search_app/archive.py), hence the 8. Nothing is written to
docs/benchmarks.md: docs/search-design.md ("Memory") gives the figures of one run.
"""

from __future__ import annotations

import argparse
import logging
import os
import threading
from pathlib import Path

from indexer.gazetteer import Gazetteer
from indexer.search_index import SegmentSearcher

logger = logging.getLogger(__name__)

# Words the synthetic archive (bench/synthetic.py) says often and rarely, English and French.
QUERIES = ("century", "first", "united", "patrie", "trois", "please", "start", "challenges")


def memory_mb() -> dict[str, float]:
    """This process's resident, peak resident, anonymous and file-backed memory, in MB."""
    status = dict(line.split(":", 1) for line in
                  Path("/proc/self/status").read_text().splitlines() if ":" in line)

    def kb(name: str) -> float:
        return int(status[name].split()[0]) / 1024

    return {"rss": kb("VmRSS"), "peak": kb("VmHWM"), "anon": kb("RssAnon"),
            "file": kb("RssFile")}


def _line(step: str, mb: dict[str, float]) -> str:
    return (f"{step:<20} RSS {mb['rss']:6.0f} MB  peak {mb['peak']:6.0f} MB  "
            f"anonymous {mb['anon']:6.0f} MB  file-backed {mb['file']:6.0f} MB")


def measure(index_dir: Path, threads: int = 8) -> list[tuple[str, dict[str, float]]]:
    """Memory after each step, the first being the process with everything imported."""
    steps = [("imported", memory_mb())]
    searcher = SegmentSearcher(index_dir, Gazetteer.load())
    searcher.suggestion("opening")  # opens this thread's Whoosh searcher (and warms the cache)
    steps.append(("opened", memory_mb()))
    results = searcher.search(QUERIES[0])
    if not results.total:
        raise SystemExit(f"no hit for {QUERIES[0]!r} in {index_dir}: not a synthetic index?")
    steps.append(("one search", memory_mb()))
    errors: list[BaseException] = []
    # Waitress's threads live as long as the site, each with its searcher: measured while all
    # of them hold theirs (the barrier), not after the threads end and drop them.
    searched, measured = threading.Barrier(threads + 1), threading.Event()

    def search_all(offset: int) -> None:
        try:
            for i in range(len(QUERIES)):
                searcher.search(QUERIES[(offset + i) % len(QUERIES)], facets=True)
        except BaseException as exc:  # reported below, not lost with the thread
            errors.append(exc)
        searched.wait()
        measured.wait()
    workers = [threading.Thread(target=search_all, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    searched.wait()
    steps.append((f"{threads} threads searched", memory_mb()))
    measured.set()
    for worker in workers:
        worker.join()
    if errors:
        raise errors[0]
    return steps


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", type=Path, required=True, help="a synthetic index's folder")
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    size = sum(path.stat().st_size for path in args.index.iterdir()) / 2**20
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    logger.info("index %s: %.0f MB on disk; load average %s", args.index, size, load)
    for step, mb in measure(args.index, args.threads):
        logger.info("%s", _line(step, mb))
    logger.info("done (load average %s)", " ".join(f"{x:.2f}" for x in os.getloadavg()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
