"""The search section's query part alone, on the indexes a previous run left: for iterating.

    .venv/bin/python -m bench.search_quick                  # 1M queries, cached indexes
    .venv/bin/python -m bench.search_quick --rebuild        # re-index with Whoosh first
    .venv/bin/python -m bench.search_quick --types term and --size 100000

`python -m bench --only search` takes 12-14 minutes: it builds three sizes of both indexes.
This reuses `bench/results/work/search/whoosh-N` and `fts-N.sqlite` (built by that run) and the
same queries (drawn with the same seed, then kept beside the indexes), and prints p50/p95/p99 for
ours and the FTS5 reference line measured in the same run, with the machine's load: on a
shared machine only the ratio to FTS5 compares across runs. `--rebuild` re-indexes Whoosh alone
(after a schema or writing change) and prints its throughput. Nothing is written to
docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path

from bench.report import BenchContext, percentile
from bench.search import SEED, SIZES, TYPES, build, measure, pick_queries
from bench.synthetic import ArchiveGenerator
from indexer.gazetteer import Gazetteer

logger = logging.getLogger(__name__)


def _queries(scratch: Path, size: int, count: int) -> dict:
    """The bench's queries for `size`, drawn once (generating 1M segments takes ~25 s)."""
    path = scratch / f"queries-{size}-{count}.json"
    if path.exists():
        return json.loads(path.read_text())
    transcripts = list(ArchiveGenerator(SEED).transcripts(size))
    queries = pick_queries(transcripts, count, SEED + size)
    path.write_text(json.dumps(queries))
    return queries


def _load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=SIZES[-1])
    parser.add_argument("--count", type=int, default=60, help="queries per type")
    parser.add_argument("--types", nargs="+", choices=TYPES, default=TYPES)
    parser.add_argument("--rebuild", action="store_true", help="re-index with Whoosh first")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    scratch = BenchContext().scratch("search")
    whoosh_dir, fts_path = scratch / f"whoosh-{args.size}", scratch / f"fts-{args.size}.sqlite"
    if args.rebuild or not whoosh_dir.exists():
        logger.info("indexing %d segments with Whoosh (%s)", args.size, _load())
        stats = build(args.size, scratch, args.count, fts=not fts_path.exists())
        logger.info("indexing: %.0f segments/s (%.0f s, %.0f MB; %s)", stats["throughput"],
                    stats["whoosh_s"], stats["whoosh_mb"], _load())
    queries = _queries(scratch, args.size, args.count)
    stats = {"whoosh_dir": str(whoosh_dir), "fts_path": str(fts_path),
             "queries": {name: [tuple(q) for q in queries[name]] for name in args.types}}
    logger.info("querying (%s)", _load())
    timings = measure(stats, Gazetteer.load(), args.types)
    logger.info("%-8s %9s %9s %9s %9s %9s %9s %8s", "query", "p50", "p95", "p99", "FTS5 p50",
                "FTS5 p95", "FTS5 p99", "p95/FTS5")
    for name in args.types:
        ours, fts = timings["whoosh"][name], timings["fts5"].get(name)
        p95 = percentile(ours, 95)
        ratio = f"{p95 / percentile(fts, 95):.1f}x" if fts else "n/a"
        logger.info("%-8s %9.1f %9.1f %9.1f %9s %9s %9s %8s", name, percentile(ours, 50), p95,
                    percentile(ours, 99), *(f"{percentile(fts, q):.1f}" if fts else "n/a"
                                            for q in (50, 95, 99)), ratio)
    logger.info("done (%s)", _load())
    return 0


if __name__ == "__main__":
    sys.exit(main())
