"""Embedded job workers: queued jobs taken one at a time against several together
(indexer/jobs/together.py), side by side.

    .venv/bin/python -m bench.jobs_together [--rounds 2]

`speechsearch worker` without a broker (the embedded queue, one worker thread), started as
users start it, on a fresh data dir and SQLite database each run, with
SPEECHSEARCH_FILES_AT_ONCE=1 (a job at a time, as before) or 4 (the default). A warm-up job
loads the model first; then the corpus files are queued at once and the clock runs from the
first job's creation to the last job's end, as the job table records them (the worker polls
the database every 2 s, in both). The two settings alternate, `--rounds` times. Prints a
Markdown table; nothing is written to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from bench.corpus_runs import corpus_media
from bench.report import BenchContext, table
from bench.workers import _duration, _finished, warm_up_media
from search_app import create_app

logger = logging.getLogger(__name__)


def measure(at_once: int, media: list[Path], ctx: BenchContext, label: str) -> dict:
    root = ctx.scratch("jobs-together") / label
    shutil.rmtree(root, ignore_errors=True)
    data = root / "data"
    data.mkdir(parents=True)
    (data / "models").symlink_to(ctx.models_dir.resolve(), target_is_directory=True)
    database = f"sqlite:///{root / 'jobs.sqlite'}"
    app = create_app({"DATA_DIR": str(data), "DATABASE_URL": database})
    env = {**os.environ, "SPEECHSEARCH_DATABASE_URL": database,
           "SPEECHSEARCH_FILES_AT_ONCE": str(at_once)}
    env.pop("SPEECHSEARCH_BROKER_URL", None)
    log = root / "worker.log"
    with log.open("wb") as out:
        worker = subprocess.Popen([sys.executable, "-m", "indexer", "-v", "--data-dir",
                                   str(data), "worker"], stdout=out, stderr=subprocess.STDOUT,
                                  start_new_session=True, env=env)
    try:
        warm = [r.job.id for r in app.extensions["jobs"].enqueue(warm_up_media(ctx, 1))]
        _finished(app, warm, 300, [worker], [log])
        results = app.extensions["jobs"].enqueue(media)
        if any(r.status != "queued" for r in results):
            raise RuntimeError(f"not queued: {[(r.path, r.reason) for r in results]}")
        jobs = _finished(app, [r.job.id for r in results], 1200, [worker], [log])
    finally:
        worker.terminate()
        worker.wait(timeout=60)
    wall = (max(j.finished_at for j in jobs) - min(j.created_at for j in jobs)).total_seconds()
    audio = sum(j.duration for j in jobs)
    return {"at_once": at_once, "files": len(jobs), "audio": audio, "wall": wall,
            "speed": audio / wall}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.jobs_together",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2,
                        help="times each setting runs, alternating (default 2)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    ctx = BenchContext()
    media = corpus_media(ctx.corpus)
    logger.info("%d files, %.0f s of audio", len(media), sum(_duration(p) for p in media))
    load = os.getloadavg()
    runs = []
    for number in range(args.rounds):
        for at_once in (1, 4):
            started = time.monotonic()
            runs.append(measure(at_once, media, ctx, f"at-once-{at_once}-{number}"))
            logger.info("%d at once: %.2fx (%.0f s with the start)", at_once,
                        runs[-1]["speed"], time.monotonic() - started)
    rows = [[f"{run['at_once']}", f"{run['files']}", f"{run['audio']:.0f}",
             f"{run['wall']:.1f}", f"{run['speed']:.2f}x"] for run in runs]
    print(table(["jobs at once", "files", "audio (s)", "wall (s)", "speed"], rows))
    print(f"\nLoad average when the run started: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; "
          f"ended: {' '.join(f'{x:.2f}' for x in os.getloadavg())}.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
