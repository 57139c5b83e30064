"""Find and replace across the archive: occurrences previewed in context, the ticked ones
replaced (one revision per video) and searched at once, undone as a batch; a video changed
since the preview is left alone; a big batch runs as a job through the real runner. Real
transcripts, real index, real database, the Flask test client."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from corrections_support import FR, found, indexed_copy
from test_archivist import PASSWORD, add_account

from indexer.corrections import Edit, RevisionStore, save_edits
from indexer.corrections.replace import find, load_batch, new_batch, run_batch, undo_batch
from indexer.gazetteer import Gazetteer
from indexer.jobs.runner import make_indexer, run_job
from indexer.pipeline import Indexer
from indexer.store import load_transcript
from search_app import create_app

EN = "de560c1c9d338667"  # en_nato.mp3


@pytest.fixture
def settings(tmp_path: Path, indexed: Indexer):
    return indexed_copy(tmp_path, indexed, FR, EN)


def test_find_replace_and_undo_as_a_batch(settings, gazetteer) -> None:
    occurrences = find(settings, "afghanistan")
    assert {o.video_id for o in occurrences} == {FR, EN}
    fr = next(o for o in occurrences if o.video_id == FR)
    assert fr.match == "Afghanistan" and fr.before.endswith("coopération en ")
    words = load_transcript(settings.transcripts_dir, FR).reading()[0].words
    assert fr.time == next(w.start for w in words if w.word.strip() == "Afghanistan")
    assert find(settings, "afghan") == []  # whole words only

    batch = run_batch(settings, gazetteer, new_batch(
        "Afghanistan", "Nunavut", [o.key for o in occurrences], "desk@example.org"))
    assert set(batch.videos) == {FR, EN} and batch.skipped == {}
    assert found(settings, gazetteer, "Nunavut") == {FR, EN}
    assert found(settings, gazetteer, "Afghanistan") == set()
    assert RevisionStore(settings.data_dir, FR).revision(1).kind == "replace"

    # One video is corrected again by hand: the undo leaves it, and says so.
    text = load_transcript(settings.transcripts_dir, EN).reading()[0].text
    save_edits(settings, gazetteer, EN, [Edit("text", 0, text=text + " Merci.")], base=1,
               author="other@example.org")
    undone = undo_batch(settings, gazetteer, batch.id, "desk@example.org")
    assert set(undone.undone) == {FR} and "not undone" in undone.skipped[EN]
    assert found(settings, gazetteer, "Afghanistan") == {FR}
    assert load_batch(settings.data_dir, batch.id).undone == undone.undone


def test_a_video_changed_since_the_preview_is_left_alone(settings, gazetteer) -> None:
    keys = [o.key for o in find(settings, "Afghanistan")]
    text = load_transcript(settings.transcripts_dir, FR).reading()[0].text
    save_edits(settings, gazetteer, FR, [Edit("text", 0, text=text.replace("Le ", "Ce "))],
               base=0, author="other@example.org")
    batch = run_batch(settings, gazetteer, new_batch("Afghanistan", "Kaboul", keys, "desk"))
    assert set(batch.videos) == {EN} and "changed since you opened it" in batch.skipped[FR]
    assert "Afghanistan" in load_transcript(settings.transcripts_dir, FR).reading()[0].text


def login(app, email: str):
    client = app.test_client()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                      client.get("/login").text).group(1)
    client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
    return client, token


def test_the_page_previews_replaces_and_runs_big_batches_as_jobs(settings, gazetteer,
                                                                   database_url: str) -> None:
    app = create_app({"TESTING": True, "DATA_DIR": str(settings.data_dir),
                      "DATABASE_URL": database_url, "REPLACE_JOB_MIN_VIDEOS": 1,
                      "JOB_WORKERS": 0})
    add_account(app, "desk@example.org", "archivist")
    add_account(app, "member@example.org", "member")
    member, member_token = login(app, "member@example.org")
    assert member.get("/replace?q=Afghanistan").status_code == 403
    assert app.test_client().get("/replace").status_code == 302  # to the log-in page
    client, token = login(app, "desk@example.org")
    page = client.get("/replace?q=afghanistan&ui=en").text
    keys = re.findall(r'name="key" value="([^"]+)"', page)
    assert len(keys) == 2 and "<mark>Afghanistan</mark>" in page and "#t=" in page
    assert client.post("/replace", data={"phrase": "Afghanistan", "replacement": "Nunavut",
                                         "key": keys}).status_code == 400  # no CSRF token
    posted = client.post("/replace", data={"phrase": "Afghanistan", "replacement": "Nunavut",
                                            "key": keys, "csrf_token": token})
    assert "is queued (job" in client.get(posted.location + "?ui=en").text
    queue = app.extensions["jobs"]
    [job] = queue.recent(5)
    assert job.name == "replace: Afghanistan → Nunavut" and job.duration == 2
    assert run_job(queue, job.id, make_indexer(queue)) == "done"
    assert queue.view(queue.get(job.id))["percent"] == 100
    assert found(settings, gazetteer, "Nunavut") == {FR, EN}
    jobs_page = client.get("/jobs?ui=en").text
    assert "replace: Afghanistan → Nunavut" in jobs_page
    batch_id = re.search(r'/replace/([^/]+)/undo', client.get("/replace").text).group(1)
    client.post(f"/replace/{batch_id}/undo", data={"csrf_token": token})
    assert found(settings, gazetteer, "Afghanistan") == {FR, EN}
    assert found(settings, gazetteer, "Nunavut") == set()


def test_the_corrected_name_goes_to_the_gazetteer_and_is_tagged(settings, gazetteer,
                                                                 database_url: str) -> None:
    app = create_app({"TESTING": True, "DATA_DIR": str(settings.data_dir),
                      "DATABASE_URL": database_url, "JOB_WORKERS": 0})
    add_account(app, "desk@example.org", "archivist")
    client, token = login(app, "desk@example.org")
    keys = re.findall(r'name="key" value="([^"]+)"', client.get("/replace?q=afghanistan").text)
    posted = client.post("/replace", data={
        "phrase": "Afghanistan", "replacement": "Nunavut", "key": keys, "csrf_token": token,
        "gazetteer": "y", "label": "LOC", "language": "fr", "aliases": "Nunavik, <b>x</b>"})
    shown = client.get(posted.location + "&ui=en").text
    assert "Replaced in 2 video(s)" in shown and "(loc:nunavut)" in shown
    own = Gazetteer.load(settings.data_dir / "gazetteer.json")
    assert own.lookup("Nunavut") == own.lookup("Nunavik") == "loc:nunavut"
    assert own.lookup("OTAN") == "org:nato"  # the project's names are all still there
    assert own.entries["loc:nunavut"].label == "LOC"
    hits = client.get("/api/search?q=entity:loc:nunavut").json["hits"]
    assert {h["video_id"] for h in hits} == {FR, EN}
    refused = client.post("/replace", data={
        "phrase": "Nunavut", "replacement": "X", "key": keys[:1], "csrf_token": token,
        "gazetteer": "y", "label": "BAD", "language": "fr"})
    assert refused.status_code == 302
    assert "BAD" not in (settings.data_dir / "gazetteer.json").read_text()


def test_a_batch_run_again_goes_on_where_it_stopped(settings, gazetteer) -> None:
    keys = [o.key for o in find(settings, "Afghanistan")]
    batch = new_batch("Afghanistan", "Kaboul", keys, "desk")
    batch.videos[FR] = 99  # as if a job had done FR before its worker died
    again = run_batch(settings, gazetteer, batch)
    assert set(again.videos) == {FR, EN} and again.videos[EN] == 1
    assert RevisionStore(settings.data_dir, FR).revisions() == []  # FR not done twice
    assert found(settings, gazetteer, "Kaboul") == {EN}
