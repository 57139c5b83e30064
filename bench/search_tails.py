"""Where the search section's tails come from: each slow query, timed again, with the
garbage collector's pauses beside it.

    .venv/bin/python -m bench.search_tails --size 1000000 [--types phrase and] [--no-cache]

On the index and queries `bench.search_quick` left (same seed as `python -m bench --only
search`), each type's queries are run as the section runs them (five first to warm up, then
all of them, timed), then all of them a second time. For the slowest of the first pass it
prints both times and the time the collector spent during each: a query slow both times is
slow; one slow the first time only paid for something the first time (a list decoded into
the posting cache, a file's pages read); one whose time is mostly the collector's paid for
the collector. `--no-cache` runs without the posting cache (posting_cache.py); an index's
`.lists` files (list_arrays.py) are read all the same. Nothing is written to
docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import os
import time

from bench.report import BenchContext, percentile
from bench.search import TYPES
from indexer.gazetteer import Gazetteer
from indexer.search_index import SegmentSearcher
from indexer.search_index.posting_cache import PostingCache

logger = logging.getLogger(__name__)


class _CollectorClock:
    """Seconds the garbage collector ran since `reset` (gc.callbacks)."""

    def __init__(self):
        self.total = 0.0
        self._started = 0.0
        gc.callbacks.append(self._callback)

    def _callback(self, phase: str, _info: dict) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.total += time.perf_counter() - self._started

    def reset(self) -> None:
        self.total = 0.0


def _timed(searcher, clock, text: str, kw: dict) -> tuple[float, float]:
    clock.reset()
    started = time.perf_counter()
    searcher.search(text, **kw)
    return (time.perf_counter() - started) * 1000, clock.total * 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--types", nargs="+", choices=TYPES,
                        default=["term", "and", "phrase", "prefix", "entity", "faceted"])
    parser.add_argument("--slowest", type=int, default=4)
    parser.add_argument("--no-cache", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    scratch = BenchContext().scratch("search")
    drawn = json.loads((scratch / f"queries-{args.size}-60.json").read_text())
    cache = PostingCache(min_postings=10**12) if args.no_cache else None
    searcher = SegmentSearcher(scratch / f"whoosh-{args.size}", Gazetteer.load(),
                               posting_cache=cache)
    clock = _CollectorClock()
    logger.info("load average %s", " ".join(f"{x:.2f}" for x in os.getloadavg()))
    started, cpu = time.perf_counter(), time.process_time()
    searcher.search("zzzz")  # opens the searcher (and warms the posting cache)
    logger.info("opening: %.2f s (%.2f s CPU)", time.perf_counter() - started,
                time.process_time() - cpu)
    for name in args.types:
        queries = drawn[name]
        for text, kw in queries[:5]:
            searcher.search(text, **kw)
        first = [_timed(searcher, clock, text, kw) for text, kw in queries]
        second = [_timed(searcher, clock, text, kw) for text, kw in queries]
        ms = [t for t, _gc in first]
        logger.info("%s: p50 %.1f p95 %.1f p99 %.1f ms; again p95 %.1f p99 %.1f; collector "
                    "%.0f ms in all", name, percentile(ms, 50), percentile(ms, 95),
                    percentile(ms, 99), percentile([t for t, _ in second], 95),
                    percentile([t for t, _ in second], 99),
                    sum(g for _t, g in first))
        slowest = sorted(range(len(queries)), key=lambda i: -first[i][0])[:args.slowest]
        for i in slowest:
            logger.info("  %-40s %7.1f ms (collector %5.1f), again %7.1f ms (collector %5.1f)",
                        queries[i][0][:40], *first[i], *second[i])
    kept = searcher.posting_cache
    logger.info("posting cache: %d lists, %.0f MB (budget %.0f MB), %d hits, %d misses",
                len(kept), kept.nbytes / 2**20, kept.budget / 2**20, kept.hits, kept.misses)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
