"""Corrections on the site, with the Flask test client, the real index and database: archivists
edit passages and revert, members get 403, visitors the log-in page, CSRF is required, two
sessions on one video get a conflict, markup is escaped, the API shows the history read-only."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from corrections_support import FR, indexed_copy
from test_archivist import PASSWORD, add_account

from indexer.pipeline import Indexer
from indexer.store import load_transcript
from search_app import create_app


@pytest.fixture
def data(tmp_path: Path, indexed: Indexer) -> Path:
    return indexed_copy(tmp_path, indexed).data_dir


@pytest.fixture
def app(data: Path, database_url: str):
    app = create_app({"TESTING": True, "DATA_DIR": str(data), "DATABASE_URL": database_url})
    add_account(app, "archivist@example.org", "archivist")
    add_account(app, "second@example.org", "archivist")
    add_account(app, "member@example.org", "member")
    return app


def login(app, email: str):
    client = app.test_client()
    token = csrf(client, "/login")
    response = client.post("/login", data={"email": email, "password": PASSWORD,
                                           "csrf_token": token})
    assert response.status_code == 302, response.text
    return client


def csrf(client, path: str) -> str:
    return re.search(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"',
                     client.get(path).text).group(1)


def hits(client, query: str) -> set[str]:
    return {hit["video_id"] for hit in client.get(f"/api/search?q={query}").json["hits"]}


def edit(client, token: str, text: str, base: int = 0, operation: str = "text", **extra):
    return client.post(f"/videos/{FR}/passages/0", data={
        "csrf_token": token, "base": base, "operation": operation, "text": text, **extra})


def machine_text(data: Path) -> str:
    return load_transcript(data / "transcripts", FR).segments[0].text


def test_archivist_corrects_a_passage_and_reverts(app, data: Path) -> None:
    assert app.test_client().get(f"/api/videos/{FR}/diff").status_code == 404  # no history
    client = login(app, "archivist@example.org")
    page = client.get(f"/videos/{FR}").text
    assert 'id="passage-editor"' in page and 'class="edit-passage' in page
    token = csrf(client, f"/videos/{FR}")
    saved = edit(client, token, machine_text(data).replace("Afghanistan", "Nunavut"),
                 message="the place")
    assert saved.status_code == 302 and saved.location.endswith(f"/videos/{FR}#s0")
    assert "Saved as revision 1" in client.get(saved.location).text
    assert hits(client, "Nunavut") == {FR} and hits(client, "Afghanistan") == set()
    # Everyone sees that it was corrected, and when; visitors too.
    visitor = app.test_client()
    assert "corrected by an archivist on" in visitor.get(f"/videos/{FR}").text
    history = visitor.get(f"/videos/{FR}/history").text
    assert "<del>Afghanistan</del>" in history and "<ins>Nunavut</ins>" in history
    assert "archivist@example.org" not in history and "Revert to" not in history
    api = visitor.get(f"/api/videos/{FR}/revisions").json
    assert [r["number"] for r in api["revisions"]] == [0, 1] and api["revision"] == 1
    assert "author" not in api["revisions"][1] and api["revisions"][1]["message"] == "the place"
    diff = visitor.get(f"/api/videos/{FR}/diff?old=0&new=1").json
    assert [(c["old"], c["new"]) for c in diff["changes"] if c["op"] != "equal"] == \
        [("Afghanistan", "Nunavut")]
    one = visitor.get(f"/api/videos/{FR}/revisions/0").json
    assert "Afghanistan" in one["passages"][0]["text"]
    assert visitor.get(f"/api/videos/{FR}/revisions/9").status_code == 404

    token = csrf(client, f"/videos/{FR}/history")
    reverted = client.post(f"/videos/{FR}/revert/0", data={"csrf_token": token, "base": 1})
    assert reverted.status_code == 302
    assert hits(client, "Afghanistan") == {FR} and hits(client, "Nunavut") == set()
    assert "Back to revision 0" in client.get(f"/videos/{FR}/history").text


def test_split_merge_and_language_from_the_page(app, data: Path) -> None:
    client = login(app, "archivist@example.org")
    token = csrf(client, f"/videos/{FR}")
    assert edit(client, token, "", operation="split", word=8).status_code == 302
    transcript = load_transcript(data / "transcripts", FR)
    assert len(transcript.reading()) == 2 and transcript.reading()[1].text.startswith(
        "renforcer")
    edit(client, token, "", base=1, operation="language", language="en")
    assert load_transcript(data / "transcripts", FR).reading()[0].language == "en"
    edit(client, token, "", base=2, operation="merge")
    assert len(load_transcript(data / "transcripts", FR).reading()) == 1


def test_second_session_gets_a_conflict_with_both_versions(app, data: Path) -> None:
    first, second = login(app, "archivist@example.org"), login(app, "second@example.org")
    token_one, token_two = csrf(first, f"/videos/{FR}"), csrf(second, f"/videos/{FR}")
    text = machine_text(data)
    assert edit(first, token_one, text.replace("Afghanistan", "Kaboul")).status_code == 302
    refused = edit(second, token_two, text.replace("terrorisme", "banditisme"))
    shown = second.get(refused.location).text
    assert "Not saved" in shown and "archivist@example.org saved revision 1" in shown
    assert "Kaboul" in shown and "banditisme" in shown
    transcript = load_transcript(data / "transcripts", FR)
    assert transcript.revision == 1 and "terrorisme" in transcript.reading()[0].text


def test_bad_input_changes_nothing_and_markup_is_escaped(app, data: Path) -> None:
    client = login(app, "archivist@example.org")
    token = csrf(client, f"/videos/{FR}")
    for text, reason in (("   ", "cannot be empty"), ("mot " * 700, "at most 2000")):
        shown = client.get(edit(client, token, text).location).text
        assert "Nothing was saved" in shown and reason in shown
    assert load_transcript(data / "transcripts", FR).revision == 0
    edit(client, token, "<script>alert('x')</script> OTAN")
    page = app.test_client().get(f"/videos/{FR}").text
    assert "<script>alert" not in page and "&lt;script&gt;alert" in page
    gone = client.post("/videos/0123456789abcdef/passages/0",
                       data={"csrf_token": token, "base": 0, "operation": "text", "text": "x"})
    assert gone.status_code == 404


def test_roles_and_csrf(app, data: Path) -> None:
    member = login(app, "member@example.org")
    token = csrf(member, f"/videos/{FR}")
    assert 'id="passage-editor"' not in member.get(f"/videos/{FR}").text
    assert edit(member, token, "x").status_code == 403
    assert member.post(f"/videos/{FR}/revert/0", data={"csrf_token": token,
                                                       "base": 0}).status_code == 403
    visitor = app.test_client()
    refused = edit(visitor, csrf(visitor, "/login"), "x")
    assert refused.status_code == 302 and "/login" in refused.location
    archivist = login(app, "archivist@example.org")
    assert edit(archivist, "", "x").status_code == 400  # no token
    assert edit(archivist, token, "x").status_code == 400  # another session's token
    assert load_transcript(data / "transcripts", FR).revision == 0


def test_removing_a_video_forgets_its_history(app, data: Path) -> None:
    client = login(app, "archivist@example.org")
    token = csrf(client, f"/videos/{FR}")
    edit(client, token, machine_text(data).replace("Afghanistan", "Nunavut"))
    assert (data / "revisions" / FR / "history.json").is_file()
    removed = client.post(f"/videos/{FR}/remove", data={"csrf_token": token, "confirm": "y"})
    assert removed.status_code == 302
    assert not (data / "revisions" / FR).exists()
    assert client.get(f"/api/videos/{FR}/revisions").status_code == 404


def test_times_are_checked_and_set(app, data: Path) -> None:
    client = login(app, "archivist@example.org")
    token = csrf(client, f"/videos/{FR}")
    duration = load_transcript(data / "transcripts", FR).duration
    for start, end, reason in ((5, 2, "in order and within the recording"),
                               (0, duration + 5, "within the recording")):
        shown = client.get(edit(client, token, "", operation="times", start=start,
                                end=end).location + "?ui=en").text
        assert "Nothing was saved" in shown and reason in shown
    assert load_transcript(data / "transcripts", FR).revision == 0
    edit(client, token, "", operation="times", start=0.5, end=8.0)
    passage = load_transcript(data / "transcripts", FR).reading()[0]
    assert (passage.start, passage.end) == (0.5, 8.0)
    # A base revision from nowhere is a conflict too, not an error page.
    forged = edit(client, token, "x", base=7)
    assert "Not saved" in client.get(forged.location + "?ui=en").text
