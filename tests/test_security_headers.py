"""Security headers (Talisman); query strings that stay query strings (never url_for's own
keywords); absolute links on SPEECHSEARCH_PUBLIC_URL rather than on the Host header; the
opt-in trust of a reverse proxy's X-Forwarded-* headers (ProxyFix)."""

from __future__ import annotations

import html
import json
import re
import urllib.request
from urllib.parse import parse_qs, urlsplit

import pytest
from conftest import app_over, serving

from indexer.pipeline import Indexer

# url_for's own parameters: a query key with one of these names must stay a query key.
URL_FOR_KEYWORDS = ["_anchor", "_method", "_scheme", "_external", "endpoint"]
HOSTILE_HOST = "evil.example"


@pytest.fixture(scope="module")
def make_app(indexed: Indexer, tmp_path_factory):
    """create_app over the indexed fixtures, each app with its own SQLite database."""
    def make(**config):
        return app_over(indexed.settings.data_dir, tmp_path_factory,
                        **{"WTF_CSRF_ENABLED": False, **config})
    return make


@pytest.fixture(scope="module")
def client(make_app):
    return make_app().test_client()


@pytest.fixture(scope="module")
def video_id(client) -> str:
    return client.get("/api/videos").json["videos"][0]["video_id"]


def links(page: str) -> list[str]:
    return [html.unescape(href) for href in re.findall(r'href="([^"]*)"', page)]


def language_switch(page: str) -> str:
    return html.unescape(re.search(r'<a class="lang" href="([^"]*)"', page).group(1))


# --- Finding 9: any query key is only ever a query parameter ------------------------------

@pytest.mark.parametrize("key", URL_FOR_KEYWORDS)
@pytest.mark.parametrize("path", ["/", "/search?q=afghanistan", "/login", "/register",
                                  "/reset", "PLAYER", "/no-such-page"])
def test_a_query_key_named_like_a_url_for_keyword_is_kept_as_a_query_key(
        client, video_id: str, path: str, key: str) -> None:
    path = f"/videos/{video_id}" if path == "PLAYER" else path
    response = client.get(f"{path}{'&' if '?' in path else '?'}{key}=x&ui=en")
    assert response.status_code == (404 if path == "/no-such-page" else 200)
    switch = urlsplit(language_switch(response.text))
    assert (switch.scheme, switch.netloc, switch.fragment) == ("", "", "")
    # A page with no endpoint (404) switches on the search page, never on a path it was sent.
    same_page = {"/": "/search", "/no-such-page": "/search"}.get(path, urlsplit(path).path)
    assert switch.path == same_page
    assert parse_qs(switch.query)[key] == ["x"] and parse_qs(switch.query)["ui"] == ["fr"]


def test_a_query_key_named_like_a_path_variable_stays_in_the_query(client,
                                                                    video_id: str) -> None:
    response = client.get(f"/videos/{video_id}?video_id=other&ui=en")
    assert response.status_code == 200
    switch = urlsplit(language_switch(response.text))
    assert switch.path == f"/videos/{video_id}"
    assert parse_qs(switch.query) == {"video_id": ["other"], "ui": ["fr"]}


@pytest.mark.parametrize("key", URL_FOR_KEYWORDS)
def test_search_pagination_and_facet_links_keep_every_key_in_the_query(client,
                                                                       key: str) -> None:
    response = client.get(f"/search?q=afghanistan&per_page=1&{key}=x&ui=en")
    assert response.status_code == 200
    searches = [urlsplit(link) for link in links(response.text)
                if link.startswith("/search?") and "q=afghanistan" in link]
    assert len(searches) > 3  # the next page, the facets and the language switch
    for link in searches:
        assert link.fragment == "" and parse_qs(link.query)[key] == ["x"]
    assert any(parse_qs(link.query).get("page") == ["2"] for link in searches)
    assert any(parse_qs(link.query).get("lang") == ["fr"] for link in searches)


# --- Finding 11: security headers on every response ---------------------------------------

def policy(response) -> dict[str, list[str]]:
    directives = (part.split() for part in response.headers["Content-Security-Policy"].split(";"))
    return {words[0]: words[1:] for words in directives if words}


@pytest.mark.parametrize("path", ["/search?q=nato", "PLAYER", "/login", "/no-such-page",
                                  "/api/videos", "/api/search?q=nato", "/api/no-such",
                                  "/static/app.css", "/static/player.js", "MEDIA"])
def test_every_response_carries_the_security_headers(client, video_id: str, path: str) -> None:
    path = {"PLAYER": f"/videos/{video_id}", "MEDIA": f"/videos/{video_id}/media"}.get(path, path)
    response = client.get(path)
    assert response.status_code in (200, 404)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    csp = policy(response)
    assert csp["default-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"] and csp["base-uri"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"] and csp["form-action"] == ["'self'"]
    header = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in header and "unsafe-eval" not in header and "*" not in header
    assert "Strict-Transport-Security" not in response.headers  # plain HTTP


def session_cookie(response) -> str:
    return next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))


