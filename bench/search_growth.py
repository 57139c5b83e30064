"""Search as the archive grows: latency per query type from 10k to 3M passages, and why.

    .venv/bin/python -m bench.search_growth --build 3000000   # build one size (progress logged)
    .venv/bin/python -m bench.search_growth                   # measure 10k, 100k, 1M, 3M
    .venv/bin/python -m bench.search_growth --sizes 10000 100000 --output /tmp/b.md
    .venv/bin/python -m bench.search_growth --sizes 100000 1000000 --queries-of 100000 \
        --output /tmp/b.md          # the same queries on both sizes
    .venv/bin/python -m bench.search_growth --sizes 1000000 --cache-mb 85 --output /tmp/b.md
    .venv/bin/python -m bench.search_growth --sizes 100000 1000000 --profile afghanistan

The indexes are the search section's (bench/search.py: same generator, seed, bulk build in a
child process whose peak RSS is the build memory, the FTS5 reference beside them). `--build N`
keeps one in bench/results/work/search with its build figures (`build-N.json`) and queries
(`queries-N-60.json`, where bench.search_quick and bench.search_tails look for them); the
measuring run takes it from there as hard links into bench/results/work/search-growth, so a
later `bench.search_quick --rebuild` of that folder (another branch's code) cannot change the
index under the figures. A size not kept anywhere is built there first. Building takes
seconds for 10k, minutes for 100k, 10-30 minutes for 1M and over an hour for 3M on the shared
2-core machine (docs/benchmarks.md has the times measured): run `--build` under `nice` and
watch its log. All sizes are then measured in one process, one after the other, as
the section measures them (`SegmentSearcher.search`, the site's code path, and FTS5 in the
same run), each with a fresh posting cache (posting_cache.py) as a newly started site has,
and the load average beside each type's timings. Beside each query's time it counts what
the time is spent on: the posting blocks decoded (each a zlib decompression and an
unpickling), the whole lists decoded into the posting cache (its misses), the matches, and
the CPU time; beside each type, the major page faults (index pages read from disk).

The results go into docs/benchmarks.md as the block "Growth to 3M passages" below the
standalone benches' mark (search_growth_report.py), with the plot
docs/benchmarks/search-growth.png, and into bench/results/search_growth.json (with another
`--output`, into a JSON file beside it: an experiment does not replace the page's figures).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import logging
import os
import pstats
import resource
import sys
import time
from pathlib import Path

from bench import search_fts
from bench.report import ROOT, BenchContext, percentile
from bench.search import GROWTH_SIZES, TYPES, _latencies, build, sample
from bench.search_growth_report import publish
from indexer.gazetteer import Gazetteer
from indexer.search_index import SegmentSearcher
from indexer.search_index.list_writing import write_missing
from indexer.search_index.posting_cache import shared_cache
from indexer.search_index.whoosh_internals import PostingBlocks

logger = logging.getLogger(__name__)
COUNT = 60  # queries per type, as the search section
DEFAULT_OUTPUT = ROOT / "docs" / "benchmarks.md"


def load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def build_kept(scratch: Path, size: int, count: int = COUNT) -> dict:
    """Both indexes of `size` built by the search section's code, its figures kept beside them
    (build-N.json) and its queries where bench.search_quick looks for them."""
    logger.info("building %d segments (load average %s)", size, load())
    stats = build(size, scratch, count)
    (scratch / f"queries-{size}-{count}.json").write_text(json.dumps(stats.pop("queries")))
    stats["load_after"] = load()
    (scratch / f"build-{size}.json").write_text(json.dumps(stats, indent=1))
    logger.info("built %d segments: %s", size, json.dumps(stats))
    return stats


def _adopt(shared: Path, own: Path, size: int, count: int = COUNT) -> bool:
    """Hard links in `own` to a build `--build` kept in `shared`, if there is one: a later
    `bench.search_quick --rebuild` there (another branch's code) replaces the files, not
    these links, so the figures and the index measured stay the same build's."""
    figures = shared / f"build-{size}.json"
    if not figures.exists():
        return False
    stats = json.loads(figures.read_text())
    whoosh_dir = own / f"whoosh-{size}"
    whoosh_dir.mkdir()
    for path in Path(stats["whoosh_dir"]).iterdir():
        os.link(path, whoosh_dir / path.name)
    fts_path = own / Path(stats["fts_path"]).name
    os.link(stats["fts_path"], fts_path)
    os.link(shared / f"queries-{size}-{count}.json", own / f"queries-{size}-{count}.json")
    stats.update(whoosh_dir=str(whoosh_dir), fts_path=str(fts_path))
    (own / f"build-{size}.json").write_text(json.dumps(stats, indent=1))
    return True


def kept_build(scratch: Path, size: int, count: int = COUNT, shared: Path | None = None,
               ) -> dict:
    """The kept figures and queries of `size`: adopted from `shared`, else built first
    when missing."""
    figures = scratch / f"build-{size}.json"
    if not figures.exists() and shared is not None:
        _adopt(shared, scratch, size, count)
    stats = json.loads(figures.read_text()) if figures.exists() else build_kept(scratch, size,
                                                                               count)
    stats["queries"] = json.loads((scratch / f"queries-{size}-{count}.json").read_text())
    return stats


class BlockCounter:
    """Counts the posting blocks the array path decodes: `PostingBlocks.ids` is called once
    for each block read (postings.py), whole lists and single blocks alike. Counting only:
    the method is wrapped, not changed, for as long as the counter is in use."""

    def __init__(self):
        self.blocks = 0
        self._original = PostingBlocks.ids

    def __enter__(self) -> BlockCounter:
        original = self._original

        def ids(blocks):
            self.blocks += 1
            return original(blocks)
        PostingBlocks.ids = ids
        return self

    def __exit__(self, *exc) -> None:
        PostingBlocks.ids = self._original


def _type(searcher: SegmentSearcher, fts, counter: BlockCounter, name: str,
          queries: list) -> dict:
    """One type's queries timed as the search section times them, and counted."""
    cache, records = searcher.posting_cache, []

    def run(query) -> None:
        before = (counter.blocks, cache.misses, time.process_time())
        total = searcher.search(query[0], **query[1]).total
        records.append({"blocks": counter.blocks - before[0], "misses": cache.misses - before[1],
                        "cpu_ms": (time.process_time() - before[2]) * 1000, "matches": total})

    load_before = load()
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_majflt
    ms = _latencies(run, queries)
    out = {"ms": ms, "load": [load_before, load()], **{
        key: [r[key] for r in records[-len(queries):]]  # the warm-up's five left out
        for key in ("blocks", "misses", "cpu_ms", "matches")}}
    out["major_faults"] = resource.getrusage(resource.RUSAGE_SELF).ru_majflt - faults
    mapped = [search_fts.to_fts(q, **kw) for q, kw in queries]
    out["fts_ms"] = _latencies(fts.search, mapped) if all(mapped) else []
    out["queries"] = [q for q, _kw in queries]
    return out


def measure_size(stats: dict, gazetteer: Gazetteer, types: list[str] = TYPES) -> dict:
    """Every type's queries on one size's indexes, with a posting cache as a new site's."""
    # An index built by older code lacks the long lists' arrays (`.lists` files): its first
    # commit under today's code would write them, so they are written here first.
    started = time.process_time()
    lists_written = write_missing(Path(stats["whoosh_dir"]))
    lists = {"files_written": lists_written, "cpu_s": time.process_time() - started}
    cache = shared_cache()
    cache.clear()  # the previous size's lists: a site serves one archive
    cache.hits = cache.misses = 0
    searcher = SegmentSearcher(Path(stats["whoosh_dir"]), gazetteer)
    fts = search_fts.FtsSearcher(Path(stats["fts_path"]))
    with BlockCounter() as counter:
        started, cpu = time.perf_counter(), time.process_time()
        searcher.search("opening")  # opens the searcher, which warms the posting cache
        opening = {"s": time.perf_counter() - started, "cpu_s": time.process_time() - cpu,
                   "blocks": counter.blocks, "cache_mb": cache.nbytes / 2**20,
                   "load": load()}
        logger.info("%d segments: opened in %.1f s (%d blocks, cache %.0f MB)",
                    stats["segments"], opening["s"], opening["blocks"], opening["cache_mb"])
        by_type = {}
        for name in types:
            by_type[name] = _type(searcher, fts, counter, name,
                                  sample(name, [tuple(q) for q in stats["queries"][name]]))
            logger.info("%d segments, %s: p95 %.1f ms, %d blocks in all (load %s)",
                        stats["segments"], name, percentile(by_type[name]["ms"], 95),
                        sum(by_type[name]["blocks"]), by_type[name]["load"][1])
    build_figures = {k: v for k, v in stats.items() if k != "queries"}
    return {**build_figures, "lists": lists, "opening": opening, "types": by_type,
            "cache_end": {"mb": cache.nbytes / 2**20, "lists": len(cache),
                          "budget_mb": cache.budget / 2**20}}


def profile(stats: dict, gazetteer: Gazetteer, text: str, lines: int = 14) -> None:
    """Log where one query's time goes on one size: its first run on a searcher opened (and
    warmed) for it, then a second run, each with the blocks it decoded."""
    shared_cache().clear()
    searcher = SegmentSearcher(Path(stats["whoosh_dir"]), gazetteer)
    searcher.search("opening")
    for attempt in ("first", "again"):
        profiler = cProfile.Profile()
        with BlockCounter() as counter:
            started = time.perf_counter()
            profiler.runcall(searcher.search, text)
            elapsed = (time.perf_counter() - started) * 1000
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(lines)
        logger.info("%d segments, %s, %s run: %.1f ms (profiled), %d blocks, load %s\n%s",
                    stats["segments"], text, attempt, elapsed, counter.blocks, load(),
                    out.getvalue().split("Ordered by: internal time", 1)[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build", type=int, metavar="SEGMENTS",
                        help="build this size's indexes and keep them (nothing measured)")
    parser.add_argument("--sizes", type=int, nargs="+", default=GROWTH_SIZES)
    parser.add_argument("--types", nargs="+", choices=TYPES, default=TYPES)
    parser.add_argument("--profile", metavar="QUERY",
                        help="profile this query on each size instead (nothing written)")
    parser.add_argument("--queries-of", type=int, metavar="SEGMENTS",
                        help="every size runs the queries drawn for this one (a smaller "
                             "archive is the start of a larger one: same seed), so that the "
                             "same queries are compared across sizes")
    parser.add_argument("--cache-mb", type=float,
                        help="the posting cache's budget (default posting_cache.DEFAULT_BUDGET): "
                             "a smaller one on a smaller archive shows what a larger one meets")
    parser.add_argument("--work-dir", type=Path, default=ROOT / "bench" / "results" / "work")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--figures", type=Path, default=None,
                        help="where the plot goes (default: 'benchmarks' beside --output)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    ctx = BenchContext(work_dir=args.work_dir,
                       figures_dir=args.figures or args.output.parent / "benchmarks")
    shared = ctx.scratch("search")  # where the search section and bench.search_quick look
    if args.build:
        build_kept(shared, args.build)
        return 0
    scratch = ctx.scratch("search-growth")
    budget = shared_cache().budget
    if args.cache_mb:
        shared_cache().budget = int(args.cache_mb * 2**20)
    command = "python -m bench.search_growth" + (" " + " ".join(argv if argv is not None
                                                                 else sys.argv[1:])).rstrip()
    try:
        return _measure(args, ctx, shared, scratch, command)
    finally:
        shared_cache().budget = budget


def _measure(args, ctx: BenchContext, shared: Path, scratch: Path, command: str) -> int:
    """Profile (`--profile`), or measure the sizes and write the page's block."""
    gazetteer = Gazetteer.load()
    if args.profile:
        for size in sorted(args.sizes):
            profile(kept_build(scratch, size, shared=shared), gazetteer, args.profile)
        return 0
    runs = []
    for size in sorted(args.sizes):
        stats = kept_build(scratch, size, shared=shared)
        if args.queries_of:
            stats["queries"] = kept_build(scratch, args.queries_of, shared=shared)["queries"]
        runs.append(measure_size(stats, gazetteer, args.types))
    figures = (ctx.work_dir.parent / "search_growth.json" if args.output == DEFAULT_OUTPUT
               else args.output.with_name(args.output.stem + "-growth.json"))
    figures.write_text(json.dumps(runs, indent=1))
    publish(runs, args.types, ctx, args.output, command)
    logger.info("wrote %s (load average %s)", args.output, load())
    return 0


if __name__ == "__main__":
    sys.exit(main())
