"""Archivists: accounts from the CLI, uploads probed for real, metadata edits and removals that
keep the real Whoosh index consistent, the jobs page. SQLite and PostgreSQL."""

from __future__ import annotations

import io
import json
import math
import re
import shutil
import struct
import wave
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import FIXTURES

from indexer.cli import main
from indexer.config import Settings
from indexer.jobs import Job
from indexer.pipeline import Indexer
from indexer.search_index import add_many
from indexer.store import load_transcript, save_transcript
from search_app import create_app
from search_app.models import User, db

PASSWORD = "Quote-Check-2009!"
EN, FR = "de560c1c9d338667", "17a1a292df1174ea"  # content hashes of en_nato.mp3, fr_otan.flac


@pytest.fixture
def data(tmp_path: Path, indexed: Indexer) -> Path:
    """A data dir of its own with the English and French fixtures indexed (their transcripts
    copied from the session's, indexed for real here); the mixed one is not in it."""
    settings = Settings(data_dir=tmp_path / "data")
    transcripts = [load_transcript(indexed.settings.transcripts_dir, video_id)
                   for video_id in (EN, FR)]
    for transcript in transcripts:
        save_transcript(settings.transcripts_dir, transcript)
    add_many(settings.index_dir, transcripts, indexed.gazetteer, settings.languages)
    return settings.data_dir


def cli(*args: str, data: Path, database_url: str, stdin: str | None = None):
    return CliRunner().invoke(main, [*args, "--data-dir", str(data)], input=stdin,
                              env={"SPEECHSEARCH_DATABASE_URL": database_url})


@pytest.fixture
def make_app(data: Path, database_url: str):
    def make(**extra):
        return create_app({"TESTING": True, "DATA_DIR": str(data), "DATABASE_URL": database_url,
                           "WTF_CSRF_ENABLED": False, **extra})
    return make


@pytest.fixture
def app(make_app):
    return make_app()


def add_account(app, email: str, role: str) -> None:
    with app.app_context():
        from search_app.passwords import hash_secret

        moment = datetime(2026, 1, 5, tzinfo=timezone.utc)
        db.session.add(User(email=email, password_hash=hash_secret(PASSWORD), role=role,
                            created_at=moment, verified_at=moment))
        db.session.commit()


def logged_in(app, email: str):
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302, response.text
    return client


@pytest.fixture
def archivist(app):
    add_account(app, "archivist@example.org", "archivist")
    return logged_in(app, "archivist@example.org")


@pytest.fixture
def member(app):
    add_account(app, "member@example.org", "member")
    return logged_in(app, "member@example.org")


def hits(client, query: str) -> set[str]:
    return {hit["video_id"] for hit in client.get(f"/api/search?q={query}").json["hits"]}


def upload(client, *files: tuple[bytes, str], **fields):
    return client.post("/upload", data={
        "files": [(io.BytesIO(content), name) for content, name in files], **fields},
        headers={"Accept": "application/json"}, content_type="multipart/form-data")


