"""An official text attached from the site runs on a real Celery worker (issue 15): the same
job as on the embedded queue, through a real Redis broker and `speechsearch worker`."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import FIXTURES, copy_fixture, new_database_url
from jobs_support import jobs_by_name, queue, site, start_worker, stop_group, wait_for
from test_distributed import redis_url  # noqa: F401 (the module's throwaway redis-server)

from indexer.jobs import Job
from indexer.store import load_transcript
from search_app.models import db

pytestmark = pytest.mark.slow


def job_of(app, job_id: int) -> Job:
    with app.app_context():
        db.session.expire_all()
        job = db.session.get(Job, job_id)
        db.session.expunge(job)
        return job


def test_an_official_text_is_aligned_by_a_celery_worker(request, data_dir: Path, redis_url,  # noqa: F811
                                                        tmp_path: Path) -> None:
    database = new_database_url(request, "sqlite", tmp_path)
    app = site(data_dir, database, BROKER_URL=redis_url)
    worker = start_worker(data_dir, {"SPEECHSEARCH_DATABASE_URL": database,
                                     "SPEECHSEARCH_BROKER_URL": redis_url},
                          tmp_path / "worker.log")
    media = copy_fixture("fr_minister.ogg", tmp_path / "media")
    try:
        with app.app_context():
            assert [r.status for r in queue(app).enqueue([media])] == ["queued"]
        indexed = wait_for(lambda: (j := jobs_by_name(app).get("fr_minister.ogg"))
                           and j.state in ("done", "failed") and j, 300,
                           "the file to be indexed", [worker])
        assert indexed.state == "done", indexed.error
        text = (FIXTURES / "fr_minister.ref.txt").read_bytes()
        with app.app_context():
            job = queue(app).enqueue_official(indexed.video_id, text, "statement.txt")
        aligned = wait_for(lambda: (j := job_of(app, job.id)).state in ("done", "failed") and j,
                           300, "the text to be aligned", [worker])
    finally:
        stop_group(worker)
    log = (tmp_path / "worker.log").read_text(errors="replace")[-2000:]
    assert aligned.state == "done", (aligned.error, log)
    layer = load_transcript(data_dir / "transcripts", indexed.video_id).official
    assert layer is not None and layer.source == "statement.txt", log
    assert layer.coverage > 0.7 and layer.departures == []
    with app.app_context():
        hits = app.extensions["archive"].searcher.search("coopération", page=1, per_page=10).hits
    assert any(hit.source == "official" for hit in hits)
