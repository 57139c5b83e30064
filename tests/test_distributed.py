"""Two real Celery workers on a real Redis (and PostgreSQL when installed) index three files,
one worker is SIGKILLed in the middle of a job, and a corrupt file fails with its reason."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import copy_fixture, free_port, new_database_url
from jobs_support import (
    corrupt_video,
    documents_per_video,
    jobs_by_name,
    kill_group,
    long_speech,
    queue,
    site,
    start_worker,
    stop_group,
    wait_for,
)

from indexer.store import load_transcript

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory) -> Iterator[str]:
    """A throwaway redis-server on a free loopback port, with no persistence."""
    binary = shutil.which("redis-server")
    if not binary:
        pytest.skip("redis-server is not installed (Debian: apt-get install redis-server; "
                    ".ci/run installs it)")
    port = free_port()
    folder = tmp_path_factory.mktemp("redis")
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly",
         "no", "--dir", str(folder)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    import redis

    client = redis.Redis(port=port)
    deadline = time.monotonic() + 20
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError("redis-server did not start") from None
            time.sleep(0.1)
    yield f"redis://127.0.0.1:{port}/0"
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def shared_database(request, tmp_path: Path) -> str:
    """PostgreSQL when installed (what several machines would share), else SQLite."""
    from pg_cluster import unavailable_reason

    backend = "sqlite" if unavailable_reason() else "postgresql"
    return new_database_url(request, backend, tmp_path)


def test_two_workers_index_each_file_once_despite_a_killed_worker(
        data_dir, shared_database, redis_url, ffmpeg, tmp_path):
    media = tmp_path / "media"
    files = [long_speech(ffmpeg, media), copy_fixture("en_nato.mp3", media),
             copy_fixture("fr_otan.flac", media), corrupt_video(ffmpeg, media)]
    env = {"SPEECHSEARCH_DATABASE_URL": shared_database, "SPEECHSEARCH_BROKER_URL": redis_url,
           "SPEECHSEARCH_JOB_STALE_SECONDS": "10"}
    app = site(data_dir, shared_database, BROKER_URL=redis_url)
    logs = [tmp_path / "worker-1.log", tmp_path / "worker-2.log"]
    workers = [start_worker(data_dir, env, log) for log in logs]
    try:
        with app.app_context():
            assert [r.status for r in queue(app).enqueue(files)] == ["queued"] * 4

        # The long file is first in the queue: kill whichever worker took it, mid-way.
        victim = wait_for(lambda: (j := jobs_by_name(app)["long_speech.flac"]).state
                          == "running" and j.done_seconds > 0 and j, 240,
                          "the long job to be under way", workers)
        pid = int(victim.worker.split(":")[1])
        killed = next(w for w in workers if _group_of(pid) == w.pid)
        kill_group(killed)
        survivor = next(w for w in workers if w is not killed)

        jobs = wait_for(lambda: (j := jobs_by_name(app)) and all(
            job.state in ("done", "failed") for job in j.values()) and j, 600,
            "every job to finish", [survivor])
    finally:
        for process in workers:
            stop_group(process)
    report = "\n".join(log.read_text(errors="replace")[-2000:] for log in logs)

    assert jobs["corrupt.mp4"].state == "failed", report
    assert "corrupt" in jobs["corrupt.mp4"].error
    indexed = {name: job for name, job in jobs.items() if name != "corrupt.mp4"}
    assert all(job.state == "done" for job in indexed.values()), report
    long_job = indexed["long_speech.flac"]
    assert long_job.attempts == 2 and long_job.worker != victim.worker

    # Each of the three is searchable, exactly once: as many documents as segments.
    expected = {job.video_id: len(load_transcript(data_dir / "transcripts",
                                                  job.video_id).segments)
                for job in indexed.values()}
    assert documents_per_video(data_dir / "index") == expected
    with app.app_context():
        searcher = app.extensions["archive"].searcher
        found = searcher.search("Afghanistan", page=1, per_page=50)
        assert {hit.video_id for hit in found.hits} >= {indexed["fr_otan.flac"].video_id}


def _group_of(pid: int) -> int | None:
    import os

    try:
        return os.getpgid(pid)
    except ProcessLookupError:
        return None


def test_a_job_for_an_unreachable_broker_fails_with_the_reason_and_can_be_retried(
        data_dir, tmp_path):
    """Redis down: the job is kept, failed with what to do, not lost in a queue that is not."""
    closed = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    app = site(data_dir, f"sqlite:///{tmp_path / 'jobs.db'}", BROKER_URL=closed)
    with app.app_context():
        queue(app).enqueue([copy_fixture("en_nato.mp3", tmp_path / "media")])
    job = jobs_by_name(app)["en_nato.mp3"]
    assert job.state == "failed" and "could not reach the job broker" in job.error
    with app.app_context():
        queue(app).retry(job.id)  # still unreachable: failed again, with the same advice
    assert "start it, then retry" in jobs_by_name(app)["en_nato.mp3"].error
