"""The embedded job queue: real files, the real model, a real index, real worker processes."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import copy_fixture
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
    writer,
)

from indexer.cli import main
from indexer.index_writer import writer_turn
from indexer.jobs import Job, JobError
from indexer.jobs.embedded import EmbeddedRunner
from indexer.jobs.runner import commit_pending, threads_per_job
from indexer.jobs.runner import reap as reap_stale
from indexer.jobs.table import utc_now as now
from indexer.records import Metadata
from indexer.store import load_transcript
from search_app.models import db


@pytest.fixture
def database_url(data_dir: Path) -> str:
    return f"sqlite:///{data_dir / 'speechsearch.db'}"


def test_enqueue_keys_jobs_by_content_and_reports_unreadable_files(data_dir, database_url,
                                                                   tmp_path):
    media = tmp_path / "media"
    english = copy_fixture("en_nato.mp3", media)
    renamed = copy_fixture("en_nato.mp3", media, "same_speech_other_name.mp3")
    text = media / "notes.mp4"
    text.write_text("not a video")
    app = site(data_dir, database_url)
    with app.app_context():
        results = queue(app).enqueue([english, text, renamed], Metadata(speaker="J. Doe"))
        assert [r.status for r in results] == ["queued", "failed", "already queued"]
        assert "not a media file" in results[1].reason
        view = queue(app).view(results[0].job)
        assert view["state"] == "queued" and view["percent"] == 0.0
        assert view["duration"] > 5 and view["name"] == "en_nato.mp3"
        assert results[0].job.meta == {"speaker": "J. Doe"}
        with pytest.raises(JobError, match="only failed jobs"):
            queue(app).retry(results[0].job.id)
        with pytest.raises(JobError, match="no job 999"):
            queue(app).retry(999)


def test_embedded_pool_indexes_files_and_keeps_failures_with_reason(data_dir, database_url,
                                                                    ffmpeg, tmp_path):
    media = tmp_path / "media"
    english = copy_fixture("en_nato.mp3", media)
    broken = corrupt_video(ffmpeg, media)
    app = site(data_dir, database_url)
    runner = EmbeddedRunner(queue(app), workers=1).start()
    try:
        with app.app_context():
            queued = queue(app).enqueue([broken, english])
        assert [r.status for r in queued] == ["queued", "queued"]
        jobs = wait_for(lambda: (j := jobs_by_name(app)) and all(
            job.state in ("done", "failed") for job in j.values()) and j, 240, "both jobs")
        assert jobs["corrupt.mp4"].state == "failed"
        assert "corrupt" in jobs["corrupt.mp4"].error
        done = jobs["en_nato.mp3"]
        assert done.state == "done" and done.attempts == 1 and done.error == ""
        transcript = load_transcript(data_dir / "transcripts", done.video_id)
        assert documents_per_video(data_dir / "index") == {
            done.video_id: len(transcript.segments)}

        with app.app_context():  # a retried failure runs again, and fails again, for its reason
            queue(app).retry(jobs["corrupt.mp4"].id)
        failed = wait_for(lambda: (j := jobs_by_name(app)["corrupt.mp4"]).state == "failed"
                          and j.attempts == 2 and j, 120, "the retried job")
        assert "corrupt" in failed.error
        with app.app_context():  # indexed already: not queued again
            assert queue(app).enqueue([english])[0].status == "already indexed"
    finally:
        runner.stop(timeout=60)


def test_jobs_queued_together_are_decoded_together_each_with_its_own_outcome(
        data_dir, database_url, ffmpeg, tmp_path, monkeypatch, batched_calls):
    # Regression: the embedded queue took one job at a time, each file's one window decoded
    # alone. Several queued jobs are now transcribed together (jobs/together.py).
    monkeypatch.setenv("SPEECHSEARCH_LANES", "1")  # both files' windows on the one lane
    media = tmp_path / "media"
    # Two English speeches: a batch holds one language's windows (the French and English
    # prompts differ in length: test_index_many.py).
    files = [copy_fixture("en_nato.mp3", media), corrupt_video(ffmpeg, media),
             copy_fixture("en_budget.mp3", media)]
    app = site(data_dir, database_url)
    with app.app_context():  # queued before the worker starts: it finds all three
        queued = queue(app).enqueue(files, Metadata(speaker="J. Doe"))
    assert [r.status for r in queued] == ["queued"] * 3
    runner = EmbeddedRunner(queue(app), workers=1).start()
    try:
        jobs = wait_for(lambda: (j := jobs_by_name(app)) and all(
            job.state in ("done", "failed") for job in j.values()) and j, 240, "the jobs")
    finally:
        runner.stop(timeout=60)
    assert jobs["corrupt.mp4"].state == "failed" and "corrupt" in jobs["corrupt.mp4"].error
    done = [jobs["en_nato.mp3"], jobs["en_budget.mp3"]]
    assert all(job.state == "done" and job.error == "" and job.attempts == 1 for job in done)
    assert all(job.done_seconds == job.duration > 5 for job in done)
    # One decoder call held both files' windows.
    assert max(windows for method, windows in batched_calls if method == "generate") >= 2
    transcripts = [load_transcript(data_dir / "transcripts", job.video_id) for job in done]
    assert [t.language for t in transcripts] == ["en", "en"]
    assert all(t.metadata.speaker == "J. Doe" for t in transcripts)
    assert documents_per_video(data_dir / "index") == {
        job.video_id: len(t.segments) for job, t in zip(done, transcripts, strict=True)}


def test_two_jobs_finishing_together_are_both_indexed_once(data_dir, database_url, indexed):
    """Group commit under the writer lock: two committers at the same moment lose nothing."""
    source = indexed.settings.transcripts_dir
    shutil.copytree(source, data_dir / "transcripts")
    app = site(data_dir, database_url)
    video_ids = sorted(p.stem for p in source.glob("*.json"))
    with app.app_context():
        for video_id in video_ids:
            db.session.add(Job(video_id=video_id, path=f"/nowhere/{video_id}", name=video_id,
                               state="transcribed", meta={}, created_at=now()))
        db.session.commit()

    committed, errors = [], []

    def commit() -> None:
        try:
            with app.app_context():
                committed.append(commit_pending(queue(app), writer(app)))
        except Exception as exc:  # reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=commit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sorted(committed) == [0, len(video_ids)]  # one batch took them all
    expected = {v: len(load_transcript(source, v).segments) for v in video_ids}
    assert documents_per_video(data_dir / "index") == expected
    assert all(job.state == "done" for job in jobs_by_name(app).values())

    with app.app_context():  # committing a video again replaces its documents
        job = db.session.execute(db.select(Job)).scalars().first()
        job.state = "transcribed"
        db.session.commit()
        assert commit_pending(queue(app), writer(app)) == 1
    assert documents_per_video(data_dir / "index") == expected


def test_a_foreground_index_and_a_job_commit_at_once_both_land(data_dir, database_url,
                                                              indexed, tmp_path):
    """`speechsearch index` and the jobs take turns on the index: neither waits on Whoosh's
    lock timeout, and neither's documents are lost."""
    source = indexed.settings.transcripts_dir
    english = copy_fixture("en_nato.mp3", tmp_path / "media")
    english_id = indexed.index_file(english).video_id  # already indexed there: only the id
    job_ids = sorted(p.stem for p in source.glob("*.json") if p.stem != english_id)
    (data_dir / "transcripts").mkdir()
    for video_id in job_ids:
        shutil.copy(source / f"{video_id}.json", data_dir / "transcripts")
    app = site(data_dir, database_url)
    with app.app_context():
        for video_id in job_ids:
            db.session.add(Job(video_id=video_id, path=f"/nowhere/{video_id}", name=video_id,
                               state="transcribed", meta={}, created_at=now()))
        db.session.commit()

    committed: list[int] = []
    with writer_turn(data_dir):  # both must wait for this turn, then take theirs
        foreground = subprocess.Popen(
            [sys.executable, "-m", "indexer", "--data-dir", str(data_dir), "index",
             str(english)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        wait_for(lambda: (data_dir / "transcripts" / f"{english_id}.json").is_file(), 240,
                 "the foreground transcript", [foreground])
        job_commit = threading.Thread(
            target=lambda: committed.append(commit_pending(queue(app), writer(app))))
        job_commit.start()
        assert foreground.poll() is None  # waiting for its turn, not failed
    job_commit.join(timeout=120)
    output, _ = foreground.communicate(timeout=120)
    assert foreground.returncode == 0, output
    assert committed == [len(job_ids)]
    everything = [*job_ids, english_id]
    assert documents_per_video(data_dir / "index") == {
        v: len(load_transcript(source, v).segments) for v in everything}


def test_reaping_commits_a_transcript_whose_worker_died_before_the_index(
        data_dir, database_url, indexed):
    """A worker killed between saving its transcript and the index commit leaves its job
    transcribed; any worker's reaper commits it, and requeues a running job whose process is
    gone."""
    source = indexed.settings.transcripts_dir
    shutil.copytree(source, data_dir / "transcripts")
    video_id = sorted(p.stem for p in source.glob("*.json"))[0]
    app = site(data_dir, database_url)
    with app.app_context():
        db.session.add(Job(video_id=video_id, path="/nowhere/a.mp4", name="left.mp4",
                           state="transcribed", meta={}, created_at=now()))
        orphan = Job(video_id="0" * 16, path="/nowhere/b.mp4", name="orphan.mp4",
                     state="running", meta={}, created_at=now(), heartbeat_at=now(),
                     worker=f"{socket.gethostname()}:{_dead_pid()}:0000")
        db.session.add(orphan)
        db.session.commit()
        assert reap_stale(queue(app), writer(app)) == [orphan.id]
    jobs = jobs_by_name(app)
    assert jobs["left.mp4"].state == "done" and jobs["orphan.mp4"].state == "queued"
    assert documents_per_video(data_dir / "index") == {
        video_id: len(load_transcript(source, video_id).segments)}


def _dead_pid() -> int:
    """The pid of a process that has ended (and been waited for)."""
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def test_embedded_queue_survives_a_restart_mid_job(data_dir, database_url, ffmpeg, tmp_path):
    speech = long_speech(ffmpeg, tmp_path / "media")
    app = site(data_dir, database_url)
    with app.app_context():
        assert queue(app).enqueue([speech])[0].status == "queued"
    env = {"SPEECHSEARCH_DATABASE_URL": database_url}
    log = tmp_path / "worker.log"
    first = start_worker(data_dir, env, log)
    try:
        wait_for(lambda: (j := jobs_by_name(app)["long_speech.flac"]).state == "running"
                 and j.done_seconds > 0, 180, "the job to be under way", [first])
    finally:
        kill_group(first)
    interrupted = jobs_by_name(app)["long_speech.flac"]
    assert interrupted.state == "running" and interrupted.attempts == 1

    second = start_worker(data_dir, env, log)
    try:
        job = wait_for(lambda: (j := jobs_by_name(app)["long_speech.flac"]).state
                       in ("done", "failed") and j, 300, "the job after the restart", [second])
    finally:
        stop_group(second)
    assert job.state == "done", log.read_text()[-3000:]
    assert job.attempts == 2
    transcript = load_transcript(data_dir / "transcripts", job.video_id)
    assert documents_per_video(data_dir / "index") == {job.video_id: len(transcript.segments)}


def test_jobs_share_the_cores_this_process_may_use() -> None:
    import os

    cores = len(os.sched_getaffinity(0))
    assert threads_per_job(1) == cores
    assert threads_per_job(cores * 2) == 1  # never zero threads
    assert threads_per_job(2, threads=3) == 3  # --threads wins


def test_cli_queues_lists_and_retries(data_dir, tmp_path):
    media = tmp_path / "media"
    copy_fixture("fr_otan.flac", media)
    (media / "empty.wav").write_bytes(b"")
    runner = CliRunner()
    base = ["--data-dir", str(data_dir)]
    result = runner.invoke(main, [*base, "index", str(media), "--queue", "--speaker", "X"])
    assert result.exit_code == 1  # the unreadable file is reported; the other is queued
    assert "queued  " in result.output and "job(s) queued" in result.output
    assert "empty.wav" in result.output
    result = runner.invoke(main, [*base, "index", str(media), "--queue", "--beam-size", "1"])
    assert result.exit_code == 2 and "--beam-size cannot be used with --queue" in result.output

    listed = runner.invoke(main, [*base, "jobs", "--json"])
    assert listed.exit_code == 0, listed.output
    (view,) = json.loads(listed.output)
    assert view["name"] == "fr_otan.flac" and view["state"] == "queued"
    assert "fr_otan.flac" in runner.invoke(main, [*base, "jobs"]).output
    assert "No jobs" in runner.invoke(main, [*base, "jobs", "--state", "failed"]).output

    result = runner.invoke(main, [*base, "jobs", "retry", str(view["id"])])
    assert result.exit_code == 1 and "only failed jobs can be retried" in result.output
