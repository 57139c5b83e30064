"""The site's memory and home page time on a large archive: the transcript cache before and
after it was bounded (search_app/transcript_cache.py) and the listings read summaries.

    PYTHONPATH=. .venv/bin/python -m bench.archive_memory --videos 2000 --data /tmp/am

Makes a synthetic archive (bench/synthetic.py: about 300 passages a video, no word timings,
so real transcripts are larger) once in --data, then measures each way in a fresh process, one
after the other: the peak RSS of the process after the home page, and the time of the home page
cold (the first request) and warm (the next ones). "unbounded" is the code before: every
transcript listed was parsed into an unbounded cache and stayed there. "bounded, first start":
the summaries (search_app/video_summaries.py) are made from the transcripts; "bounded,
restart": a site restarted over them. Standalone (not a
section of `python -m bench`): the numbers go into the report that needed them.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import resource
import subprocess
import sys
import time
from itertools import islice
from pathlib import Path

logger = logging.getLogger("bench.archive_memory")
WARM_REQUESTS = 5


def make_archive(data: Path, videos: int) -> None:
    from bench.synthetic import ArchiveGenerator
    from indexer.config import Settings
    from indexer.store import save_transcript

    transcripts = Settings(data_dir=data).transcripts_dir
    if transcripts.is_dir() and len(list(transcripts.glob("*.json"))) == videos:
        return
    # 200 to 400 passages a video: this many passages make at least `videos` videos.
    for transcript in islice(ArchiveGenerator(seed=7).transcripts(videos * 400), videos):
        save_transcript(transcripts, transcript)
    logger.info("made %d transcripts in %s", videos, transcripts)


def unbounded_videos(archive) -> list:
    """Archive.videos as it was: each transcript parsed through the (then unbounded) cache."""
    from indexer.store import iter_video_ids
    from search_app.archive import VideoSummary

    found = [VideoSummary.of(archive.transcript(v))
             for v in iter_video_ids(archive.settings.transcripts_dir)]
    return sorted(found, key=lambda v: (v.date, v.title), reverse=True)


def measure(mode: str, data: Path) -> dict:
    """In this process: the home page once cold, then warm; the peak RSS after."""
    from search_app import create_app

    config = {"TESTING": True, "DATA_DIR": str(data),
              "DATABASE_URL": f"sqlite:///{data / 'bench-site.db'}"}
    if mode == "unbounded":
        config["TRANSCRIPT_CACHE_MB"] = 1 << 30
        (data / "video-summaries.json").unlink(missing_ok=True)  # not used: no head start
    app = create_app(config)
    archive = app.extensions["archive"]
    if mode == "unbounded":
        archive.videos = lambda: unbounded_videos(archive)
    client = app.test_client()
    start = time.perf_counter()
    page = client.get("/?ui=en")
    cold = time.perf_counter() - start
    assert page.status_code == 200 and page.text.count('class="card"') == 12, page.status_code
    start = time.perf_counter()
    for _ in range(WARM_REQUESTS):
        client.get("/?ui=en")
    warm = (time.perf_counter() - start) / WARM_REQUESTS
    return {"mode": mode, "cold_s": cold, "warm_ms": warm * 1000,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "cached": len(archive._cache), "page": page.text}


def run(videos: int, data: Path) -> list[dict]:
    make_archive(data, videos)
    size = sum(p.stat().st_size for p in (data / "transcripts").glob("*.json"))
    results = []
    (data / "video-summaries.json").unlink(missing_ok=True)
    for mode in ("unbounded", "bounded", "bounded"):
        out = subprocess.run([sys.executable, "-m", "bench.archive_memory", "--child", mode,
                              "--data", str(data)], check=True, capture_output=True, text=True)
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    same = len({r.pop("page") for r in results}) == 1
    print(f"{videos} videos, {size / 1e6:.0f} MB of transcripts; home page identical: {same}; "
          f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for r, name in zip(results, ("unbounded", "bounded, first start", "bounded, restart")):
        print(f"{name:>20}: peak RSS {r['peak_rss_mb']:.0f} MB, home page cold "
              f"{r['cold_s']:.2f} s, warm {r['warm_ms']:.1f} ms, transcripts cached "
              f"{r['cached']}")
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--videos", type=int, default=2000)
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--child", choices=["unbounded", "bounded"])
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if args.child:
        print(json.dumps(measure(args.child, args.data)))
    else:
        run(args.videos, args.data)


if __name__ == "__main__":
    main()
