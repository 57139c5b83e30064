"""The growth bench's page block and plot (bench/search_growth.py measures).

The block goes below docs/benchmarks.md's standalone benches' mark, between its own markers,
replaced on each run: `python -m bench` keeps everything below that mark as it is.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import re
import statistics
from pathlib import Path

from bench.__main__ import STANDALONE_MARK, machine
from bench.report import BenchContext, percentile, pyplot, save_figure, table

BEGIN, END = "<!-- growth:search -->", "<!-- /growth:search -->"
FIGURE = "search-growth.png"


def _size(segments: int) -> str:
    return f"{segments // 1_000_000}M" if segments >= 1_000_000 else f"{segments // 1000}k"


def _load(values: list[float]) -> str:
    return "/".join(f"{x:.1f}" for x in values[:2])


def exponent(small: float, large: float, size_small: int, size_large: int) -> float | None:
    """How the value grows with the size: 1 is linear, more is faster than linear."""
    if small <= 0 or large <= 0:
        return None
    return math.log(large / small) / math.log(size_large / size_small)


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def _load_after(load: list[float] | str) -> str:
    if isinstance(load, str):  # "load average 4.90 5.15 5.45": how the first builds kept it
        return load.removeprefix("load average ")
    return " ".join(f"{x:.2f}" for x in load)


def build_table(runs: list[dict]) -> str:
    rows = [[f"{r['segments']:,}", r["videos"], f"{r['hours']:,.0f}", f"{r['throughput']:.0f}",
             f"{r['whoosh_s'] / 60:.1f}", f"{r['whoosh_mb']:,.0f}",
             f"{r['rss_peak_mb']:,.0f} ({r['rss_peak_mb'] - r['rss_before_mb']:,.0f})",
             f"{r['workers_peak_mb']:,.0f}", f"{r['fts_throughput']:,.0f}",
             f"{r['fts_mb']:,.0f}", _load_after(r.get("load_after", []))]
            for r in runs]
    return table(["passages", "videos", "hours", "Whoosh passages/s", "Whoosh min",
                  "Whoosh MB", "build peak RSS MB (indexing's share)",
                  "writer process peak RSS MB", "FTS5 passages/s", "FTS5 MB",
                  "load after the build"], rows, set(range(10)))


def latency_table(runs: list[dict], types: list[str], q: float) -> str:
    rows = []
    for name in types:
        cells = []
        for r in runs:
            t = r["types"][name]
            fts = f" ({percentile(t['fts_ms'], q):.1f})" if t["fts_ms"] else ""
            cells.append(f"{percentile(t['ms'], q):.1f}{fts}")
        rows.append([name, *cells])
    return table(["query", *(_size(r["segments"]) for r in runs)], rows,
                 set(range(1, len(runs) + 1)))


def reads_table(runs: list[dict], types: list[str]) -> str:
    """What a query reads at each size: matches, posting blocks decoded, whole lists decoded
    into the cache (misses), mean CPU time; with the load of its timing."""
    rows = []
    for name in types:
        for r in runs:
            t = r["types"][name]
            rows.append([name, _size(r["segments"]), f"{statistics.median(t['matches']):,.0f}",
                         f"{statistics.fmean(t['blocks']):,.0f}",
                         f"{percentile(t['blocks'], 95):,}", sum(t["misses"]),
                         f"{statistics.fmean(t['cpu_ms']):.1f}", t["major_faults"],
                         _load(t["load"][0]) + " → " + _load(t["load"][1])])
    return table(["query", "size", "matches (median)", "blocks decoded (mean)", "blocks p95",
                  "lists decoded whole", "CPU ms (mean)", "major faults",
                  "load (1, 5 min) before → after"], rows, set(range(2, 8)))


def growth_table(runs: list[dict], types: list[str]) -> str:
    """Exponents between consecutive sizes: time, CPU, blocks and matches against size."""
    rows = []
    for name in types:
        for small, large in zip(runs, runs[1:], strict=False):
            a, b = small["types"][name], large["types"][name]
            sizes = small["segments"], large["segments"]

            def grown(values_a, values_b, how) -> str:
                return _fmt(exponent(how(values_a), how(values_b), *sizes))

            rows.append([name, f"{_size(sizes[0])} → {_size(sizes[1])}",
                         grown(a["ms"], b["ms"], lambda v: percentile(v, 95)),
                         grown(a["ms"], b["ms"], lambda v: percentile(v, 99)),
                         grown(a["cpu_ms"], b["cpu_ms"], statistics.fmean),
                         grown(a["blocks"], b["blocks"], statistics.fmean),
                         grown(a["matches"], b["matches"], statistics.median),
                         grown(a["fts_ms"], b["fts_ms"], lambda v: percentile(v, 95))
                         if a["fts_ms"] and b["fts_ms"] else "n/a"])
    return table(["query", "sizes", "p95", "p99", "mean CPU", "mean blocks",
                  "median matches", "FTS5 p95"], rows, set(range(2, 8)))


def opening_table(runs: list[dict]) -> str:
    rows = [[_size(r["segments"]), f"{r['opening']['s']:.1f}", f"{r['opening']['cpu_s']:.1f}",
             f"{r['opening']['blocks']:,}", f"{r['opening']['cache_mb']:.0f}",
             f"{r['cache_end']['mb']:.0f} / {r['cache_end']['budget_mb']:.0f}",
             r["cache_end"]["lists"], _written(r.get("lists"))] for r in runs]
    return table(["size", "opening s", "CPU s", "blocks decoded (warming)",
                  "cache MB after warming", "cache MB at the end / budget", "lists kept",
                  ".lists files written first (CPU s)"], rows, set(range(1, 8)))


def _written(lists: dict | None) -> str:
    """The long lists' arrays an older build lacked, written before measuring."""
    if not lists:
        return "n/a"
    return f"{lists['files_written']} ({lists['cpu_s']:.1f})"


