"""Speakers on the site: labels and a filter on the player, an archivist names a voice (CSRF,
role checked), and `speaker:` then finds only that voice's passages, in the site and the API.

The press conference is transcribed and diarized for real once (tests/test_speakers.py's
pipeline), then served by the real app over a real index.
"""

from __future__ import annotations

import re
import shutil
from datetime import datetime, timezone
from pathlib import Path

import pytest
from conftest import FIXTURES, make_data_dir

from indexer.config import Settings
from indexer.index_writer import IndexWriter
from indexer.pipeline import Indexer, IndexOptions
from indexer.store import load_transcript
from search_app import create_app
from search_app.models import User, db

PASSWORD = "Quote-Check-2009!"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
NAME = "Anne Journaliste"


@pytest.fixture(scope="module")
def conference(models_dir: Path, tmp_path_factory) -> tuple[Settings, str]:
    data = make_data_dir(tmp_path_factory.mktemp("speakers-site") / "data", models_dir)
    settings = Settings(data_dir=data)
    media = data.parent / "conference.ogg"
    shutil.copyfile(FIXTURES / "fr_press_conference.ogg", media)
    outcome = Indexer(settings, IndexOptions()).transcribe_file(media)
    assert outcome.status == "transcribed", outcome.reason
    return settings, outcome.video_id


@pytest.fixture
def site(conference, tmp_path: Path):
    settings, video_id = conference
    data = tmp_path / "data"
    shutil.copytree(settings.data_dir, data, symlinks=True)
    copy = Settings(data_dir=data)
    transcript = load_transcript(copy.transcripts_dir, video_id)
    from indexer.gazetteer import Gazetteer

    IndexWriter(copy, Gazetteer.load(copy.gazetteer_path)).add([transcript])
    app = create_app({"TESTING": True, "DATA_DIR": str(data),
                      "DATABASE_URL": f"sqlite:///{data / 'speechsearch.db'}"})
    with app.app_context():
        from search_app.passwords import hash_secret

        moment = datetime(2026, 1, 5, tzinfo=timezone.utc)
        for email, role in (("archivist@example.org", "archivist"),
                            ("member@example.org", "member")):
            db.session.add(User(email=email, password_hash=hash_secret(PASSWORD), role=role,
                                created_at=moment, verified_at=moment))
        db.session.commit()
    return app, video_id, transcript


def login(app, email: str):
    client = app.test_client()
    token = CSRF.search(client.get("/login").text).group(1)
    response = client.post("/login", data={"email": email, "password": PASSWORD,
                                           "csrf_token": token})
    assert response.status_code == 302, response.text
    return client


def test_player_shows_each_passage_speaker_and_a_filter(site):
    app, video_id, transcript = site
    page = app.test_client().get(f"/videos/{video_id}").text
    assert len(transcript.speakers) == 3
    assert page.count('data-speaker="S2"') == sum(s.speaker == "S2" for s in transcript.reading())
    assert '<select id="speaker-filter"' in page and ">Speaker 3</option>" in page
    assert 'class="speaker"' in page
    assert "speaker_admin" not in page and 'class="name-speaker"' not in page  # visitors


def test_only_an_archivist_names_a_speaker_and_only_with_csrf(site):
    app, video_id, transcript = site
    url = f"/videos/{video_id}/speakers/S2"
    visitor = app.test_client()
    assert visitor.post(url, data={"name": NAME}).status_code in (302, 400, 401, 403)
    member = login(app, "member@example.org")
    token = CSRF.search(member.get(f"/videos/{video_id}").text).group(1)
    assert member.post(url, data={"name": NAME, "csrf_token": token}).status_code == 403
    archivist = login(app, "archivist@example.org")
    assert archivist.post(url, data={"name": NAME}).status_code == 400  # no CSRF token
    page = archivist.get(f"/videos/{video_id}?edit=1").text
    assert 'class="name-speaker"' in page
    token = CSRF.search(page).group(1)
    bad = archivist.post(f"/videos/{video_id}/speakers/S9", data={"name": NAME,
                                                                   "csrf_token": token})
    assert bad.status_code == 404
    assert load_transcript(Settings(data_dir=Path(app.config["DATA_DIR"])).transcripts_dir,
                           video_id).speakers[1].name == ""  # nothing changed so far


