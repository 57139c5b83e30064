"""Full and partial downloads for verified accounts, on a real indexed MP4 and real ffmpeg."""

from __future__ import annotations

import json
import tempfile
from datetime import datetime, timezone
from pathlib import Path

import av
import pytest
from conftest import FIXTURES, make_data_dir, run_ffmpeg

from indexer.config import Settings
from indexer.pipeline import Indexer, IndexOptions
from search_app import create_app
from search_app.clips import ClipRequest, validate
from search_app.models import Download, User, db
from search_app.passwords import hash_secret

PASSWORD = "Quote-Check-2009!"


@pytest.fixture(scope="module")
def video_data_dir(tmp_path_factory, models_dir: Path, ffmpeg: str) -> Path:
    """An H.264/AAC MP4 of the English fixture, with a sidecar, indexed for real."""
    root = tmp_path_factory.mktemp("downloads")
    media = root / "media"
    media.mkdir()
    source = FIXTURES / "en_nato.mp3"
    seconds = av.open(str(source)).duration / av.time_base
    target = media / "press-point.mp4"
    run_ffmpeg(ffmpeg, "-f", "lavfi", "-i", "color=c=navy:s=320x180:r=25", "-i", str(source),
               "-t", f"{seconds:.3f}", "-c:v", "libx264", "-g", "50", "-c:a", "aac",
               "-pix_fmt", "yuv420p", str(target))
    (media / "press-point.json").write_text(json.dumps(
        {"title": "Point de presse OTAN", "date": "2009-12-04"}))
    data = make_data_dir(root / "data", models_dir)
    outcome = Indexer(Settings(data_dir=data), IndexOptions()).index_file(target)
    assert outcome.status == "indexed", outcome.reason
    return data


@pytest.fixture
def app(video_data_dir: Path, database_url: str):
    return create_app({"TESTING": True, "DATA_DIR": str(video_data_dir),
                       "WTF_CSRF_ENABLED": False, "DATABASE_URL": database_url})


@pytest.fixture
def video_id(app) -> str:
    return app.extensions["archive"].videos()[0].video_id


def add_user(app, email="desk@example.org", verified=True) -> None:
    with app.app_context():
        moment = datetime(2026, 1, 5, tzinfo=timezone.utc)
        db.session.add(User(email=email, password_hash=hash_secret(PASSWORD), locale="en",
                            created_at=moment, verified_at=moment if verified else None))
        db.session.commit()


@pytest.fixture
def member(app):
    add_user(app)
    client = app.test_client()
    assert client.post("/login", data={"email": "desk@example.org",
                                       "password": PASSWORD}).status_code == 302
    return client


def probe(data: bytes, suffix: str) -> tuple[float, set[str]]:
    with tempfile.NamedTemporaryFile(suffix=suffix) as handle:
        handle.write(data)
        handle.flush()
        with av.open(handle.name) as container:
            kinds = {s.type for s in container.streams}
            audio = container.streams.audio[0]
            duration = float(audio.duration * audio.time_base) if audio.duration else \
                container.duration / av.time_base
    return duration, kinds


def test_anonymous_users_log_in_and_come_back(app, video_id: str) -> None:
    add_user(app)
    client = app.test_client()
    wanted = f"/videos/{video_id}/clip?start=1&end=3"
    response = client.get(wanted)
    assert response.status_code == 302 and "/login?next=" in response.headers["Location"]
    back = client.post(response.headers["Location"],
                       data={"email": "desk@example.org", "password": PASSWORD})
    assert back.headers["Location"] == wanted
    assert client.get(wanted).status_code == 200


def test_unverified_accounts_cannot_download(app, video_id: str) -> None:
    from flask_login.utils import _create_identifier

    add_user(app, "new@example.org", verified=False)
    # Log-in sends unverified accounts to the code page; this checks the download guard itself
    # with a session made by hand (identifier included, as "strong" protection demands).
    client = app.test_client()
    with app.app_context():
        user_id = db.session.execute(db.select(User)).scalar_one().get_id()  # session token
    with app.test_request_context(environ_base=client.environ_base):  # same address and agent
        identifier = _create_identifier()
    with client.session_transaction() as session:
        session.update(_user_id=user_id, _fresh=True, _id=identifier)
    for path in ("download?ui=en", "clip?start=1&end=3&ui=en"):
        response = client.get(f"/videos/{video_id}/{path}")
        assert response.status_code == 403 and "Verify your e-mail address" in response.text
    login = app.test_client().post("/login", data={"email": "new@example.org",
                                                   "password": PASSWORD})
    assert login.headers["Location"] == "/verify"


