"""HTTP hardening: request bodies refused from their headers by a real `speechsearch serve`,
Range and conditional requests as RFC 9110 has them, private downloads logged once per session,
and the Allow header on a 405."""

from __future__ import annotations

import http.cookiejar
import json
import re
import select
import socket
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import make_data_dir, new_database_url, serving
from test_archivist import tone_wav
from test_downloads import PASSWORD, add_user

from indexer.cli import main
from indexer.pipeline import Indexer
from search_app import create_app
from search_app.models import Download, User, db

MiB = 1024 * 1024
HANG_GUARD = 30  # seconds a socket waits for an answer before the test gives up on the server


# --- Request bodies, on a real `speechsearch serve` (waitress) ------------------------------

@pytest.fixture(scope="module")
def server(tmp_path_factory, models_dir: Path) -> Iterator[str]:
    """An empty archive with one archivist, served with the default limits (1 MB for the site,
    2048 MB for uploads); queued jobs are left alone (no transcription in these tests)."""
    data = make_data_dir(tmp_path_factory.mktemp("http") / "data", models_dir)
    added = CliRunner().invoke(main, ["users", "add", "archivist@example.org", "--role",
                                      "archivist", "--password-stdin", "--data-dir", str(data)],
                               input=PASSWORD + "\n")
    assert added.exit_code == 0, added.output
    with serving(data, {"SPEECHSEARCH_JOB_WORKERS": "0"}) as base:
        yield base


def connect(base: str) -> socket.socket:
    address = urllib.parse.urlsplit(base)
    return socket.create_connection((address.hostname, address.port), timeout=HANG_GUARD)


