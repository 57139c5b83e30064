"""Quote finder (issue 18): accuracy by kind of misremembering, beside plain search, and speed.

    python -m bench --only quotes
    python -m bench.quotes --size 1000000 --speed-only   # other sizes (to bench/results/)

The archive: a synthetic one (bench/synthetic.py) of 100k passages (or `--size`), plus the
corpus's real recordings as the real model transcribed them (`speechsearch index` on the corpus, the
transcription section's pipeline run, kept in the work dir). Quotes are made from both
(bench/quote_cases.py) and searched three ways in the same run: the finder
(`SegmentSearcher.quote`), and as the baseline plain search of the same words, as typed
(all words must match, BM25) and as an OR of the words (BM25, any word). A hit is right when it
is in the quote's video and its span overlaps the original words' span.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import time
from pathlib import Path

from bench import corpus_runs
from bench.quote_cases import KINDS, Case, CaseMaker
from bench.report import BenchContext, Section, percentile, publish, table, target
from bench.synthetic import ArchiveGenerator
from indexer.config import Settings
from indexer.gazetteer import Gazetteer
from indexer.search_index import SegmentSearcher, add_many
from indexer.search_index.quoting import FLOOR
from indexer.store import iter_video_ids, load_transcript

logger = logging.getLogger(__name__)

SEED = 20261207
# 1M as well where time allows (`python -m bench.quotes --size 100000 1000000`): building
# its index takes half an hour of a loaded machine.
SIZES, QUICK_SIZES = (100_000,), (3_000,)
PER_KIND = {100_000: 40, 1_000_000: 20}  # quotes per source and kind (8 for a quick run)
SPEED_LENGTHS, SPEED_COUNT = (8, 20, 50), 40
_WORD = re.compile(r"\w+")


def corpus_transcripts(ctx: BenchContext) -> list:
    """The corpus as the real model transcribed it (cached in the work dir by the run)."""
    files = corpus_runs.corpus_media(ctx.corpus, ctx.quick)
    config = corpus_runs.Config("pipeline")
    scratch = ctx.scratch("quotes-corpus")
    settings = Settings(data_dir=scratch / config.label.replace(" ", "-").replace("/", "-"))
    if len(list(iter_video_ids(settings.transcripts_dir))) < len(files):  # else: kept
        corpus_runs.run(config, files, ctx.models_dir, scratch)
    return [load_transcript(settings.transcripts_dir, v)
            for v in iter_video_ids(settings.transcripts_dir)]


def archive(ctx: BenchContext, size: int, corpus: list) -> tuple[Path, list]:
    """The index of `size` synthetic passages and the corpus (built once, kept)."""
    synthetic = list(ArchiveGenerator(SEED).transcripts(size))
    index_dir = ctx.scratch(f"quotes-{size}") / "index"
    done = index_dir.parent / "built.json"
    if not done.exists():
        started = time.perf_counter()
        add_many(index_dir, synthetic + corpus, Gazetteer.load())
        done.write_text(json.dumps({"passages": size + sum(len(t.reading()) for t in corpus),
                                    "seconds": time.perf_counter() - started}))
    return index_dir, synthetic


def _right(case: Case, video_id: str, start: float, end: float) -> bool:
    return video_id == case.video_id and start <= case.end + 0.01 and case.start <= end + 0.01


def _rank(case: Case, hits: list[tuple[str, float, float]]) -> int | None:
    return next((i + 1 for i, hit in enumerate(hits) if _right(case, *hit)), None)


def _plain(searcher: SegmentSearcher, words: list[str], joiner: str, limit: int = 5):
    results = searcher.search(joiner.join(words), per_page=limit)
    return [(h.video_id, h.start, h.end) for h in results.hits]


def accuracy(searcher: SegmentSearcher, cases: list[Case]) -> dict:
    """Top-1, top-5 and MRR per (source, kind) and way of searching; the best similarity of
    right hits and of quotes of nothing (the floor's calibration)."""
    ranks: dict[str, dict[str, list]] = {}
    right_best, nothing_best, nothing_searched = [], [], []
    for case in cases:
        quote = searcher.quote(case.text, limit=5)
        words = [w.lower() for w in _WORD.findall(case.text)]
        if case.kind == "nothing":
            nothing_best.append(quote.hits[0].similarity if quote.hits else 0.0)
            nothing_searched.append(bool(_plain(searcher, words, " OR ")))
            continue
        found = [(h.video_id, h.start, h.end) for h in quote.hits]
        per = ranks.setdefault(f"{case.source} {case.kind}", {})
        per.setdefault("finder", []).append(_rank(case, found))
        per.setdefault("search (all words)", []).append(_rank(case, _plain(searcher, words, " ")))
        per.setdefault("search (any word)", []).append(_rank(case, _plain(searcher, words,
                                                                          " OR ")))
        if found and found[0] and _right(case, *found[0]):
            right_best.append(quote.hits[0].similarity)
    return {"ranks": ranks, "right_best": right_best, "nothing_best": nothing_best,
            "nothing_searched": nothing_searched}


def _scores(ranks: list) -> tuple[float, float, float]:
    n = len(ranks)
    return (100 * sum(r == 1 for r in ranks) / n, 100 * sum(r is not None for r in ranks) / n,
            sum(1 / r for r in ranks if r) / n)


def speed(searcher: SegmentSearcher, maker: CaseMaker) -> dict[str, dict[int, list[float]]]:
    """Seconds per `quote` (the library call of the CLI and the site), by quote length, each
    quote with 20 % of its words substituted; and, interleaved on the same quotes, plain
    search of their words (any word): the machine's load weighs on both alike."""
    times: dict[str, dict[int, list[float]]] = {"finder": {}, "search": {}}
    for length in SPEED_LENGTHS:
        cases = [maker.case("substitute", length) for _ in range(SPEED_COUNT)]
        for case in cases[:3]:  # warm the caches the way a running site has them warm
            searcher.quote(case.text)
        for case in cases:
            words = [w.lower() for w in _WORD.findall(case.text)]
            started = time.perf_counter()
            searcher.quote(case.text)
            middle = time.perf_counter()
            _plain(searcher, words, " OR ")
            times["finder"].setdefault(length, []).append(middle - started)
            times["search"].setdefault(length, []).append(time.perf_counter() - middle)
    return times


def measure(ctx: BenchContext, size: int, speed_only: bool = False) -> dict:
    corpus = corpus_transcripts(ctx)
    index_dir, synthetic = archive(ctx, size, corpus)
    searcher = SegmentSearcher(index_dir, Gazetteer.load())
    per_kind = 8 if ctx.quick else PER_KIND.get(size, 30)
    cases = []
    for source, transcripts in (("corpus", corpus), ("synthetic", synthetic)):
        maker = CaseMaker(transcripts, SEED, source)
        cases += [maker.case(kind) for kind in KINDS for _ in range(per_kind)]
        cases += [maker.nothing() for _ in range(per_kind)]
    load_before = os.getloadavg()
    started = time.perf_counter()
    result = {} if speed_only else accuracy(searcher, cases)
    result["accuracy_s"] = time.perf_counter() - started
    result["speed"] = speed(searcher, CaseMaker(synthetic, SEED + 1, "synthetic"))
    result["load"] = [load_before, os.getloadavg()]
    result["size"] = json.loads((index_dir.parent / "built.json").read_text())["passages"]
    return result


def _accuracy_table(data: dict) -> tuple[str, float]:
    rows, changed = [], []
    for key, ways in sorted(data["ranks"].items()):
        cells = [key, str(len(ways["finder"]))]
        for way in ("finder", "search (all words)", "search (any word)"):
            top1, top5, mrr = _scores(ways[way])
            cells.append(f"{top1:.0f} / {top5:.0f} / {mrr:.2f}")
        rows.append(cells)
        if not key.endswith("shorten"):
            changed.extend(ways["finder"])
    headers = ["quotes", "n", "finder", "search (all words)", "search (any word)"]
    return table(headers, rows), _scores(changed)[0]


def _floor_line(data: dict) -> str:
    nothing, right = data["nothing_best"], data["right_best"]
    shown = 100 * sum(s >= FLOOR for s in nothing) / max(1, len(nothing))
    return (f"Similarity floor {FLOOR}: quotes of nothing (archive words in random order) "
            f"with a place at or above it: {shown:.1f} % of {len(nothing)} (their best "
            f"similarity, p95: {percentile(nothing, 95) if nothing else 0:.2f}); right first "
            f"places: similarity p5 {percentile(right, 5) if right else 0:.2f}, min "
            f"{min(right, default=0):.2f}. Plain search of their words (any word) lists "
            f"passages for {100 * sum(data['nothing_searched']) / max(1, len(nothing)):.0f} %"
            f" of them.")


def _body(results: list[dict]) -> tuple[str, list]:
    parts = ["Top-1 % / top-5 % / mean reciprocal rank, by source and kind of quote (20 % of "
             "the words changed unless the kind says otherwise; bench/quote_cases.py). A place "
             "is right when it is in the quote's video and overlaps the original words' span. "
             "The two search columns are plain search of the same words in the same run: as "
             "typed (all words) and as an OR of them (BM25 both)."]
    if not any("ranks" in data for data in results):  # a --speed-only run
        parts = []
    targets, speed_rows = [], []
    for data in results:
        loads = " -> ".join("/".join(f"{x:.1f}" for x in load) for load in data["load"])
        parts += [f"### {data['size']:,} passages",
                  f"Synthetic passages plus the corpus's real recordings as Whisper base "
                  f"transcribed them; load average (1/5/15 min) before -> after: {loads}, on "
                  f"2 cores shared with other work."]
        if "ranks" in data:  # not a --speed-only run
            accuracy_table, top1 = _accuracy_table(data)
            parts += [accuracy_table, f"Finder top-1 over every kind with words changed "
                      f"(shorten aside): **{top1:.1f} %**.", _floor_line(data)]
            targets.append(target(f"quote top-1 (<= 20 % changed), {data['size']:,} "
                                  "passages", top1, 95, True, " %"))
        for length, times in data["speed"]["finder"].items():
            plain = data["speed"]["search"][length]
            speed_rows.append([f"{data['size']:,}", f"{length} words", len(times),
                               f"{1000 * percentile(times, 50):.0f}",
                               f"{1000 * percentile(times, 95):.0f}",
                               f"{1000 * percentile(plain, 50):.0f}",
                               f"{1000 * percentile(plain, 95):.0f}"])
    largest = results[-1]
    targets.append(target(f"quote p95, 20 words, {largest['size']:,} passages",
                          1000 * percentile(largest["speed"]["finder"][20], 95), 300, False,
                          " ms", 0))
    parts += ["### Speed",
              "`SegmentSearcher.quote` (what `speechsearch quote` and `/api/quote` call, "
              "without the process start), ms, each quote with 20 % of its words "
              "substituted; beside it, interleaved on the same quotes, plain search of their "
              "words (any word, one page of 5): a ratio that survives the load. The issue's "
              "speed target is for 1M passages; this is the size measured.",
              table(["passages", "quote", "n", "finder p50", "finder p95", "search p50",
                     "search p95"], speed_rows, right={2, 3, 4, 5, 6})]
    return "\n\n".join(parts), targets


def run(ctx: BenchContext, sizes: tuple[int, ...] | None = None,
        speed_only: bool = False) -> Section:
    sizes = sizes or (QUICK_SIZES if ctx.quick else SIZES)
    results = [measure(ctx, size, speed_only) for size in sizes]
    body, targets = _body(results)
    command = "python -m bench --only quotes"
    if sizes != SIZES and not ctx.quick:
        command = ("python -m bench.quotes --size " + " ".join(map(str, sizes))
                   + (" --speed-only" if speed_only else ""))
    return Section("quotes", "Quote finder", command, body,
                   data={"results": results, "targets": targets})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, nargs="+", default=list(SIZES),
                        help="synthetic passages (archive sizes)")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--speed-only", action="store_true",
                        help="speed only: no accuracy run (its plain searches take long at 1M)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    section = run(BenchContext(quick=args.quick), tuple(args.size), args.speed_only)
    print(publish(section, BenchContext(quick=args.quick)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