def test_full_download_is_the_original(member, app, video_id: str) -> None:
    original = app.extensions["archive"].media_path(video_id).read_bytes()
    response = member.get(f"/videos/{video_id}/download")
    assert response.status_code == 200 and response.data == original
    assert 'filename=2009-12-04_point-de-presse-otan.mp4' in \
        response.headers["Content-Disposition"]
    part = member.get(f"/videos/{video_id}/download", headers={"Range": "bytes=10-19"})
    assert part.status_code == 206 and part.data == original[10:20]


def test_frame_accurate_clip(member, app, video_id: str) -> None:
    response = member.get(f"/videos/{video_id}/clip?start=1.2&end=0:04.1")
    assert response.status_code == 200
    assert "2009-12-04_point-de-presse-otan_" in response.headers["Content-Disposition"]
    transcript = app.extensions["archive"].transcript(video_id)
    start, end = validate(transcript, ClipRequest(1.2, 4.1))
    duration, kinds = probe(response.data, ".mp4")
    assert kinds == {"video", "audio"}
    assert abs(duration - (end - start)) <= 0.08  # two frames at 25 fps


@pytest.mark.parametrize("fmt, suffix", [("m4a", ".m4a"), ("wav", ".wav")])
def test_audio_only_clips(member, video_id: str, fmt: str, suffix: str) -> None:
    response = member.get(f"/videos/{video_id}/clip?start=1&end=3&format={fmt}&padding=0")
    assert response.status_code == 200
    duration, kinds = probe(response.data, suffix)
    assert kinds == {"audio"} and 1.9 <= duration <= 3.5


def test_stream_copy_clip(member, video_id: str) -> None:
    response = member.get(f"/videos/{video_id}/clip?start=2.5&end=4&format=copy")
    assert response.status_code == 200
    duration, kinds = probe(response.data, ".mp4")
    assert kinds == {"video", "audio"} and duration >= 1.5


def test_clip_subtitles_start_at_zero(member, video_id: str) -> None:
    srt = member.get(f"/videos/{video_id}/clip.srt?start=1&end=4").text
    assert srt.startswith("1\n00:00:00,000 --> 00:00:0")


@pytest.mark.parametrize("query, message", [
    ("start=4&end=2", "must start before it ends"),
    ("start=1&end=999", "ends after the video"),
    ("start=abc&end=2", "must be a time"),
    ("start=1&end=2&format=avi", "Unknown clip format"),
    ("start=-1&end=2", "cannot start before"),
    ("start=1&end=2&padding=60", "padding must be between"),
    ("end=2", "must be a time"),
])
def test_bad_ranges_are_400(member, video_id: str, query: str, message: str) -> None:
    response = member.get(f"/videos/{video_id}/clip?{query}&ui=en")
    assert response.status_code == 400 and message in response.text


def test_maximum_clip_length_is_configurable(app, member, video_id: str) -> None:
    app.config["MAX_CLIP_SECONDS"] = 2
    response = member.get(f"/videos/{video_id}/clip?start=0&end=5")
    assert response.status_code == 400 and "at most 0:02" in response.text


def test_downloads_are_logged_and_temp_files_removed(member, app, video_id: str) -> None:
    before = set(Path(tempfile.gettempdir()).glob("speechsearch-clip-*"))
    member.get(f"/videos/{video_id}/clip?start=1&end=3&format=wav").close()
    member.get(f"/videos/{video_id}/download").close()
    member.get(f"/videos/{video_id}/clip?start=5&end=1")  # refused: not logged
    assert set(Path(tempfile.gettempdir()).glob("speechsearch-clip-*")) == before
    with app.app_context():
        logged = db.session.execute(db.select(Download).order_by(Download.id)).scalars().all()
        assert [(d.format, d.start, d.end) for d in logged] == [("wav", 1.0, 3.0),
                                                                 ("original", None, None)]
    page = member.get("/account?ui=en").text
    assert "Your downloads" in page and "whole video" in page and "0:01–0:03" in page


def test_search_hit_soundbite_link(member, video_id: str) -> None:
    import re

    page = member.get("/search?q=brussels&ui=en").text
    link = re.search(r'class="soundbite" href="([^"]+)"', page).group(1).replace("&amp;", "&")
    response = member.get(link)
    assert response.status_code == 200 and response.mimetype == "video/mp4"