def tone_wav(seconds: float) -> bytes:
    """A real WAV (16 kHz mono, 16-bit): 32 KB per second."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16000)
        out.writeframes(b"".join(struct.pack("<h", int(8000 * math.sin(n / 10)))
                                 for n in range(int(16000 * seconds))))
    return buffer.getvalue()


def test_users_add_and_set_role_from_the_cli(data: Path, database_url: str, make_app) -> None:
    added = cli("users", "add", "Desk@Example.org", "--role", "archivist", "--password-stdin",
                data=data, database_url=database_url, stdin=PASSWORD + "\n")
    assert added.exit_code == 0, added.output
    again = cli("users", "add", "desk@example.org", "--password-stdin", data=data,
                database_url=database_url, stdin=PASSWORD + "\n")
    assert again.exit_code == 1 and "already exists" in again.output
    weak = cli("users", "add", "weak@example.org", "--password-stdin", data=data,
               database_url=database_url, stdin="short\n")
    assert weak.exit_code == 1 and "at least 12 characters" in weak.output
    # Prompted twice; a mismatch asks again.
    prompted = cli("users", "add", "reader@example.org", data=data, database_url=database_url,
                   stdin=f"{PASSWORD}\nsomething-else\n{PASSWORD}\n{PASSWORD}\n")
    assert prompted.exit_code == 0 and "do not match" in prompted.output, prompted.output
    app = make_app()
    with app.app_context():
        users = {u.email: u for u in db.session.execute(db.select(User)).scalars()}
        assert set(users) == {"desk@example.org", "reader@example.org"}
        assert users["desk@example.org"].is_archivist and users["desk@example.org"].verified
        assert users["reader@example.org"].role == "member"
    client = logged_in(app, "desk@example.org")  # verified: no code to enter
    assert client.get("/upload").status_code == 200

    demoted = cli("users", "set-role", "DESK@example.org", "member", data=data,
                  database_url=database_url)
    assert demoted.exit_code == 0 and "is now a member (was archivist)" in demoted.output
    assert client.get("/upload").status_code == 403
    unknown = cli("users", "set-role", "nobody@example.org", "archivist", data=data,
                  database_url=database_url)
    assert unknown.exit_code == 1 and "no account" in unknown.output
    bad_role = cli("users", "set-role", "desk@example.org", "admin", data=data,
                   database_url=database_url)
    assert bad_role.exit_code == 2


def test_only_archivists_reach_their_pages(app, member) -> None:
    anonymous = app.test_client()
    guarded = [("get", "/upload"), ("get", "/jobs"), ("get", "/jobs.json"),
               ("post", f"/videos/{EN}/metadata"), ("post", f"/videos/{EN}/remove"),
               ("post", "/jobs/1/retry")]
    for method, path in guarded:
        response = getattr(anonymous, method)(path)
        assert response.status_code == 302 and "/login?next=" in response.headers["Location"]
        refused = getattr(member, method)(path + "?ui=en")
        assert refused.status_code == 403 and "This page is for archivists" in refused.text
    player = member.get(f"/videos/{EN}?ui=en").text
    assert "/upload" not in player and "Archivist:" not in player
    assert load_transcript(app.extensions["archive"].settings.transcripts_dir, EN)


def test_upload_queues_media_and_refuses_what_is_not(app, archivist, data: Path) -> None:
    page = archivist.get("/upload?ui=en").text
    assert 'href="/upload"' in page and 'href="/jobs"' in page  # in the nav
    response = upload(archivist, ((FIXTURES / "mixed_fr_en.ogg").read_bytes(), "Press_point.ogg"),
                      (b"Minutes of the meeting, not a video.\n", "minutes.mp4"),
                      (b"", "empty.wav"),
                      ((FIXTURES / "en_nato.mp3").read_bytes(), "talks/nato.mp3"),
                      speaker="Jaap de Hoop Scheffer", date="2009-12-04")
    assert response.status_code == 200
    good, text, empty, known = response.json["files"]
    assert good["ok"] and good["status"] == "queued", good
    assert not text["ok"] and "minutes.mp4 is not an audio or video file" in text["message"]
    assert not empty["ok"] and "empty.wav is empty (0 bytes)" in empty["message"]
    assert known["status"] == "already indexed" and known["name"] == "nato.mp3"
    assert known["url"] == f"/videos/{EN}"
    with app.app_context():
        job = db.session.execute(db.select(Job)).scalar_one()  # only the good file
        assert job.id == good["job_id"] and job.state == "queued"
        assert job.name == "Press_point.ogg" and job.user_id is not None
        # Several files in one request: each is titled by its own name.
        assert job.meta == {"title": "Press point", "date": "2009-12-04",
                            "speaker": "Jaap de Hoop Scheffer"}
        kept = Path(job.path)
    assert kept == (data / "media" / f"{good['video_id']}.ogg").resolve()
    assert kept.read_bytes() == (FIXTURES / "mixed_fr_en.ogg").read_bytes()
    # Nothing else kept: no refused file, no copy of the video already indexed elsewhere.
    assert sorted(p.name for p in (data / "media").iterdir()) == [".incoming", kept.name]
    assert not list((data / "media" / ".incoming").iterdir())

    again = upload(archivist, (kept.read_bytes(), "copy.ogg"), title="Another title")
    assert again.json["files"][0]["status"] == "already queued"
    bad_date = upload(archivist, (kept.read_bytes(), "x.ogg"), date="04/12/2009")
    assert bad_date.status_code == 400 and "YYYY-MM-DD" in bad_date.json["error"]
    nothing = upload(archivist)
    assert nothing.status_code == 400 and "Choose at least one" in nothing.json["error"]


def test_upload_without_script_shows_each_result(archivist) -> None:
    page = archivist.post("/upload?ui=en", content_type="multipart/form-data", data={
        "files": [(io.BytesIO(tone_wav(1)), "tone.wav"), (io.BytesIO(b"%PDF-1.4"), "a.mp3")],
        "title": "ignored for several files"})
    assert page.status_code == 200
    assert "tone.wav is queued for transcription." in page.text
    assert "a.mp3 is not an audio or video file the archive can read" in page.text


def test_upload_size_limit_is_its_own(make_app, data: Path) -> None:
    app = make_app(MAX_UPLOAD_MB=2)  # the rest of the site keeps its 1 MB
    add_account(app, "archivist@example.org", "archivist")
    client = logged_in(app, "archivist@example.org")
    big = tone_wav(45)  # 1.4 MB: over the site's limit, under the upload's
    assert 1024 * 1024 < len(big) < 2 * 1024 * 1024
    assert upload(client, (big, "long.wav")).json["files"][0]["status"] == "queued"
    # Just over the limit: the file is refused, by name.
    over = upload(client, (tone_wav(70), "longer.wav")).json["files"][0]
    assert not over["ok"] and over["message"] == "longer.wav is too large: at most 2 MB per file."
    # Well over: the request is cut short.
    too_big = upload(client, (tone_wav(90), "longest.wav"))
    assert too_big.status_code == 413
    assert too_big.json["error"] == "This upload is too large: at most 2 MB per file."
    assert not list((data / "media" / ".incoming").iterdir())
    login = client.post("/login", data={"email": "x@example.org", "password": "p" * 1_200_000})
    assert login.status_code == 413
    add_account(app, "member@example.org", "member")  # members get no upload limit of theirs
    assert upload(logged_in(app, "member@example.org"), (big, "long.wav")).status_code == 403
    assert len(list((data / "media").glob("*.wav"))) == 1  # the archivist's only


def test_metadata_edit_changes_what_search_finds(app, archivist, data: Path) -> None:
    assert not hits(archivist, "speaker:scheffer")
    response = archivist.post(f"/videos/{EN}/metadata", data={
        "title": "NATO ministers in Brussels", "date": "2009-12-04",
        "speaker": "Jaap de Hoop Scheffer", "event": "NATO-Russia Council"})
    assert response.status_code == 302
    assert "Metadata saved" in archivist.get(response.headers["Location"] + "?ui=en").text
    assert hits(archivist, "speaker:scheffer") == {EN}
    by_speaker = archivist.get("/api/search?q=afghanistan&speaker=Jaap de Hoop Scheffer").json
    assert {h["video_id"] for h in by_speaker["hits"]} == {EN}
    assert hits(archivist, "afghanistan") == {EN, FR}
    found = [(h["video_id"], h["start"]) for h in
             archivist.get("/api/search?q=afghanistan").json["hits"]]
    assert len(found) == len(set(found))  # re-indexed in place, not added a second time
    saved = json.loads((data / "transcripts" / f"{EN}.json").read_text())
    assert saved["metadata"]["event"] == "NATO-Russia Council"
    player = archivist.get(f"/videos/{EN}?ui=en").text
    assert "NATO ministers in Brussels" in player and 'value="Jaap de Hoop Scheffer"' in player

    refused = archivist.post(f"/videos/{EN}/metadata", data={
        "title": "Other", "date": "2009-13-45"}, follow_redirects=True)
    assert "YYYY-MM-DD" in refused.text
    assert hits(archivist, "speaker:scheffer") == {EN}  # nothing changed
    assert archivist.post("/videos/0000000000000000/metadata",
                          data={"title": "x"}).status_code == 404


def test_removal_leaves_no_hit_and_a_working_index(app, archivist, data: Path, database_url,
                                                   indexed: Indexer) -> None:
    media = data / "media"
    media.mkdir()
    stored = media / f"{FR}.flac"
    shutil.copyfile(FIXTURES / "fr_otan.flac", stored)
    transcript = load_transcript(data / "transcripts", FR)
    transcript.media.path = str(stored.resolve())
    save_transcript(data / "transcripts", transcript)
    with app.app_context():
        db.session.add(Job(video_id=FR, path=str(stored), name="fr_otan.flac", state="done",
                           created_at=datetime.now(timezone.utc)))
        db.session.commit()

    unconfirmed = archivist.post(f"/videos/{FR}/remove", follow_redirects=True)
    assert "Tick the box to confirm." in unconfirmed.text and stored.exists()
    assert hits(archivist, "terrorisme") == {FR}

    done = archivist.post(f"/videos/{FR}/remove", data={"confirm": "y"})
    assert done.status_code == 302
    assert "is removed from the archive" in archivist.get("/?ui=en").text
    assert not hits(archivist, "terrorisme") and hits(archivist, "afghanistan") == {EN}
    assert not (data / "transcripts" / f"{FR}.json").exists() and not stored.exists()
    assert archivist.get(f"/videos/{FR}").status_code == 404
    with app.app_context():
        assert db.session.execute(db.select(Job)).first() is None

    # The English video was indexed from tests/fixtures: that file is its owner's.
    result = cli("remove", EN, "--yes", data=data,
                 database_url=database_url)
    assert result.exit_code == 0, result.output
    assert f"kept {FIXTURES / 'en_nato.mp3'}: it is outside the data dir" in result.output
    assert (FIXTURES / "en_nato.mp3").exists() and not hits(archivist, "afghanistan")
    again = cli("remove", EN, "--yes", data=data,
                database_url=database_url)
    assert again.exit_code == 1 and f"no video with id {EN}" in again.output
    # Still a usable index: a video indexed after the removals is found, once.
    add_many(data / "index", [load_transcript(indexed.settings.transcripts_dir, EN)],
             indexed.gazetteer)
    assert len(archivist.get("/api/search?q=brussels").json["hits"]) == 1


def test_removal_waits_for_a_running_job(app, archivist, data: Path) -> None:
    with app.app_context():
        db.session.add(Job(video_id=EN, path=str(FIXTURES / "en_nato.mp3"), name="en",
                           state="running", created_at=datetime.now(timezone.utc)))
        db.session.commit()
    response = archivist.post(f"/videos/{EN}/remove?ui=en", data={"confirm": "y"},
                              follow_redirects=True)
    assert "Nothing was removed: job 1 is working on this video right now" in response.text
    assert hits(archivist, "brussels") == {EN}


def test_jobs_page_json_and_retry(app, archivist) -> None:
    empty = archivist.get("/jobs?ui=en").text
    assert "No jobs yet." in empty
    assert "Aucune tâche" in archivist.get("/jobs?ui=fr").text
    moment = datetime.now(timezone.utc)
    with app.app_context():
        db.session.add_all([
            Job(video_id="1111111111111111", path="/x/a.mp4", name="a.mp4", state="failed",
                error="not a media file, or corrupt (no known audio/video format)",
                attempts=2, created_at=moment, finished_at=moment),
            Job(video_id="2222222222222222", path="/x/b.mp4", name="b.mp4", state="running",
                duration=100.0, done_seconds=40.0, attempts=1, created_at=moment,
                started_at=moment - timedelta(seconds=20), heartbeat_at=moment)])
        db.session.commit()
    page = archivist.get("/jobs?ui=en").text
    assert "a.mp4" in page and "Failed" in page and "not a media file, or corrupt" in page
    assert "b.mp4" in page and "Transcribing" in page and 'value="40.0"' in page
    assert page.count(">Retry</button>") == 1  # the failed job only
    data = archivist.get("/jobs.json").json
    assert [j["name"] for j in data["jobs"]] == ["b.mp4", "a.mp4"]
    running = data["jobs"][0]
    assert running["percent"] == 40.0 and data["active"] == 1
    assert running["speed"] > 0 and running["eta_seconds"] > 0  # shown on the page too
    assert "Transcribing" in data["rows"] and "Retry" in data["rows"]

    retried = archivist.post("/jobs/1/retry", follow_redirects=True)
    assert "Job 1 (a.mp4) is queued again." in retried.text
    with app.app_context():
        assert db.session.get(Job, 1).state == "queued"
    refused = archivist.post("/jobs/2/retry?ui=en", follow_redirects=True)
    assert "Job 2 has not failed (it is transcribing): only failed jobs can be" in refused.text
    refused = archivist.post("/jobs/2/retry?ui=fr", follow_redirects=True)
    assert "La tâche 2 n&#39;est pas en échec (état : transcription)" in refused.text
    missing = archivist.post("/jobs/9/retry?ui=fr", follow_redirects=True)
    assert "Il n&#39;y a pas de tâche 9." in missing.text


def test_csrf_is_required_on_the_new_forms(make_app) -> None:
    app = make_app(WTF_CSRF_ENABLED=True)
    add_account(app, "archivist@example.org", "archivist")
    client = app.test_client()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                      client.get("/login").text).group(1)
    assert client.post("/login", data={"email": "archivist@example.org", "password": PASSWORD,
                                       "csrf_token": token}).status_code == 302
    forms = {"/upload": {"files": (io.BytesIO(tone_wav(1)), "tone.wav")},
             f"/videos/{EN}/metadata": {"title": "Changed"},
             f"/videos/{EN}/remove": {"confirm": "y"}, "/jobs/1/retry": {}}
    for path, fields in forms.items():
        response = client.post(path, data=fields, content_type="multipart/form-data")
        assert response.status_code == 400 and "CSRF" in response.text, path
    assert hits(client, "brussels") == {EN}
    page = client.get(f"/videos/{EN}").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    saved = client.post(f"/videos/{EN}/metadata", data={"title": "Changed", "csrf_token": token})
    assert saved.status_code == 302 and hits(client, "title:changed") == {EN}
    queued = client.post("/upload", headers={"X-CSRFToken": token,
                                             "Accept": "application/json"},
                         data={"files": (io.BytesIO(tone_wav(1)), "tone.wav")})
    assert queued.json["files"][0]["status"] == "queued"
