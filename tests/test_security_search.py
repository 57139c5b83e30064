"""Security findings 8, 16 (q) and 17: odd queries answer 200 or 400, never 500; the API's
description is true to it; a failed job's file can be removed.

On a real archive of transcripts written here (search_support.py) and a real Whoosh index.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from pathlib import Path

import pytest
from conftest import make_data_dir
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from search_support import FR_ID, build_archive
from test_archivist import PASSWORD, add_account, cli, logged_in

from indexer.jobs import Job
from indexer.search_index import QuerySyntaxError, query_index
from indexer.store import transcript_path
from search_app import create_app
from search_app.models import db

# The reported queries, as typed in the address bar: the spelling suggestion crashed on each.
REPORTED = ["x~2%20x~2", "nato%5E-1", "terrorisme~2/0", "a%00b", "%ff%fe",
            "'><svg/onload=alert(1)>"]
# Whoosh's query syntax, for strings made of it (the operators, groups, fields, phrases,
# ranges, boosts, fuzzy and wildcard words), with words the archive has and has not.
SYNTAX = ['"', "'", "~", "~2", "~2/0", "^", "^2", "^-1", "^99999", "*", "?", "/", ":", "(", ")",
          "[", "]", "{", "}", " TO ", " AND ", " OR ", " NOT ", " ANDNOT ", " ANDMAYBE ", "*:*",
          "lang:", "title:", "entity:", "year:", "date:", "text:", "video:", "speaker:",
          "nato", "terrorisme", "Afganistan", "x", "1", "é", "\x00", "\t", " ", "-", "+", "<",
          ">", "=", "&", "|", "!", "\\", "%ff"]
FUZZ = settings(max_examples=300, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def archive(tmp_path_factory, models_dir: Path, gazetteer):
    return build_archive(make_data_dir(tmp_path_factory.mktemp("archive") / "data", models_dir),
                         gazetteer)


@pytest.fixture(scope="module")
def app(archive):
    return create_app({"TESTING": True, "DATA_DIR": str(archive.data_dir),
                       "DATABASE_URL": f"sqlite:///{archive.data_dir / 'speechsearch.db'}"})


@pytest.fixture
def client(app):
    return app.test_client()


def refuse_constant(name: str):
    raise AssertionError(f"{name} is not JSON")


def answers_without_error(client, gazetteer, archive, query: str) -> None:
    """The page, the API and the CLI's search: a result or a reason, never a crash."""
    page = client.get("/search", query_string={"q": query, "ui": "en"})
    assert page.status_code in (200, 400), (query, page.status_code)
    api = client.get("/api/search", query_string={"q": query})
    assert api.status_code in (200, 400), (query, api.status_code)
    json.loads(api.text, parse_constant=refuse_constant)  # strict JSON: no Infinity, NaN
    try:
        query_index(archive.index_dir, query, gazetteer)
    except QuerySyntaxError as exc:
        assert str(exc), query


# Finding 8 ---------------------------------------------------------------------------------

@pytest.mark.parametrize("raw", REPORTED)
def test_the_reported_queries_are_answered(client, raw: str) -> None:
    for path in ("/search", "/api/search"):
        response = client.get(f"{path}?q={raw}&ui=en")
        assert response.status_code in (200, 400), (path, raw, response.status_code)
        if response.status_code == 400:  # a reason the user can act on
            text = response.json["error"]["message"] if path.startswith("/api") else response.text
            assert "query" in text.lower(), text


@pytest.mark.parametrize("typed, suggested", [
    ("terorisme lang:fr", "terrorisme lang:fr"),  # a field filter is no word to correct
    ('"lute contre le terrorisme"', '"lutte contre le terrorisme"'),
    ("x~2 Afganistan", "x~2 afghanistan"),  # the fuzzy word is left as typed
    ("'><svg/onload=alert(1)>", "'><son/load=alert(1)>"),  # only the words change
    ("nato^2 brusels", "nato^2 brussels"),
])
def test_the_suggestion_corrects_the_words_and_keeps_the_syntax(app, typed: str,
                                                                suggested: str) -> None:
    searcher = app.extensions["archive"].searcher
    assert searcher.search(typed).total == 0
    assert searcher.suggestion(typed) == suggested


def test_the_suggestion_is_a_link_to_a_search_and_escaped(client) -> None:
    page = client.get("/search", query_string={"q": "'><svg/onload=alert(1)>", "ui": "en"})
    assert page.status_code == 200 and "Did you mean" in page.text
    assert "<svg/" not in page.text and "<son/" not in page.text
    assert "&#39;&gt;&lt;son/load=alert(1)&gt;" in page.text


