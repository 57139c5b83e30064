"""What the job tests share: real worker processes, media to index, and reading the outcome."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from conftest import FIXTURES, run_ffmpeg
from whoosh import index as whoosh_index

from indexer.index_writer import IndexWriter
from indexer.jobs import Job, JobQueue
from indexer.search_index import INDEX_NAME
from search_app import create_app
from search_app.models import db


def long_speech(ffmpeg: str, folder: Path, repeats: int = 4) -> Path:
    """About a minute of real speech (the French and English fixtures, in turn): long enough
    to kill its worker in the middle of the job."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "long_speech.flac"
    inputs = []
    for _ in range(repeats):
        inputs += ["-i", str(FIXTURES / "fr_otan.flac"), "-i", str(FIXTURES / "en_nato.mp3")]
    count = 2 * repeats
    streams = "".join(f"[{n}:a]aresample=16000,aformat=channel_layouts=mono[a{n}];"
                      for n in range(count))
    concat = "".join(f"[a{n}]" for n in range(count)) + f"concat=n={count}:v=0:a=1[out]"
    run_ffmpeg(ffmpeg, *inputs, "-filter_complex", streams + concat, "-map", "[out]",
               str(target))
    return target


def corrupt_video(ffmpeg: str, folder: Path) -> Path:
    """An MP4 whose container is intact (it probes) but whose media data is zeroed."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "corrupt.mp4"
    run_ffmpeg(ffmpeg, "-f", "lavfi", "-i", "testsrc=size=160x120:rate=10", "-i",
               str(FIXTURES / "fr_otan.flac"), "-shortest", "-c:v", "libx264", "-preset",
               "ultrafast", "-c:a", "aac", str(target))
    data = bytearray(target.read_bytes())
    start, end = data.find(b"mdat") + 4, data.find(b"moov") - 4
    assert 0 < start < end, "expected the media data before the index (ffmpeg's default)"
    data[start:end] = bytes(end - start)
    target.write_bytes(data)
    return target


def site(data_dir: Path, database_url: str, **config) -> object:
    return create_app({"DATA_DIR": str(data_dir), "DATABASE_URL": database_url,
                       "TESTING": True, **config})


def queue(app) -> JobQueue:
    return app.extensions["jobs"]


def writer(app) -> IndexWriter:
    archive = app.extensions["archive"]
    return IndexWriter(archive.settings, archive.gazetteer)


def jobs_by_name(app) -> dict[str, Job]:
    with app.app_context():
        db.session.expire_all()
        jobs = db.session.execute(db.select(Job)).scalars().all()
        for job in jobs:
            db.session.expunge(job)
        return {job.name: job for job in jobs}


def wait_for(condition: Callable[[], object], timeout: float, what: str,
             processes: list[subprocess.Popen] = ()) -> object:
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        for process in processes:
            if process.poll() is not None and process.returncode not in (0, -9):
                raise AssertionError(f"a worker exited with {process.returncode} while "
                                     f"waiting for {what}")
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.5)


def start_worker(data_dir: Path, env: dict[str, str], log: Path,
                 concurrency: int = 1) -> subprocess.Popen:
    """`speechsearch worker` in a session of its own, so that killing its group kills it all
    (a Celery worker is a parent and its pool processes)."""
    return subprocess.Popen(
        [sys.executable, "-m", "indexer", "-v", "--data-dir", str(data_dir), "worker",
         "--concurrency", str(concurrency)],
        stdout=log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True,
        env={**os.environ, **env})


def kill_group(process: subprocess.Popen) -> None:
    """SIGKILL a worker and everything it started, as a lost machine would stop."""
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


def stop_group(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            kill_group(process)


def documents_per_video(index_dir: Path) -> dict[str, int]:
    """How many index documents (segments) each video has: a video indexed twice has twice."""
    ix = whoosh_index.open_dir(str(index_dir), indexname=INDEX_NAME)
    with ix.searcher() as searcher:  # live documents only: deleted ones are skipped
        counts: dict[str, int] = {}
        for fields in searcher.all_stored_fields():
            counts[fields["video_id"]] = counts.get(fields["video_id"], 0) + 1
        return counts
