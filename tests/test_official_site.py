"""The archivist's "Official text" form on the player: checked in the request, queued as a job
(run here by the real job runner and model), removed again; refusals change nothing."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from pathlib import Path

import pytest
from test_archivist import PASSWORD, add_account, logged_in

from indexer.config import Settings
from indexer.jobs import Job
from indexer.jobs.runner import make_indexer, run_job
from indexer.pipeline import Indexer
from indexer.search_index import add_many
from indexer.store import load_transcript, save_transcript, transcript_path
from search_app import create_app
from search_app.models import User, db

FR = "17a1a292df1174ea"  # content hash of fr_otan.flac
SAID = ("Le Conseil OTAN-Russie a décidé de renforcer la coopération en Afghanistan et la "
        "lutte contre le terrorisme.")


@pytest.fixture
def data(data_dir: Path, indexed: Indexer) -> Path:
    """The French fixture indexed in a data dir of its own, whose models/ are the shared ones
    (a test runs the job); its media is tests/fixtures/fr_otan.flac."""
    settings = Settings(data_dir=data_dir)
    transcript = load_transcript(indexed.settings.transcripts_dir, FR)
    save_transcript(settings.transcripts_dir, transcript)
    add_many(settings.index_dir, [transcript], indexed.gazetteer, settings.languages)
    return data_dir


@pytest.fixture
def make_app(data: Path, database_url: str):
    def make(**extra):
        return create_app({"TESTING": True, "DATA_DIR": str(data), "DATABASE_URL": database_url,
                           "WTF_CSRF_ENABLED": False, **extra})
    return make


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def archivist(app):
    add_account(app, "archivist@example.org", "archivist")
    return logged_in(app, "archivist@example.org")


def jobs(app) -> list[Job]:
    return app.extensions["jobs"].recent()


def stored(data: Path) -> bytes:
    return transcript_path(Settings(data_dir=data).transcripts_dir, FR).read_bytes()


def post_text(client, text: str = "", file: tuple[bytes, str] | None = None, **extra):
    fields = {"text": text, **extra}
    if file is not None:
        fields["file"] = (io.BytesIO(file[0]), file[1])
    return client.post(f"/videos/{FR}/official", data=fields,
                       content_type="multipart/form-data", follow_redirects=True)


def notices(response) -> list[str]:
    return re.findall(r'<p class="notice" role="status">(.*?)</p>', response.text, re.S)


def test_only_archivists_may_attach_or_remove(app, data: Path) -> None:
    before = stored(data)
    anonymous = app.test_client().post(f"/videos/{FR}/official", data={"text": SAID})
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    add_account(app, "member@example.org", "member")
    member = logged_in(app, "member@example.org")
    assert member.post(f"/videos/{FR}/official", data={"text": SAID}).status_code == 403
    assert member.post(f"/videos/{FR}/official/remove").status_code == 403
    assert "Official text" not in member.get(f"/videos/{FR}").text
    assert jobs(app) == [] and stored(data) == before


def test_the_form_needs_its_csrf_token(make_app, data: Path) -> None:
    app = make_app(WTF_CSRF_ENABLED=True)
    add_account(app, "archivist@example.org", "archivist")
    client = app.test_client()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                      client.get("/login").text).group(1)
    assert client.post("/login", data={"email": "archivist@example.org", "password": PASSWORD,
                                       "csrf_token": token}).status_code == 302
    for path in (f"/videos/{FR}/official", f"/videos/{FR}/official/remove"):
        refused = client.post(path, data={"text": SAID}, content_type="multipart/form-data")
        assert refused.status_code == 400 and "CSRF" in refused.text, path
    assert jobs(app) == []
    page = client.get(f"/videos/{FR}").text
    assert 'class="official-text"' in page and 'enctype="multipart/form-data"' in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    queued = client.post(f"/videos/{FR}/official", data={"text": SAID, "csrf_token": token})
    assert queued.status_code == 302 and len(jobs(app)) == 1


def test_bad_texts_are_refused_with_their_reason(make_app, data: Path) -> None:
    app = make_app(MAX_OFFICIAL_TEXT_BYTES=1000)
    add_account(app, "archivist@example.org", "archivist")
    client = logged_in(app, "archivist@example.org")
    before = stored(data)
    cases = [
        ({"file": (b"", "statement.txt")}, "contains no text"),
        ({"file": (bytes(range(256)) * 3, "statement.txt")}, "binary file"),
        ({"file": (b"x " * 600, "statement.txt")}, "larger than the 1 kB limit"),
        ({"file": (b"PK\x03\x04 a zip", "statement.docx")}, "unknown format .docx"),
        ({"text": "   \n  "}, "Paste the official text or choose its file."),
        ({"text": SAID, "file": (SAID.encode(), "statement.txt")}, "not both"),
        # More than the form may send at all: refused from its size, before it is read.
        ({"file": (b"x" * 300_000, "statement.txt")}, "too large: at most 0.001 MB"),
    ]
    for fields, reason in cases:
        response = post_text(client, **fields)
        assert response.status_code == 200 and response.request.path == f"/videos/{FR}"
        assert any(reason in notice for notice in notices(response)), (reason,
                                                                      notices(response))
    assert jobs(app) == [] and stored(data) == before
    assert not (data / "official").exists()


def test_the_readers_reasons_are_given_in_the_pages_language(app, archivist, data: Path) -> None:
    """The reader explains in English (CLI, logs); the French page says it in French."""
    french = {"Accept-Language": "fr-FR,fr;q=0.9"}
    cases = [
        ({"file": (b"", "statement.txt")}, "statement.txt ne contient aucun texte"),
        ({"file": (bytes(range(256)) * 3, "statement.txt")}, "fichier binaire"),
        ({"file": (b"caf\xe9 cr\xe8me", "statement.txt")}, "pas du texte UTF-8 (ligne 1)"),
        ({"file": (b"PK\x03\x04 a zip", "statement.docx")}, "format inconnu .docx"),
        ({"file": (b"plain words", "statement.pdf")}, "pas un fichier PDF"),
        ({"file": (b"%PDF-1.4 damaged", "statement.pdf")}, "pas pu être lu comme un PDF"),
    ]
    for fields, reason in cases:
        archivist.environ_base["HTTP_ACCEPT_LANGUAGE"] = french["Accept-Language"]
        response = post_text(archivist, **fields)
        assert any(reason in notice for notice in notices(response)), (reason,
                                                                      notices(response))
    assert jobs(app) == []


def test_a_video_whose_media_is_gone_is_refused(app, archivist, data: Path,
                                                tmp_path: Path) -> None:
    settings = Settings(data_dir=data)
    transcript = load_transcript(settings.transcripts_dir, FR)
    moved = replace(transcript, media=replace(transcript.media,
                                              path=str(tmp_path / "gone" / "fr_otan.flac")))
    save_transcript(settings.transcripts_dir, moved)
    app.extensions["archive"]._cache.clear()
    response = post_text(archivist, SAID)
    assert any("no longer where it was indexed" in n for n in notices(response)), \
        notices(response)
    assert jobs(app) == []


def test_a_pasted_text_is_queued_run_by_the_job_runner_then_removed(app, archivist,
                                                                    data: Path) -> None:
    queued = post_text(archivist, SAID)
    [notice] = [n for n in notices(queued) if "queued" in n]
    assert "The official text is queued (job 1)" in notice and '<a href="/jobs">' in notice
    [job] = jobs(app)
    with app.app_context():
        user_id = db.session.execute(db.select(User.id)).scalar_one()
    assert (job.video_id, job.state, job.name, job.user_id) == (FR, "queued",
                                                               "official text: pasted text",
                                                               user_id)
    copy = Path(job.official_text)
    assert copy.is_relative_to((data / "official").resolve()) and copy.name == "pasted-text.txt"
    assert copy.read_text(encoding="utf-8") == SAID
    assert job.path == load_transcript(Settings(data_dir=data).transcripts_dir, FR).media.path

    busy = post_text(archivist, file=(SAID.encode(), "statement.txt"))
    assert any("job 1 is still working on this video" in n for n in notices(busy))
    assert len(jobs(app)) == 1

    queue = app.extensions["jobs"]
    assert run_job(queue, job.id, make_indexer(queue)) == "done"
    transcript = load_transcript(Settings(data_dir=data).transcripts_dir, FR)
    assert transcript.official is not None and transcript.official.source == "pasted-text.txt"
    page = archivist.get(f"/videos/{FR}").text
    assert "Attached: pasted-text.txt" in page and "Remove the official text" in page

    again = post_text(archivist, SAID)
    assert any("already attached" in n for n in notices(again)) and len(jobs(app)) == 1

    removed = archivist.post(f"/videos/{FR}/official/remove", follow_redirects=True)
    assert any("The official text is removed" in n for n in notices(removed))
    assert load_transcript(Settings(data_dir=data).transcripts_dir, FR).official is None
    assert "Remove the official text" not in removed.text
    nothing = archivist.post(f"/videos/{FR}/official/remove", follow_redirects=True)
    assert any("has no official text" in n for n in notices(nothing))


def test_a_refused_alignment_says_why_on_the_jobs_page_in_its_language(app, archivist,
                                                                      data: Path) -> None:
    """The aligner refuses a text of another speech, or in another language, in English (the
    CLI, the logs, the job's stored error); the jobs page says it in the page's language."""
    other_speech = ("Mesdames et messieurs, le budget de la ville augmentera de vingt millions "
                    "l'an prochain, et les travaux des écoles commenceront au printemps.")
    in_english = ("The NATO-Russia Council decided to strengthen cooperation in Afghanistan and "
                  "the fight against terrorism, the Secretary General said in Brussels today.")
    queue = app.extensions["jobs"]
    for text in (other_speech, in_english):
        post_text(archivist, text)
        job = jobs(app)[0]  # the newest first
        assert run_job(queue, job.id, make_indexer(queue)) == "failed"
    english = archivist.get("/jobs?ui=en").text
    assert "pasted-text.txt not attached: this looks like the text of another speech" in \
        english.lower()
    assert "the official text is in english but the recording is in french" in english.lower()
    french = archivist.get("/jobs?ui=fr").text
    assert "another speech" not in french and "is in English" not in french
    assert "Texte officiel pasted-text.txt non joint : ce texte semble être celui d’un autre " \
           "discours" in french
    assert "le texte officiel est en anglais, mais l’enregistrement est en français" in french
    rows = archivist.get("/jobs.json?ui=fr").get_json()["rows"]  # the live update says the same
    assert "celui d’un autre discours" in rows and "est en anglais" in rows
    assert load_transcript(Settings(data_dir=data).transcripts_dir, FR).official is None


def test_an_uploaded_file_keeps_its_name(app, archivist, data: Path) -> None:
    html = f"<html><body><nav>Menu</nav><p>{SAID}</p></body></html>".encode()
    response = post_text(archivist, file=(html, "déclaration finale.html"))
    assert any("queued" in n for n in notices(response)), notices(response)
    [job] = jobs(app)
    assert job.name == "official text: déclaration finale.html"
    assert Path(job.official_text).name == "déclaration_finale.html"


def test_the_server_takes_a_pdf_sized_body_on_this_form_only(make_app) -> None:
    from search_app.body_limits import BodyLimits

    limits = BodyLimits(make_app(MAX_OFFICIAL_TEXT_BYTES=5_000_000))
    site = limits.site
    assert limits.for_request("POST", f"/videos/{FR}/official") == 5_000_000 + 256 * 1024
    assert limits.for_request("POST", f"/videos/{FR}/official/remove") == site
    assert limits.for_request("POST", f"/videos/{FR}/metadata") == site
    assert limits.for_request("GET", f"/videos/{FR}/official") == site
