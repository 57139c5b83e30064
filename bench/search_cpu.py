"""CPU time of the search section's queries and of indexing, for before/after comparisons on
a loaded machine (wall-clock percentiles move with the other processes; CPU time much less).

    .venv/bin/python -m bench.search_cpu --size 100000          # queries, cached index
    .venv/bin/python -m bench.search_cpu --size 10000 --build   # indexing, one process

Queries: the indexes and queries `bench.search_quick` left in bench/results/work/search (same
seed as `python -m bench --only search`), each type's 60 queries run `--rounds` times in this
process; printed: the median over rounds of the mean CPU ms a query, and for phrases the p50
and p95 of each query's best CPU time. `--build`: `add_many` of the synthetic archive into a
temporary folder, in one writer process: CPU seconds and index MB. Run it in two checkouts (the
code before a change and after) one after the other, with `uptime`'s load beside the figures.
Nothing is written to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from bench.report import BenchContext, percentile
from bench.search import SEED, TYPES
from bench.synthetic import ArchiveGenerator
from indexer.gazetteer import Gazetteer
from indexer.search_index import SegmentSearcher, add_many

logger = logging.getLogger(__name__)


def _cpu_ms(run) -> float:
    started = time.process_time()
    run()
    return (time.process_time() - started) * 1000


def queries(size: int, types: list[str], rounds: int) -> dict:
    scratch = BenchContext().scratch("search")
    drawn = json.loads((scratch / f"queries-{size}-60.json").read_text())
    searcher = SegmentSearcher(scratch / f"whoosh-{size}", Gazetteer.load())
    out: dict = {}
    for name in types:
        items = drawn[name][:20] if name == "fuzzy" else drawn[name]
        for text, kw in items[:5]:  # warm, as a running site is
            searcher.search(text, **kw)
        means = [statistics.fmean(_cpu_ms(lambda: searcher.search(t, **kw)) for t, kw in items)
                 for _ in range(rounds)]
        out[name] = {"mean_cpu_ms": round(statistics.median(means), 2)}
        if name == "phrase":
            best = [min(_cpu_ms(lambda: searcher.search(t, **kw)) for _ in range(rounds))
                    for t, kw in items]
            out[name].update(p50=round(percentile(best, 50), 2), p95=round(percentile(best, 95), 2))
    return out


def build(size: int) -> dict:
    transcripts = list(ArchiveGenerator(SEED).transcripts(size))
    folder = Path(tempfile.mkdtemp(prefix="search-cpu-"))
    try:
        cpu = _cpu_ms(lambda: add_many(folder / "index", transcripts, Gazetteer.load(),
                                       parallel=False)) / 1000
        size_mb = sum(p.stat().st_size for p in (folder / "index").iterdir()) / 2**20
    finally:
        shutil.rmtree(folder)
    return {"cpu_s": round(cpu, 2), "segments_per_cpu_s": round(size / cpu),
            "mb": round(size_mb, 1)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--types", nargs="+", choices=TYPES,
                        default=["term", "and", "phrase", "prefix", "entity", "faceted"])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--build", action="store_true", help="time indexing instead")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    result = build(args.size) if args.build else queries(args.size, args.types, args.rounds)
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    logger.info("%s", json.dumps({"code": os.getcwd(), "size": args.size, **result,
                                  "load": load}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