def plot(runs: list[dict], types: list[str], ctx: BenchContext) -> str:
    plt = pyplot()
    figure, axes = plt.subplots(1, 2, figsize=(11, 4.6), sharey=True)
    sizes = [r["segments"] for r in runs]
    for axis, q in zip(axes, (95, 99), strict=True):
        for number, name in enumerate(types):
            color = f"C{number}"
            axis.plot(sizes, [percentile(r["types"][name]["ms"], q) for r in runs], "o-",
                      color=color, label=name)
            if all(r["types"][name]["fts_ms"] for r in runs):
                axis.plot(sizes, [percentile(r["types"][name]["fts_ms"], q) for r in runs],
                          "x--", color=color, alpha=0.5)
        low = min(percentile(r["types"][n]["ms"], q) for r in runs[:1] for n in types)
        axis.plot(sizes, [low * s / sizes[0] for s in sizes], ":", color="grey",
                  label="∝ size")
        axis.set_xscale("log")
        axis.set_yscale("log")
        axis.set_xlabel("passages in the archive")
        axis.set_title(f"p{q} latency, ms (dashed: SQLite FTS5)", fontsize=10)
    axes[0].set_ylabel("ms")
    axes[0].legend(fontsize=7, ncol=2)
    return save_figure(figure, ctx, FIGURE)


def block(runs: list[dict], types: list[str], figures_link: str, command: str) -> str:
    count = len(runs[0]["types"][types[0]]["ms"])
    parts = [
        BEGIN, "## Growth to 3M passages (issue 19)", "", "Command (bench/search_growth.py):",
        "", "```sh", command, "```", "",
        f"Run {dt.date.today().isoformat()} on {machine()}; the machine is shared: the load "
        "average (1 and 5 minutes) is beside each type's timings below. Indexes built by the "
        "search section's code (bench/search.py), each size in its own run: the load after "
        "each build is in the first table. Queries drawn from each size's archive with the "
        f"section's seed, {count} a type (fuzzy a third), measured one size after the other "
        "in one process, each with a fresh posting cache.", "",
        "Building:", "", build_table(runs), "",
        "p95 latency, ms, ours (SQLite FTS5 in the same run):", "",
        latency_table(runs, types, 95), "",
        "p99 latency, ms (of 60 queries: the slowest), ours (FTS5):", "",
        latency_table(runs, types, 99), "",
        "Growth exponents between two sizes: log(ratio of the values) / log(ratio of the "
        "sizes); 1 is linear in the archive's size, more is faster than linear:", "",
        growth_table(runs, types), "",
        "What the queries read (blocks: posting blocks decoded, 128 postings each; lists "
        "decoded whole: posting-cache misses; major faults: index pages read from disk):", "",
        reads_table(runs, types), "",
        "Opening the searcher (warming the posting cache with the common words' lists) and "
        "the cache after all the queries; an index built before the long lists were kept as "
        "arrays gets its `.lists` files first, as its next commit would write them:", "",
        opening_table(runs), "",
        f"![{FIGURE}]({figures_link}/{FIGURE})", "", END]
    return "\n".join(parts)


def publish(runs: list[dict], types: list[str], ctx: BenchContext, output: Path,
            command: str) -> None:
    """The plot into ctx.figures_dir, the block into `output` (replacing its last one)."""
    plot(runs, types, ctx)
    link = os.path.relpath(ctx.figures_dir, output.parent)
    text = block(runs, types, link, command)
    old = output.read_text(encoding="utf-8") if output.exists() else ""
    pattern = re.compile(re.escape(BEGIN) + ".*?" + re.escape(END), re.S)
    if pattern.search(old):
        new = pattern.sub(lambda _m: text, old)
    else:
        mark = "" if STANDALONE_MARK in old else STANDALONE_MARK + "\n"
        new = old.rstrip("\n") + ("\n\n" if old else "") + mark + text + "\n"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(new, encoding="utf-8")