def test_hsts_and_secure_cookies_only_over_https(make_app) -> None:
    app = make_app(WTF_CSRF_ENABLED=True)  # the form's CSRF token starts a session: a cookie
    plain = app.test_client().get("/login")
    assert "Strict-Transport-Security" not in plain.headers
    assert "Secure" not in session_cookie(plain)  # make run's plain HTTP keeps working
    secure = app.test_client().get("/login", base_url="https://localhost")
    max_age = re.match(r"max-age=(\d+)", secure.headers["Strict-Transport-Security"]).group(1)
    assert int(max_age) >= 365 * 86400
    assert "; Secure" in session_cookie(secure)


# --- Finding 12: absolute links on PUBLIC_URL, never on the Host header --------------------

@pytest.mark.parametrize("public, base", [
    ("https://archive.example.org", "https://archive.example.org"),
    ("https://example.org:8443/speeches/", "https://example.org:8443/speeches"),
])
def test_absolute_links_use_the_public_url_whatever_the_host_header(make_app, public: str,
                                                                    base: str) -> None:
    client = make_app(PUBLIC_URL=public).test_client()
    hostile = {"Host": HOSTILE_HOST}
    listing = client.get("/api/videos", headers=hostile)
    videos = listing.json["videos"]
    assert videos and all(v["url"] == f"{base}/api/videos/{v['video_id']}" for v in videos)
    video_id = videos[0]["video_id"]
    detail = client.get(f"/api/videos/{video_id}", headers=hostile)
    assert detail.json["player_url"] == f"{base}/videos/{video_id}"
    assert detail.json["media_url"] == f"{base}/videos/{video_id}/media"
    found = client.get("/api/search?q=nato", headers=hostile)
    assert found.json["hits"]
    assert all(h["url"].startswith(f"{base}/videos/{h['video_id']}#t=")
               for h in found.json["hits"])
    player = client.get(f"/videos/{video_id}", headers=hostile)
    assert f'data-url="{base}/videos/{video_id}"' in player.text  # the citation's link
    for response in (listing, detail, found, player):
        assert HOSTILE_HOST not in response.get_data(as_text=True)


def test_without_a_public_url_links_follow_the_request(client) -> None:
    """make run on any port links to itself: PUBLIC_URL has no default for requests."""
    videos = client.get("/api/videos", base_url="http://127.0.0.1:8080").json["videos"]
    assert all(v["url"].startswith("http://127.0.0.1:8080/api/videos/") for v in videos)


@pytest.mark.parametrize("public", ["archive.example.org", "ftp://archive.example.org",
                                    "https://", "https://archive.example.org/?a=1"])
def test_a_public_url_that_is_not_a_site_address_is_refused_at_start(make_app,
                                                                      public: str) -> None:
    with pytest.raises(ValueError, match="PUBLIC_URL"):
        make_app(PUBLIC_URL=public)


# --- Behind a reverse proxy: X-Forwarded-* trusted only when PROXY_FIX says so --------------

FORWARDED = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "archive.example.org",
             "X-Forwarded-For": "203.0.113.7"}


def test_forwarded_headers_are_ignored_unless_proxy_fix_is_on(make_app) -> None:
    ignored = make_app().test_client().get("/api/videos", headers=FORWARDED)
    assert all(v["url"].startswith("http://localhost/") for v in ignored.json["videos"])
    trusted = make_app(PROXY_FIX=1).test_client().get("/api/videos", headers=FORWARDED)
    assert all(v["url"].startswith("https://archive.example.org/")
               for v in trusted.json["videos"])
    assert "Strict-Transport-Security" in trusted.headers  # the request counts as HTTPS
    login = make_app(PROXY_FIX=1, WTF_CSRF_ENABLED=True).test_client().get("/login",
                                                                          headers=FORWARDED)
    assert "; Secure" in session_cookie(login)


@pytest.mark.parametrize("proxies", [-1, "lots"])
def test_a_proxy_count_that_is_not_a_count_is_refused_at_start(make_app, proxies) -> None:
    with pytest.raises(ValueError, match="PROXY_FIX"):
        make_app(PROXY_FIX=proxies)


def test_rate_limits_count_per_forwarded_client_behind_the_proxy(make_app) -> None:
    client = make_app(PROXY_FIX=1, LIMIT_LOGIN="2 per minute").test_client()

    def attempt(address: str) -> int:
        return client.post("/login", data={"email": "a@example.org", "password": "x"},
                           headers={"X-Forwarded-For": address}).status_code

    assert [attempt("203.0.113.7") == 429 for _ in range(3)] == [False, False, True]
    assert attempt("203.0.113.8") != 429  # another reader behind the same proxy


def test_serve_passes_the_proxy_headers_to_proxy_fix(indexed: Indexer) -> None:
    """waitress drops X-Forwarded-* by default: with PROXY_FIX, serve must let them through."""
    with serving(indexed.settings.data_dir, {"SPEECHSEARCH_PROXY_FIX": "1"}) as base:
        request = urllib.request.Request(f"{base}/api/videos", headers=FORWARDED)
        with urllib.request.urlopen(request) as response:
            videos = json.load(response)["videos"]
            assert "Strict-Transport-Security" in response.headers
    assert videos and all(v["url"].startswith("https://archive.example.org/api/videos/")
                          for v in videos)
