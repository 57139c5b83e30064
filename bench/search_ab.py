"""Two checkouts' search code alternated on one index, side by side: for a change's
before/after on a shared machine.

    .venv/bin/python -m bench.search_ab --index DIR --fts FILE --queries FILE \\
        --checkout /work/main --checkout . [--rounds 4] [--types term and]

Each run is a fresh process whose PYTHONPATH is one checkout, running `bench.search.measure`
(what `bench.search_quick` runs: `SegmentSearcher.search`, the site's code path, with FTS5 in
the same process) on the given index and queries (`bench.search_quick` leaves them as
`whoosh-N`, `fts-N.sqlite`, `queries-N-60.json`). The checkouts alternate, `--rounds` times
each; it prints the medians of each one's p50/p95/p99, the median of its runs' p99/p95, the
time to open the searcher and the process's anonymous memory after the queries, with the
load average. Nothing is written to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import subprocess
import sys
from pathlib import Path

from bench.search import TYPES

logger = logging.getLogger(__name__)

# Run in the child, on the checkout's own code (it may not have this module).
_CHILD = """
import json, sys
from pathlib import Path
from bench.report import percentile
from bench.search import measure
from indexer.gazetteer import Gazetteer
whoosh, fts, queries, types = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
drawn = json.loads(Path(queries).read_text())
stats = {"whoosh_dir": whoosh, "fts_path": fts,
         "queries": {name: [tuple(q) for q in drawn[name]] for name in types}}
timings = measure(stats, Gazetteer.load(), types)
anon = next(line for line in open("/proc/self/status") if line.startswith("RssAnon"))
import indexer
out = {"open_s": stats["open_s"], "anon_mb": int(anon.split()[1]) / 1024,
       "code": indexer.__file__}
for name in types:
    out[name] = [percentile(timings["whoosh"][name], q) for q in (50, 95, 99)]
    fts_ms = timings["fts5"].get(name)
    out["fts5 " + name] = [percentile(fts_ms, q) for q in (50, 95, 99)] if fts_ms else None
print(json.dumps(out))
"""


def _run(checkout: Path, args) -> dict:
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    # Run in the checkout: `python -c` puts the working directory before PYTHONPATH.
    done = subprocess.run([sys.executable, "-c", _CHILD, str(args.index.resolve()),
                           str(args.fts.resolve()), str(args.queries.resolve()), *args.types],
                          env=env, cwd=checkout, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _cell(runs: list[dict], name: str) -> str:
    if any(run[name] is None for run in runs):
        return "n/a"
    return " / ".join(f"{statistics.median(run[name][i] for run in runs):.1f}"
                      for i in range(3))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--fts", type=Path, required=True)
    parser.add_argument("--queries", type=Path, required=True)
    parser.add_argument("--checkout", type=Path, action="append", required=True)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--types", nargs="+", choices=TYPES, default=TYPES)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    runs: dict[Path, list[dict]] = {checkout: [] for checkout in args.checkout}
    for round_ in range(args.rounds):
        for checkout in args.checkout:
            load = " ".join(f"{x:.2f}" for x in os.getloadavg())
            runs[checkout].append(_run(checkout.resolve(), args))
            logger.info("round %d, %s: done (load average before: %s)", round_ + 1, checkout,
                        load)
    for checkout, done in runs.items():
        logger.info("%s (%s): opening %s s, anonymous memory %s MB", checkout,
                    done[0]["code"],
                    ", ".join(f"{run['open_s']:.2f}" for run in done),
                    ", ".join(f"{run['anon_mb']:.0f}" for run in done))
        logger.info("| query | p50 / p95 / p99 | p99/p95 (median of runs) | FTS5 |")
        for name in args.types:
            ratio = statistics.median(run[name][2] / run[name][1] for run in done)
            logger.info("| %s | %s | %.1fx | %s |", name, _cell(done, name), ratio,
                        _cell(done, "fts5 " + name))
    logger.info("done (load average %s)", " ".join(f"{x:.2f}" for x in os.getloadavg()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