def head(method: str, path: str, **headers: str) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1",
             "Content-Type: application/x-www-form-urlencoded",
             *(f"{name.replace('_', '-')}: {value}" for name, value in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def answer(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection (a hang fails the test)."""
    received = b""
    while chunk := sock.recv(65536):
        received += chunk
    return received


def status_of(response: bytes) -> int:
    return int(response.split(b" ", 2)[1])


@pytest.mark.parametrize("method, path", [
    ("POST", "/login"), ("POST", "/api/search"), ("POST", "/register"), ("GET", "/upload"),
    ("POST", "/upload/"), ("POST", "/no/such/page")])
def test_a_large_content_length_is_refused_before_the_body(server: str, method: str,
                                                           path: str) -> None:
    """20 MiB announced anywhere but the upload: 413 from the headers alone, before one byte
    of the body is sent, and the connection is closed (the body is never read)."""
    with connect(server) as sock:
        sock.sendall(head(method, path, Content_Length=str(20 * MiB)))
        response = answer(sock)
    assert status_of(response) == 413


def test_an_oversized_body_is_not_asked_for(server: str) -> None:
    """A client that waits for `100 Continue` before sending its body is told 413 instead."""
    with connect(server) as sock:
        sock.sendall(head("POST", "/login", Content_Length=str(20 * MiB),
                          Expect="100-continue"))
        response = answer(sock)
    assert status_of(response) == 413 and b"100 Continue" not in response


def test_huge_content_lengths_tie_up_nothing(server: str) -> None:
    waiting = [connect(server) for _ in range(10)]
    try:
        for sock in waiting:
            sock.sendall(head("POST", "/login", Content_Length="2147483647"))
        assert [status_of(answer(sock)) for sock in waiting] == [413] * 10
        # Uploads may announce that much: their connections wait for the body, on the server's
        # event loop, not on its 8 worker threads, which still answer everyone else.
        for sock in waiting:
            sock.close()
        waiting = [connect(server) for _ in range(10)]
        for sock in waiting:
            sock.sendall(head("POST", "/upload", Content_Length="2147483647"))
        with urllib.request.urlopen(f"{server}/api/search?q=nato", timeout=HANG_GUARD) as page:
            assert page.status == 200
    finally:
        for sock in waiting:
            sock.close()


def test_a_chunked_body_is_cut_off_at_the_site_limit(server: str) -> None:
    """No Content-Length to refuse: the server stops reading once the body passes the limit,
    long before the 20 MiB the client would send."""
    total, chunk = 20 * MiB, b"x" * 65536
    frame = b"%x\r\n%s\r\n" % (len(chunk), chunk)
    sent, refused = 0, b""
    with connect(server) as sock:
        sock.sendall(head("POST", "/login", Transfer_Encoding="chunked"))
        while sent < total:
            if select.select([sock], [], [], 0)[0]:  # the server answered already
                try:
                    refused = answer(sock)
                except ConnectionResetError:  # closed with our unread chunks: answer lost
                    pass
                break
            try:
                sock.sendall(frame)
            except (BrokenPipeError, ConnectionResetError):  # it closed the connection
                break
            sent += len(chunk)
    assert sent < total
    assert not refused or status_of(refused) == 413


def login_over_http(base: str, email: str) -> urllib.request.OpenerDirector:
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    token = csrf_token(opener.open(f"{base}/login").read().decode())
    form = urllib.parse.urlencode({"csrf_token": token, "email": email, "password": PASSWORD})
    with opener.open(f"{base}/login", data=form.encode()) as response:
        assert "/login" not in response.url, response.url  # logged in, sent on
    return opener


def csrf_token(page: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


def test_an_archivist_still_uploads_files_over_the_site_limit(server: str) -> None:
    opener = login_over_http(server, "archivist@example.org")
    token = csrf_token(opener.open(f"{server}/upload").read().decode())
    wav = tone_wav(45)  # 1.4 MB: over the site's 1 MB
    assert len(wav) > MiB
    boundary = "speechsearch-upload-boundary"
    body = (f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n'
            f"{token}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; "
            f'filename="long.wav"\r\nContent-Type: audio/wav\r\n\r\n').encode() + wav + \
        f"\r\n--{boundary}--\r\n".encode()
    request = urllib.request.Request(f"{server}/upload", data=body, headers={
        "Content-Type": f"multipart/form-data; boundary={boundary}",
        "Accept": "application/json"})
    with opener.open(request, timeout=HANG_GUARD) as response:
        result = json.load(response)["files"][0]
    assert result["ok"] and result["status"] == "queued", result


# --- Range, conditional requests, caching and the download log (Flask test client) ----------

@pytest.fixture(scope="module")
def app(request, indexed: Indexer, database_backend: str, tmp_path_factory):
    url = new_database_url(request, database_backend, tmp_path_factory.mktemp("db"))
    app = create_app({"TESTING": True, "DATA_DIR": str(indexed.settings.data_dir),
                      "DATABASE_URL": url, "WTF_CSRF_ENABLED": False,
                      "LIMIT_LOGIN": "1000 per minute"})  # a log-in per test
    add_user(app)
    add_user(app, "second@example.org")
    return app


@pytest.fixture
def member(app):
    client = app.test_client()
    assert client.post("/login", data={"email": "desk@example.org",
                                       "password": PASSWORD}).status_code == 302
    return client


@pytest.fixture(scope="module")
def video(app) -> tuple[str, bytes]:
    """The English fixture (en_nato.mp3): its id and its bytes."""
    video_id = next(v.video_id for v in app.extensions["archive"].videos()
                    if v.title == "en nato")
    return video_id, app.extensions["archive"].media_path(video_id).read_bytes()


ROUTES = ["media", "download"]


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("value", ["bytes=abc", "bytes=5-2", "items=0-1", "bytes=0-1,5-6",
                                   "bytes=-1,0-1", "bytes=", "bytes=0-1,", "0-1", "bytes 0-1"])
def test_unusable_ranges_are_ignored(member, video, route: str, value: str) -> None:
    """Malformed, other units, several ranges: RFC 9110 lets a server ignore the Range; the
    whole file, not a 416 (only one satisfiable byte range is ever answered with 206)."""
    video_id, original = video
    response = member.get(f"/videos/{video_id}/{route}", headers={"Range": value})
    assert response.status_code == 200 and response.data == original


@pytest.mark.parametrize("route", ROUTES)
def test_single_ranges_are_served_or_416_with_the_size(member, video, route: str) -> None:
    video_id, original = video
    part = member.get(f"/videos/{video_id}/{route}", headers={"Range": "bytes=10-19"})
    assert part.status_code == 206 and part.data == original[10:20]
    beyond = member.get(f"/videos/{video_id}/{route}",
                        headers={"Range": f"bytes={len(original) + 10}-"})
    assert beyond.status_code == 416
    assert beyond.headers["Content-Range"] == f"bytes */{len(original)}"


@pytest.mark.parametrize("route", ROUTES)
def test_preconditions_come_before_the_range(member, video, route: str) -> None:
    video_id, original = video
    url = f"/videos/{video_id}/{route}"
    etag = member.get(url).headers["ETag"]
    for headers in ({"If-Match": '"not-this-file"'},
                    {"If-Match": '"not-this-file"', "Range": "bytes=0-9"},
                    {"If-Match": '"not-this-file"', "If-None-Match": etag},
                    {"If-Unmodified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"}):
        failed = member.get(url, headers=headers)
        assert failed.status_code == 412 and failed.data == b""
        assert "Content-Range" not in failed.headers
    assert member.get(url, headers={"If-Match": etag}).data == original
    assert member.get(url, headers={"If-Match": "*"}).data == original
    assert member.get(url, headers={"If-Unmodified-Since": "Fri, 01 Jan 2100 00:00:00 GMT"}) \
        .data == original
    ranged = member.get(url, headers={"If-Match": etag, "Range": "bytes=0-9"})
    assert ranged.status_code == 206 and ranged.data == original[:10]
    for headers in ({"If-None-Match": etag}, {"If-None-Match": etag, "Range": "bytes=0-9"}):
        unchanged = member.get(url, headers=headers)
        assert unchanged.status_code == 304 and unchanged.data == b""
    # If-Range with the current validator: the range; with another: the whole file.
    assert member.get(url, headers={"If-Range": etag, "Range": "bytes=0-9"}).status_code == 206
    stale = member.get(url, headers={"If-Range": '"old"', "Range": "bytes=0-9"})
    assert stale.status_code == 200 and stale.data == original


def test_downloads_are_private_and_the_player_media_public(member, video) -> None:
    video_id, _ = video
    for path in ("download", "clip?start=1&end=3&format=m4a", "clip.srt?start=1&end=3"):
        response = member.get(f"/videos/{video_id}/{path}")
        assert response.status_code == 200, path
        cache = response.cache_control
        assert cache.private and not cache.public and not cache.max_age, (path, cache)
    # Anyone may watch: the player's media stays cacheable by shared caches.
    assert member.get(f"/videos/{video_id}/media").cache_control.public


def downloads_of(app, email: str) -> list[tuple]:
    with app.app_context():
        query = db.select(Download).join(User).where(User.email == email).order_by(Download.id)
        return [(d.video_id, d.format, d.start, d.end)
                for d in db.session.execute(query).scalars()]


def test_a_seeking_player_logs_one_download(app, member, video) -> None:
    """A player (or a download manager) fetches the file in many Range requests: one download
    in the history per file per session, not one per request."""
    video_id, original = video
    before = downloads_of(app, "desk@example.org")
    url = f"/videos/{video_id}/download"
    member.get(url, headers={"Range": "bytes=0-"})
    for start in range(0, len(original), len(original) // 30):
        assert member.get(url, headers={"Range": f"bytes={start}-"}).status_code == 206
    member.get(url)
    member.head(f"/videos/{video_id}/clip?start=0&end=2&format=m4a")  # asks, downloads nothing
    for _ in range(2):
        assert member.get(f"/videos/{video_id}/clip?start=1&end=3&format=m4a").status_code == 200
    member.get(f"/videos/{video_id}/clip?start=2&end=3&format=m4a")
    assert downloads_of(app, "desk@example.org")[len(before):] == [
        (video_id, "original", None, None), (video_id, "m4a", 1.0, 3.0),
        (video_id, "m4a", 2.0, 3.0)]
    # Another account in the same browser has its own history.
    member.post("/logout")
    member.post("/login", data={"email": "second@example.org", "password": PASSWORD})
    member.get(url, headers={"Range": "bytes=100-"})
    assert downloads_of(app, "second@example.org")[-1] == (video_id, "original", None, None)


# --- 405 ------------------------------------------------------------------------------------

@pytest.mark.parametrize("method, path, allowed", [
    ("DELETE", "/login", {"GET", "POST"}),
    ("PUT", "/api/search", {"GET"}),
    ("POST", "/videos/0123456789abcdef/media", {"GET"}),
])
def test_a_405_says_which_methods_are_allowed(app, method: str, path: str,
                                              allowed: set[str]) -> None:
    response = app.test_client().open(path, method=method)
    assert response.status_code == 405
    assert allowed <= {m.strip() for m in response.headers["Allow"].split(",")}
    if path.startswith("/api/"):
        assert response.json["error"]["status"] == 405
