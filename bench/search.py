"""Search at scale: build throughput, size, memory and query latency, ours beside SQLite FTS5.

    .venv/bin/python -m bench.search      # this section alone (same as --only search)
    .venv/bin/python -m bench --only search --search-sizes 10000 100000 1000000 3000000

Synthetic archives of 10k, 100k and 1M segments (bench/synthetic.py: Zipf vocabulary of
French and English speech, gazetteer names with skewed frequencies, ~2,000 hours at 1M) are
indexed by the product's own bulk function (`indexer.search_index.add_many`) in a child process
whose peak RSS is the build memory, and the same segments go into SQLite FTS5 as a reference.
Queries go through `SegmentSearcher.search`, the site's code path; they are drawn from the
collection with a fixed seed, so they match like users' queries do (common content words lead).
"Ours" is the product: a Whoosh index, queries evaluated with numpy over its posting lists
(`array_search.py`). The index's design and where the time went, with profiles:
[search-design.md](search-design.md).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import resource
import shutil
import sys
import time
from pathlib import Path

import numpy as np

from bench import search_fts
from bench.report import BenchContext, Section, percentile, pyplot, save_figure, table, target
from bench.synthetic import ArchiveGenerator
from indexer.gazetteer import Gazetteer
from indexer.search_index import COMMON_WORDS, SegmentSearcher, add_many
from indexer.search_index.schema import PARALLEL_MIN_SEGMENTS

logger = logging.getLogger(__name__)

SIZES = [10_000, 100_000, 1_000_000]
# 3M passages (about 6,000 hours) on request only (`--search-sizes`, bench.search_growth):
# its build alone takes over an hour on a shared machine, and `make bench` stays bounded.
GROWTH_SIZES = [*SIZES, 3_000_000]
QUICK_SIZES = [2_000]
TYPES = ["term", "and", "phrase", "prefix", "fuzzy", "entity", "faceted"]
# p95 limits at the largest size (issue 5); fuzzy has none.
LIMITS_MS = {"term": 50, "and": 50, "prefix": 50, "entity": 50, "phrase": 150, "faceted": 150}
MIN_THROUGHPUT = 2000  # segments/s
SEED = 20091204
PROGRESS_EVERY = 1000  # videos (~300k segments) between two lines of a build's progress


def _words(text: str) -> list[str]:
    return [w.strip(".,").lower() for w in text.split() if w.strip(".,").isalpha()]


def pick_queries(transcripts: list, count: int, seed: int) -> dict[str, list[tuple[str, dict]]]:
    """Queries like users' ones, drawn from the collection: words as said (token-weighted, so
    frequent content words come often), phrases of 2-4 words, prefixes, one-typo words."""
    rng = np.random.default_rng(seed)
    segments = [s for t in transcripts for s in t.segments]
    queries: dict[str, list[tuple[str, dict]]] = {name: [] for name in TYPES}

    def content_word(segment, minimum: int = 4) -> str | None:
        words = [w for w in _words(segment.text) if len(w) >= minimum and w not in COMMON_WORDS]
        return words[int(rng.integers(len(words)))] if words else None

    while min(len(q) for q in queries.values()) < count:
        segment = segments[int(rng.integers(len(segments)))]
        word = content_word(segment)
        if not word:
            continue
        queries["term"].append((word, {}))
        queries["faceted"].append((word, {"facets": True}))
        other = content_word(segment)
        if other and other != word:
            queries["and"].append((f"{word} {other}", {}))
        said = segment.text.rstrip(".").split()
        size = int(rng.integers(2, 5))
        if len(said) > size:
            start = int(rng.integers(len(said) - size))
            queries["phrase"].append(('"' + " ".join(said[start:start + size]) + '"', {}))
        if len(word) >= 6:
            queries["prefix"].append((word[:int(rng.integers(4, 6))] + "*", {}))
            typo = int(rng.integers(1, len(word) - 1))
            queries["fuzzy"].append((word[:typo] + "x" + word[typo + 1:] + "~", {}))
        if segment.entities:
            entity = segment.entities[int(rng.integers(len(segment.entities)))].id
            queries["entity"].append((word, {"entity": entity}))
    return {name: q[:count] for name, q in queries.items()}


def _build(size: int, whoosh_dir: Path, fts_path: Path | None, queries: int, pipe) -> None:
    """In a child process: generate, index with the product, then FTS5 (unless `fts_path` is
    None); report to `pipe`."""
    started = time.perf_counter()
    transcripts = list(ArchiveGenerator(SEED).transcripts(size))
    generated = time.perf_counter()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    shutil.rmtree(whoosh_dir, ignore_errors=True)
    # Handed over one by one to log progress (a 3M build takes an hour), so add_many is told
    # what it would choose for the list: two writer processes from PARALLEL_MIN_SEGMENTS.
    add_many(whoosh_dir, _logged(transcripts, size), Gazetteer.load(),
             parallel=size >= PARALLEL_MIN_SEGMENTS)
    indexed = time.perf_counter()
    rss_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    workers_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if fts_path is not None:
        search_fts.build(fts_path, transcripts)
    pipe.send({
        "segments": size, "videos": len(transcripts),
        "hours": sum(t.duration for t in transcripts) / 3600,
        "generate_s": generated - started, "whoosh_s": indexed - generated,
        "fts_s": time.perf_counter() - indexed,
        "rss_before_mb": rss_before / 1024, "rss_peak_mb": rss_peak / 1024,
        "workers_peak_mb": workers_peak / 1024,
        "queries": pick_queries(transcripts, queries, SEED + size),
    })


def _memory_mb(pid: int | str = "self") -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(status.split("VmRSS:")[1].split()[0]) / 1024


def _logged(transcripts: list, size: int):
    """`transcripts`, logging every PROGRESS_EVERY videos the segments handed to the writer,
    their rate, and this process's and its writer processes' resident memory."""
    started, done = time.perf_counter(), 0
    for number, transcript in enumerate(transcripts, 1):
        yield transcript
        done += len(transcript.segments)
        if number % PROGRESS_EVERY == 0 or done == size:
            writers = []
            try:  # Linux's list of child processes (a kernel without it: not shown)
                children = Path(f"/proc/self/task/{os.getpid()}/children").read_text().split()
                writers = [_memory_mb(pid) for pid in children]
            except OSError:  # no such list, or a writer ended between the two reads
                pass
            elapsed = time.perf_counter() - started
            logger.info("indexing %d: %d segments in %.0f s (%.0f/s); RSS %.0f MB, writers "
                        "%s MB; load %s", size, done, elapsed, done / elapsed, _memory_mb(),
                        "+".join(f"{mb:.0f}" for mb in writers) or "none",
                        " ".join(f"{x:.2f}" for x in os.getloadavg()))


def build(size: int, scratch: Path, queries: int, fts: bool = True) -> dict:
    """Both indexes of `size` segments in `scratch` (Whoosh alone without `fts`)."""
    whoosh_dir, fts_path = scratch / f"whoosh-{size}", scratch / f"fts-{size}.sqlite"
    context = multiprocessing.get_context("fork")  # the child needs no re-import
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_build, args=(size, whoosh_dir, fts_path if fts else None,
                                                 queries, send))
    child.start()
    stats = receive.recv()
    child.join()
    if child.exitcode:
        raise RuntimeError(f"building the {size}-segment indexes failed ({child.exitcode})")
    stats["whoosh_mb"] = sum(p.stat().st_size for p in whoosh_dir.iterdir()) / 2**20
    stats["throughput"] = size / stats["whoosh_s"]
    if fts:
        stats["fts_mb"] = fts_path.stat().st_size / 2**20
        stats["fts_throughput"] = size / stats["fts_s"]
    stats["whoosh_dir"], stats["fts_path"] = str(whoosh_dir), str(fts_path)
    return stats


def _latencies(run, queries: list) -> list[float]:
    for query in queries[:5]:  # warm the caches the way a running site has them warm
        run(query)
    out = []
    for query in queries:
        started = time.perf_counter()
        run(query)
        out.append((time.perf_counter() - started) * 1000)
    return out


def sample(name: str, queries: list) -> list:
    """The queries of type `name` that are timed."""
    if name == "fuzzy":  # seconds each at 1M: a third of the sample says enough
        return queries[:max(5, len(queries) // 3)]
    return queries


def measure(stats: dict, gazetteer: Gazetteer,
            types: list[str] = TYPES) -> dict[str, dict[str, list[float]]]:
    whoosh = SegmentSearcher(Path(stats["whoosh_dir"]), gazetteer)
    fts = search_fts.FtsSearcher(Path(stats["fts_path"]))
    timings: dict[str, dict[str, list[float]]] = {"whoosh": {}, "fts5": {}}
    # Opening the searcher warms the posting cache (posting_cache.py): the first search
    # after a commit pays it, once; timed apart from the queries.
    started = time.perf_counter()
    whoosh.search("opening")
    stats["open_s"] = time.perf_counter() - started
    for name in types:
        queries = sample(name, stats["queries"][name])
        timings["whoosh"][name] = _latencies(lambda q: whoosh.search(q[0], **q[1]), queries)
        mapped = [search_fts.to_fts(q, **kw) for q, kw in queries]
        if all(mapped):
            timings["fts5"][name] = _latencies(fts.search, mapped)
    return timings


def _p(values: list[float], q: float) -> str:
    return f"{percentile(values, q):.1f}" if values else "n/a"


def run(ctx: BenchContext) -> Section:
    sizes, count = (QUICK_SIZES, 10) if ctx.quick else (ctx.search_sizes or SIZES, 60)
    scratch = ctx.scratch("search")
    gazetteer = Gazetteer.load()
    results = []
    for size in sizes:
        stats = build(size, scratch, count)
        stats["latency_ms"] = measure(stats, gazetteer)
        print(f"search: {size} segments: {stats['throughput']:.0f} seg/s, "
              f"p95 {[_p(stats['latency_ms']['whoosh'][t], 95) for t in TYPES]}")
        results.append(stats)
    largest = results[-1]
    targets = [target(f"search {largest['segments']:,} segments: {name} p95",
                      percentile(largest["latency_ms"]["whoosh"][name], 95), limit, False,
                      " ms") for name, limit in LIMITS_MS.items()]
    targets.append(target(f"indexing throughput at {largest['segments']:,} segments",
                           largest["throughput"], MIN_THROUGHPUT, True, " segments/s", 0))
    for stats in results:
        stats.pop("queries")
    command = "python -m bench --only search" + (
        " --search-sizes " + " ".join(map(str, sizes)) if ctx.search_sizes else "")
    return Section("search", "Search at scale", command,
                   _body(results, count), {"targets": targets, "runs": results},
                   [_plot(results, ctx)])


def _body(results: list[dict], count: int) -> str:
    build_rows = [[f"{r['segments']:,}", r["videos"], f"{r['hours']:.0f}",
                   f"{r['throughput']:.0f}", f"{r['whoosh_mb']:.0f}",
                   f"{r['rss_peak_mb']:.0f} ({r['rss_peak_mb'] - r['rss_before_mb']:.0f})",
                   f"{r['workers_peak_mb']:.0f}", f"{r['fts_throughput']:.0f}",
                   f"{r['fts_mb']:.0f}"] for r in results]
    parts = [__doc__.split("\n\n", 2)[2].strip(), "", table(
        ["segments", "videos", "hours", "Whoosh segments/s", "Whoosh MB",
         "build peak RSS MB (indexing's share)", "writer process peak RSS MB",
         "FTS5 segments/s", "FTS5 MB"], build_rows, set(range(9)))]
    for r in results:
        rows = [[name, *(_p(r["latency_ms"]["whoosh"][name], q) for q in (50, 95, 99)),
                 *(_p(r["latency_ms"]["fts5"].get(name, []), q) for q in (50, 95, 99))]
                for name in TYPES]
        headers = ["query", "ours p50", "p95", "p99", "FTS5 p50", "p95", "p99"]
        parts += ["", f"Query latency at {r['segments']:,} segments, ms ({count} queries per "
                  "type, fuzzy a third of them; opening the searcher, which warms the posting "
                  f"cache, {r.get('open_s', 0):.1f} s before them):", "",
                  table(headers, rows, set(range(1, 7)))]
    return "\n".join(parts) + "\n\n" + NOTES


NOTES = """Build memory is the peak RSS (ru_maxrss) of the child process that generates the
collection and indexes it; the collection itself is in memory before indexing starts, so the
indexing's own share is given in brackets. The two writer processes are forked from it (their
peak is the larger one's). Whoosh throughput is timed around `add_many` alone, FTS5's around
its inserts; both include the commit. Term, AND, phrase, prefix and fuzzy queries are the CLI's
call (no facets); entity is a word plus the entity filter (a facet click); faceted is a word with
the four facets, as the search page and the API call it. FTS5 matches without stemming and has
no fuzzy matching (n/a). Other sizes: `--search-sizes`; 3M passages (about 6,000 hours) and
how each query type grows with the archive: `python -m bench.search_growth` ("Growth to 3M
passages", below the standalone benches).
"""


def _plot(results: list[dict], ctx: BenchContext) -> str:
    plt = pyplot()
    figure, axis = plt.subplots(figsize=(7.5, 4.5))
    sizes = [r["segments"] for r in results]
    for number, name in enumerate(TYPES):
        color = f"C{number}"
        axis.plot(sizes, [percentile(r["latency_ms"]["whoosh"][name], 95) for r in results],
                  "o-", color=color, label=f"{name} (ours)")
        fts = [r["latency_ms"]["fts5"].get(name) for r in results]
        if all(fts):
            axis.plot(sizes, [percentile(v, 95) for v in fts], "x--", color=color, alpha=0.6)
    axis.axhline(50, color="grey", linewidth=0.8)
    axis.axhline(150, color="grey", linewidth=0.8, linestyle=":")
    axis.set_xscale("log")
    axis.set_yscale("log")
    axis.set_xlabel("segments in the archive")
    axis.set_ylabel("p95 latency, ms (dashed: SQLite FTS5)")
    axis.legend(fontsize=7, ncol=2)
    return save_figure(figure, ctx, "search-p95.png")


def main(argv: list[str] | None = None) -> int:
    from bench.__main__ import main as bench_main

    return bench_main(["--only", "search", *(argv or sys.argv[1:])])


if __name__ == "__main__":
    raise SystemExit(main())
