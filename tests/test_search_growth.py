"""The growth bench (bench/search_growth.py) at toy sizes: real synthetic archives indexed by
the product's bulk build and SQLite FTS5, queried through SegmentSearcher.search.

No timing is asserted (a toy run's figures mean nothing): what is checked is that a size
built with `--build` is adopted without being rebuilt and stays the same build when the
shared copy is replaced, that the counts beside the timings are what the queries read, and
that the page block and plot are written, once, where `python -m bench` keeps them.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from PIL import Image

from bench.__main__ import STANDALONE_MARK, assemble
from bench.search_growth import BlockCounter, build_kept, main
from bench.search_growth_report import BEGIN, END, FIGURE, exponent
from indexer.gazetteer import Gazetteer
from indexer.search_index import SegmentSearcher
from indexer.search_index.whoosh_internals import PostingBlocks

pytestmark = pytest.mark.slow

SIZES = (1000, 3000)


@pytest.fixture(scope="module")
def growth_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("growth")
    build_kept(out / "work" / "search", SIZES[0])  # as `--build 1000` leaves it
    page = out / "benchmarks.md"
    page.write_text("# Benchmarks\n\n" + STANDALONE_MARK + "\n## Other bench\n\nkept\n")
    assert main(["--sizes", *map(str, SIZES), "--work-dir", str(out / "work"),
                 "--output", str(page)]) == 0
    return out


def test_a_kept_build_is_adopted_by_links_not_rebuilt(growth_run: Path) -> None:
    shared, own = growth_run / "work" / "search", growth_run / "work" / "search-growth"
    kept = json.loads((own / f"build-{SIZES[0]}.json").read_text())
    assert kept["whoosh_dir"] == str(own / f"whoosh-{SIZES[0]}")
    for path in (shared / f"whoosh-{SIZES[0]}").iterdir():
        assert os.path.samefile(path, own / f"whoosh-{SIZES[0]}" / path.name)
    assert not (shared / f"build-{SIZES[1]}.json").exists()  # built in its own folder
    assert (own / f"build-{SIZES[1]}.json").exists()


def test_counts_beside_timings_are_what_queries_read(growth_run: Path) -> None:
    runs = json.loads((growth_run / "benchmarks-growth.json").read_text())
    assert [r["segments"] for r in runs] == list(SIZES)
    for run in runs:
        assert run["whoosh_mb"] > 0 and run["fts_mb"] > 0 and run["rss_peak_mb"] > 0
        for name, t in run["types"].items():
            assert len(t["ms"]) == len(t["blocks"]) == len(t["matches"]) == len(t["queries"])
            assert all(m >= 1 for m in t["matches"]), name  # drawn from the archive
            assert sum(t["blocks"]) > 0, name
            assert len(t["load"]) == 2 and len(t["load"][0]) == 3
    # A word that is nowhere reads no block; one of the archive's reads its list's blocks.
    searcher = SegmentSearcher(Path(runs[1]["whoosh_dir"]), Gazetteer.load())
    searcher.search("opening")
    word = runs[1]["types"]["term"]["queries"][0]
    original = PostingBlocks.ids
    with BlockCounter() as counter:
        searcher.search("zqxjwv")
        nothing = counter.blocks
        searcher.search(word)
    assert nothing == 0 and counter.blocks > 0
    assert PostingBlocks.ids is original  # put back on exit


def test_block_and_plot_written_once_and_kept_by_the_suite(growth_run: Path) -> None:
    page = (growth_run / "benchmarks.md").read_text(encoding="utf-8")
    assert page.count(BEGIN) == 1 and page.count(END) == 1
    assert page.index(STANDALONE_MARK) < page.index(BEGIN)
    assert "## Other bench\n\nkept" in page  # the other standalone results stay
    block = page[page.index(BEGIN):page.index(END)]
    assert "python -m bench.search_growth --sizes 1000 3000" in block
    assert "| phrase | 1k → 3k |" in block
    with Image.open(growth_run / "benchmarks" / FIGURE) as image:
        assert image.format == "PNG" and image.width >= 800
    # Writing again replaces the block; `python -m bench` keeps it below the mark.
    assert main(["--sizes", str(SIZES[0]), "--types", "term", "--work-dir",
                 str(growth_run / "work"), "--output", str(growth_run / "benchmarks.md")]) == 0
    again = (growth_run / "benchmarks.md").read_text(encoding="utf-8")
    assert again.count(BEGIN) == 1 and "| phrase | 1k → 3k |" not in again
    assert BEGIN in assemble(again, {}, "python -m bench")


def test_exponent() -> None:
    assert exponent(10, 30, 1_000_000, 3_000_000) == pytest.approx(1.0)
    assert exponent(10, 90, 1_000_000, 3_000_000) == pytest.approx(2.0)
    assert exponent(0, 5, 1, 10) is None


def test_search_section_runs_at_the_sizes_asked(tmp_path: Path) -> None:
    """`python -m bench --only search --search-sizes N`: the section's own run at N, its
    command saying so on the page (3M is asked for this way, outside `make bench`)."""
    from bench.__main__ import main as bench_main

    page = tmp_path / "benchmarks.md"
    assert bench_main(["--only", "search", "--search-sizes", "1500", "--output", str(page),
                       "--work-dir", str(tmp_path / "work")]) == 0
    text = page.read_text(encoding="utf-8")
    assert "python -m bench --only search --search-sizes 1500\n" in text
    assert "| 1,500 |" in text and "Query latency at 1,500 segments" in text
    assert not (tmp_path / "work" / "search" / "whoosh-10000").exists()


def test_same_queries_across_sizes_and_a_smaller_cache(growth_run: Path) -> None:
    """`--queries-of` runs one size's queries on every size; `--cache-mb` bounds the posting
    cache for the run only (the process's budget is put back)."""
    from indexer.search_index.posting_cache import shared_cache

    budget = shared_cache().budget
    page = growth_run / "experiment.md"
    assert main(["--sizes", str(SIZES[1]), "--queries-of", str(SIZES[0]), "--types", "term",
                 "--cache-mb", "0.5", "--work-dir", str(growth_run / "work"),
                 "--output", str(page)]) == 0
    run = json.loads((growth_run / "experiment-growth.json").read_text())[0]
    drawn = json.loads((growth_run / "work" / "search-growth" /
                        f"queries-{SIZES[0]}-60.json").read_text())
    assert run["segments"] == SIZES[1]
    assert run["types"]["term"]["queries"] == [q for q, _kw in drawn["term"]]
    assert run["cache_end"]["budget_mb"] == 0.5 and run["cache_end"]["mb"] <= 0.5
    assert shared_cache().budget == budget
