"""The benchmark suite runs end to end at toy sizes and writes a well-formed page.

No timing is asserted: the figures of a quick run mean nothing. What is checked is that every
section runs through the product's real code, and that the page, its data and its plots are
what `make bench` would publish.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from PIL import Image

from bench.__main__ import DATA_MARK, SECTIONS, assemble
from bench.__main__ import main as bench_main
from bench.report import percentile, target

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory, models_dir: Path) -> Path:
    if shutil.which("wrk") is None:
        pytest.skip("wrk is not installed (apt-get install wrk; .ci/run does it)")
    out = tmp_path_factory.mktemp("bench")
    assert bench_main(["--quick", "--output", str(out / "benchmarks.md"),
                       "--work-dir", str(out / "work"), "--models-dir", str(models_dir)]) == 0
    return out


def test_every_section_is_on_the_page_with_its_command(quick_run: Path) -> None:
    page = (quick_run / "benchmarks.md").read_text(encoding="utf-8")
    assert page.startswith("# Benchmarks")
    positions = []
    for key in SECTIONS:
        block = re.search(rf"<!-- bench:{key} -->\n## (.+?)\n.*?```sh\n(python -m bench[^\n]*)"
                          rf"\n```.*?<!-- /bench:{key} -->", page, re.S)
        assert block, f"section {key} missing or malformed"
        assert f"--only {key}" in block.group(2)
        positions.append(block.start())
    assert positions == sorted(positions)


def test_targets_summary_lists_each_target_once(quick_run: Path) -> None:
    page = (quick_run / "benchmarks.md").read_text(encoding="utf-8")
    targets = [t for _, payload in DATA_MARK.findall(page) for t in json.loads(payload)["targets"]]
    assert len(targets) >= 10  # speed, overhead, WER, search (7 query types...), clips, site
    summary = page.split("## Targets", 1)[1].split("<!-- bench:", 1)[0]
    for item in targets:
        assert set(item) == {"name", "measured", "limit", "met"}
        assert isinstance(item["met"], bool)
        assert summary.count(f"| {item['name']} |") == 1


def test_figures_are_real_pngs_and_linked(quick_run: Path) -> None:
    page = (quick_run / "benchmarks.md").read_text(encoding="utf-8")
    links = re.findall(r"!\[[^\]]*\]\(benchmarks/([^)]+\.png)\)", page)
    assert len(links) >= 5
    for name in links:
        with Image.open(quick_run / "benchmarks" / name) as image:
            assert image.format == "PNG" and image.width >= 400


def test_raw_results_are_json_with_numbers(quick_run: Path) -> None:
    for key in SECTIONS:
        data = json.loads((quick_run / f"{key}.json").read_text())
        assert "targets" in data
    transcription = json.loads((quick_run / "transcription.json").read_text())
    assert all(value > 0 for value in transcription["speeds"].values())
    # The corpus as one long recording: on lanes, on one lane, unbatched, and bare.
    assert len(transcription["one_recording"]) == 4
    assert all(run["speed"] > 0 and 0 <= run["wer"] for run in
               transcription["one_recording"].values())
    # `speechsearch index` with its defaults (files at once, lanes), beside one lane.
    lanes = transcription["lanes"]
    assert set(lanes) == {"speed", "one_lane", "long_recording", "long_recording_one_lane"}
    assert all(value > 0 for value in lanes.values())
    assert lanes["speed"] == transcription["speeds"][next(
        label for label in transcription["speeds"] if "--no-diarize (defaults:" in label)]


def test_rerunning_one_section_keeps_the_others() -> None:
    old = assemble("", {"search": "<!-- bench:search -->\nS1\n<!-- /bench:search -->",
                        "clips": "<!-- bench:clips -->\nC1\n<!-- /bench:clips -->"}, "cmd")
    new = assemble(old, {"search": "<!-- bench:search -->\nS2\n<!-- /bench:search -->"}, "cmd")
    assert "S2" in new and "S1" not in new and "C1" in new
    assert new.index("S2") < new.index("C1")  # page order, not run order


def test_helpers() -> None:
    assert percentile([5, 1, 4, 2, 3], 50) == 3
    assert percentile(list(range(1, 101)), 95) == 95
    assert percentile([7.0], 99) == 7.0
    assert target("speed", 8.0, 7.5, True, "x")["met"] is True
    assert target("latency", 60.0, 50, False, " ms") == {
        "name": "latency", "measured": "60.0 ms", "limit": "≤ 50 ms", "met": False}


def test_workers_section_measured_real_celery_workers(quick_run: Path) -> None:
    data = json.loads((quick_run / "workers.json").read_text())
    if shutil.which("redis-server") is None:
        assert "redis-server" in data["skipped"]
        return
    runs = data["runs"]
    assert [(r["config"]["workers"], r["config"]["concurrency"]) for r in runs] == [(1, 1), (2, 1)]
    for run in runs:
        assert run["files"] == 2 and run["wall"] > 0 and run["speed"] > 0
        assert len(set(run["video_ids"])) == 2
        assert sum(run["commits"]) == 2  # each job in exactly one group commit
    commit = data["commit"]
    assert commit["segments"] > 0 and commit["capacity_single"] > 0
    page = (quick_run / "benchmarks.md").read_text(encoding="utf-8")
    assert "(benchmarks/workers.png)" in page and "saturates at" in page


def test_load_section_put_quotes_under_load(quick_run: Path) -> None:
    """/api/quote runs beside the searches at every concurrency, without an error, and its
    quotes were found where they were said (bench/load.py checks it before and after)."""
    from bench.load_queries import QUOTES

    data = json.loads((quick_run / "load.json").read_text())
    runs = data["runs"]
    assert {(r["endpoint"], r["clients"]) for r in runs} == {
        (endpoint, clients) for endpoint in ("api", "page", "quote") for clients in (1, 2)}
    assert all(r["requests"] > 0 and r["errors"] == 0 and r["p95_ms"] > 0 for r in runs)
    found = [n for path, n in data["hits"].items() if path.startswith("/api/quote?")]
    assert len(found) == len(QUOTES) and sorted(n > 0 for n in found) == [False] + [True] * (
        len(QUOTES) - 1)  # one quote was never said
    assert [p["path"] for p in data["profiles"]] == ["/api/search", "/search", "/api/quote"]
    assert data["load_average"] >= 0 and data["load_average_end"] >= 0
    page = (quick_run / "benchmarks.md").read_text(encoding="utf-8")
    assert "| /api/quote | 2 |" in page and "A quote costs" in page


def test_official_word_errors_use_the_accuracy_normalisation() -> None:
    from bench.official import word_errors

    # Digits against words, elisions and case are the normalisation's, not errors.
    assert word_errors("L'OTAN compte 29 membres.", "l otan compte vingt-neuf membres",
                       "fr") == (0, 6, [])  # "l otan compte vingt neuf membres"
    errors, words, listed = word_errors("Mr. Quilter is the apostle", "Mr Quilter is an apostle",
                                        "en")
    assert (errors, words, listed) == (1, 5, ["the -> an"])
    assert word_errors("ask not", "", "en") == (2, 2, ["ask not -> (nothing)"])


def test_official_section_scored_both_layers(quick_run: Path) -> None:
    data = json.loads((quick_run / "official.json").read_text())
    assert set(data["wer"]) == {"machine", "official"}
    assert data["wer"]["official"] <= data["wer"]["machine"]
    assert data["attach_speed"] > 0 and data["align_share"] > 0
    assert set(data["departures"]) == {"omitted", "added", "changed"}
    for item in data["files"]:
        assert item["stages"]["align"] > 0 and item["attach_seconds"] > 0
    page = (quick_run / "benchmarks.md").read_text(encoding="utf-8")
    assert "(benchmarks/official-wer.png)" in page


def test_standalone_bench_results_survive_a_regeneration() -> None:
    """The word-times and departures benches run alone; their pasted results must not be lost
    when `python -m bench` writes the page again."""
    from bench.__main__ import STANDALONE_MARK, assemble

    old = f"# Benchmarks\n\n{STANDALONE_MARK}\n## Word times\n\n| a | b |\n"
    page = assemble(old, {}, "python -m bench --only official")
    assert page.rstrip().endswith(f"{STANDALONE_MARK}\n## Word times\n\n| a | b |")