@pytest.mark.parametrize("query", ["a\x00b", "nato\x1b[31m", "nato \x7f", "nato\udcff"])
def test_control_characters_and_undecodable_text_are_refused(client, archive, gazetteer,
                                                              query: str) -> None:
    with pytest.raises(QuerySyntaxError, match="character"):
        query_index(archive.index_dir, query, gazetteer)
    if "\udcff" not in query:  # a URL cannot carry a lone surrogate
        response = client.get("/api/search", query_string={"q": query})
        assert response.status_code == 400 and "character" in response.json["error"]["message"]
    result = cli("search", query, "--json", data=archive.data_dir, database_url="sqlite://")
    assert result.exit_code == 1 and "character" in result.output, result.output


@pytest.mark.parametrize("query", ["nato^" + "9" * 400, "((nato^1000)^1000)^1000",
                                   "(" * 100 + "nato" + ")^999" * 100])
def test_a_boost_beyond_reason_is_refused(client, query: str) -> None:
    response = client.get("/api/search", query_string={"q": query})
    assert response.status_code == 400 and "boost" in response.json["error"]["message"]


def test_a_reasonable_boost_still_ranks(client) -> None:
    response = client.get("/api/search", query_string={"q": "nato^3 OR brussels"})
    assert response.status_code == 200 and response.json["total"] >= 2


@FUZZ
@given(query=st.text(max_size=200))
def test_any_text_is_answered_never_500(client, archive, gazetteer, query: str) -> None:
    answers_without_error(client, gazetteer, archive, query)


@FUZZ
@given(query=st.lists(st.sampled_from(SYNTAX), max_size=25).map("".join))
def test_any_query_syntax_is_answered_never_500(client, archive, gazetteer, query: str) -> None:
    answers_without_error(client, gazetteer, archive, query)


# Finding 16 (q) ----------------------------------------------------------------------------

def test_openapi_q_is_required_and_not_empty(client) -> None:
    spec = client.get("/api/openapi.json").json
    q = next(p for p in spec["paths"]["/api/search"]["get"]["parameters"] if p["name"] == "q")
    assert q["required"] and q["schema"]["minLength"] == 1
    assert client.get("/api/search?q=").status_code == 400


# Finding 17 --------------------------------------------------------------------------------

FAILED_ID, RUNNING_ID, ORPHAN_ID = "1111111111111111", "2222222222222222", "3333333333333333"


@pytest.mark.parametrize("args", [
    {"page": "+1"}, {"page": " 1"}, {"per_page": "1_0"}, {"page": "\u0661"},  # Arabic-Indic 1
    {"year": "\uff12\uff10\uff10\uff19"},  # fullwidth 2009
    {"lang": "\u212aO"},  # KELVIN SIGN: lower() makes it "ko"
    {"q": " " * 10 + "nato" * 250},  # over 1000 characters as sent, 1000 once stripped
])
def test_parameters_are_read_as_the_description_says(client, args: dict) -> None:
    """The server accepted what openapi.json refuses (non-ASCII digits, signs, underscores,
    letters that lower-case into ASCII, a q longer than its maxLength before stripping)."""
    response = client.get("/api/search", query_string={"q": "nato", **args})
    assert response.status_code == 400, args


@pytest.fixture
def jobs_site(tmp_path: Path, models_dir: Path, gazetteer, database_url: str):
    """An archive with two failed uploads (media kept, no transcript), one running job and
    one media file whose job rows are gone."""
    settings = build_archive(make_data_dir(tmp_path / "data", models_dir), gazetteer)
    media = settings.data_dir / "media"
    media.mkdir()
    for video_id in (FAILED_ID, RUNNING_ID, ORPHAN_ID):
        (media / f"{video_id}.wav").write_bytes(b"RIFF not really a wave")
    app = create_app({"TESTING": True, "DATA_DIR": str(settings.data_dir),
                      "DATABASE_URL": database_url, "WTF_CSRF_ENABLED": False})
    moment = datetime.now(timezone.utc)
    with app.app_context():
        db.session.add_all([
            Job(video_id=FAILED_ID, path=str(media / f"{FAILED_ID}.wav"), name="broken.wav",
                state="failed", error="not a media file, or corrupt", attempts=2,
                created_at=moment, finished_at=moment),
            Job(video_id=RUNNING_ID, path=str(media / f"{RUNNING_ID}.wav"), name="long.wav",
                state="running", attempts=1, created_at=moment, started_at=moment,
                heartbeat_at=moment),
            Job(video_id=FR_ID, path=str(media / f"{FR_ID}.flac"), name="again.flac",
                state="failed", error="the disk is full", created_at=moment,
                finished_at=moment)])
        db.session.commit()
    add_account(app, "archivist@example.org", "archivist")
    return app, settings, database_url