def test_a_named_speaker_is_found_by_name(site):
    app, video_id, transcript = site
    archivist = login(app, "archivist@example.org")
    token = CSRF.search(archivist.get(f"/videos/{video_id}?edit=1").text).group(1)
    response = archivist.post(f"/videos/{video_id}/speakers/S2",
                              data={"name": f"  {NAME} ", "csrf_token": token})
    assert response.status_code == 302
    saved = load_transcript(Settings(data_dir=Path(app.config["DATA_DIR"])).transcripts_dir,
                            video_id)
    assert (saved.speakers[1].name, saved.speakers[1].confirmed) == (NAME, True)
    hers = {(s.start, s.text) for s in saved.reading() if s.speaker == "S2"}
    found = app.test_client().get('/api/search?q=speaker:journaliste&facets=1').json
    assert found["total"] == len(hers) > 0
    assert {(h["start"], h["text"]) for h in found["hits"]} == hers
    assert {h["speaker"] for h in found["hits"]} == {NAME}
    assert found["facets"]["speaker"] == {NAME: len(hers)}
    page = app.test_client().get(f"/videos/{video_id}").text
    assert f'data-speaker-name="{NAME}"' in page
    vtt = app.test_client().get(f"/videos/{video_id}/transcript.vtt").text
    assert f"<v {NAME}>" in vtt
    api = app.test_client().get(f"/api/videos/{video_id}").json
    assert api["speakers"][1]["name"] == NAME and "voice" not in api["speakers"][1]


def test_an_automatic_name_is_shown_with_its_score_and_can_be_rejected(site):
    app, video_id, transcript = site
    data = Path(app.config["DATA_DIR"])
    settings = Settings(data_dir=data)
    from dataclasses import replace

    from indexer.gazetteer import Gazetteer
    from indexer.store import save_transcript

    # As a profile's match leaves it: named, scored, not confirmed.
    matched = replace(transcript, speakers=[
        replace(s, name="Anne Journaliste", profile="p7", score=0.91, confirmed=False)
        if s.id == "S3" else s for s in transcript.speakers])
    save_transcript(settings.transcripts_dir, matched)
    IndexWriter(settings, Gazetteer.load(settings.gazetteer_path)).add([matched])
    archivist = login(app, "archivist@example.org")
    page = archivist.get(f"/videos/{video_id}?edit=1").text
    assert "91% alike" in page and 'class="reject-speaker"' in page
    token = CSRF.search(page).group(1)
    response = archivist.post(f"/videos/{video_id}/speakers/S3/reject",
                              data={"csrf_token": token})
    assert response.status_code == 302
    rejected = load_transcript(settings.transcripts_dir, video_id).speakers[2]
    assert (rejected.name, rejected.profile, rejected.score) == ("", "", 0.0)
    found = app.test_client().get('/api/search?q=speaker:journaliste').json
    assert found["total"] == 0


def test_the_voices_page_renames_and_deletes_profiles(site):
    app, video_id, transcript = site
    settings = Settings(data_dir=Path(app.config["DATA_DIR"]))
    member = login(app, "member@example.org")
    assert member.get("/speakers").status_code == 403
    archivist = login(app, "archivist@example.org")
    assert "No voice profiles yet" in archivist.get("/speakers?ui=en").text
    token = CSRF.search(archivist.get(f"/videos/{video_id}?edit=1").text).group(1)
    archivist.post(f"/videos/{video_id}/speakers/S2", data={"name": NAME, "csrf_token": token})
    page = archivist.get("/speakers?ui=en").text
    assert 'id="profile-p1"' in page and NAME in page
    assert archivist.post("/speakers/p1/rename", data={"name": "Anne J."}).status_code == 400
    token = CSRF.search(page).group(1)
    renamed = archivist.post("/speakers/p1/rename", data={"name": "Anne J.", "csrf_token": token})
    assert renamed.status_code == 302
    assert load_transcript(settings.transcripts_dir, video_id).speakers[1].name == "Anne J."
    assert app.test_client().get("/api/search?q=speaker:anne").json["total"] > 0
    deleted = archivist.post("/speakers/p1/delete", data={"csrf_token": token})
    assert deleted.status_code == 302
    assert "No voice profiles yet" in archivist.get("/speakers?ui=en").text
    assert load_transcript(settings.transcripts_dir, video_id).speakers[1].name == "Anne J."


def test_search_results_say_who_said_each_passage(site):
    app, video_id, transcript = site
    page = app.test_client().get("/search?q=afghanistan&ui=en").text
    said = re.findall(r'<span class="who">([^<]+)</span>', page)
    assert sorted(said) == ["Speaker 1", "Speaker 2"]  # the statement and the question


def test_unnamed_voices_are_labelled_in_the_page_language(site):
    """The index keeps the automatic label in English ("Speaker 2"); French pages say
    "Intervenant 2"."""
    app, video_id, transcript = site
    page = app.test_client().get("/search?q=afghanistan&ui=fr").text
    said = re.findall(r'<span class="who">([^<]+)</span>', page)
    assert sorted(said) == ["Intervenant 1", "Intervenant 2"]
    assert "Speaker 1" not in page