def job_ids(app) -> set[int]:
    with app.app_context():
        return set(db.session.execute(db.select(Job.id)).scalars())


def test_a_failed_job_is_removed_from_the_jobs_page_with_its_media(jobs_site) -> None:
    app, settings, _ = jobs_site
    archivist = logged_in(app, "archivist@example.org")
    page = archivist.get("/jobs?ui=en").text
    assert page.count('href="/jobs/1/remove"') == 1 and "/jobs/2/remove" not in page
    confirm = archivist.get("/jobs/1/remove?ui=en")
    assert confirm.status_code == 200 and "broken.wav" in confirm.text
    assert 'name="confirm"' in confirm.text and 'name="csrf_token"' in confirm.text

    unconfirmed = archivist.post("/jobs/1/remove?ui=en", follow_redirects=True)
    assert "Tick the box to confirm." in unconfirmed.text
    media = settings.data_dir / "media" / f"{FAILED_ID}.wav"
    assert media.exists() and 1 in job_ids(app)

    done = archivist.post("/jobs/1/remove?ui=en", data={"confirm": "y"}, follow_redirects=True)
    assert "Job 1 (broken.wav) is removed." in done.text
    assert "Its media file was deleted." in done.text
    assert not media.exists() and job_ids(app) == {2, 3}
    assert "broken.wav" not in archivist.get("/jobs?ui=en").text


def test_a_running_job_or_an_archived_video_is_not_removed_from_the_jobs_page(
        jobs_site) -> None:
    app, settings, _ = jobs_site
    archivist = logged_in(app, "archivist@example.org")
    running = archivist.post("/jobs/2/remove?ui=en", data={"confirm": "y"},
                             follow_redirects=True)
    assert "Job 2 has not failed (it is transcribing)" in running.text
    assert (settings.data_dir / "media" / f"{RUNNING_ID}.wav").exists()
    # A failed re-indexing of a video in the archive: the video stays, and says where to go.
    archived = archivist.post("/jobs/3/remove?ui=en", data={"confirm": "y"},
                              follow_redirects=True)
    assert "in the archive" in archived.text and job_ids(app) == {1, 2, 3}
    assert transcript_path(settings.transcripts_dir, FR_ID).exists()
    assert archivist.get("/api/search?q=terrorisme").json["total"] >= 1
    missing = archivist.post("/jobs/9/remove?ui=en", data={"confirm": "y"},
                             follow_redirects=True)
    assert "There is no job 9." in missing.text


def test_the_cli_removes_a_failed_upload_or_a_left_over_media_file(jobs_site) -> None:
    app, settings, database_url = jobs_site
    media = settings.data_dir / "media"
    failed = cli("remove", FAILED_ID, "--yes", data=settings.data_dir, database_url=database_url)
    assert failed.exit_code == 0, failed.output
    assert f"deleted media file {media / f'{FAILED_ID}.wav'}" in failed.output
    assert 1 not in job_ids(app)
    orphan = cli("remove", ORPHAN_ID, "--yes", data=settings.data_dir, database_url=database_url)
    assert orphan.exit_code == 0, orphan.output
    assert not (media / f"{ORPHAN_ID}.wav").exists()
    unknown = cli("remove", "4444444444444444", "--yes", data=settings.data_dir,
                  database_url=database_url)
    assert unknown.exit_code == 1 and "no video with id 4444444444444444" in unknown.output


def test_removing_a_job_needs_the_csrf_token(jobs_site) -> None:
    app, settings, _ = jobs_site
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                      client.get("/login").text).group(1)
    client.post("/login", data={"email": "archivist@example.org",
                                "password": PASSWORD, "csrf_token": token})
    refused = client.post("/jobs/1/remove", data={"confirm": "y"})
    assert refused.status_code == 400 and "CSRF" in refused.text
    assert (settings.data_dir / "media" / f"{FAILED_ID}.wav").exists()
    form = client.get("/jobs/1/remove").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    done = client.post("/jobs/1/remove", data={"confirm": "y", "csrf_token": token})
    assert done.status_code == 302
    assert not (settings.data_dir / "media" / f"{FAILED_ID}.wav").exists()
