"""The site and API on a real index of the project's fixtures (Flask test client)."""

from __future__ import annotations

import json
import re
import urllib.request
from pathlib import Path

import pytest
from conftest import new_database_url, serving
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indexer.pipeline import Indexer
from search_app import create_app


@pytest.fixture(scope="module")
def app(request, indexed: Indexer, database_backend: str, tmp_path_factory):
    url = new_database_url(request, database_backend, tmp_path_factory.mktemp("db"))
    return create_app({"TESTING": True, "DATA_DIR": str(indexed.settings.data_dir),
                       "DATABASE_URL": url})


@pytest.fixture
def client(app):
    return app.test_client()


def video_id_of(client, name: str) -> str:
    videos = client.get("/api/videos").json["videos"]
    return next(v["video_id"] for v in videos if v["title"] == name)


def test_home_lists_the_archive(client) -> None:
    page = client.get("/").text
    assert "Find what was said" in page and "fr otan" in page and "en nato" in page


def test_search_page_groups_hits_with_play_links_and_facets(client) -> None:
    response = client.get("/search?q=afghanistan&ui=en")
    page = response.text
    assert response.status_code == 200
    assert re.search(r"\d+ passages found", page)
    assert "<mark>Afghanistan</mark>" in page
    links = re.findall(r'href="/videos/([0-9a-f]{16})#t=([\d.]+),([\d.]+)"', page)
    assert links and all(float(a) < float(b) for _, a, b in links)
    assert page.count('class="video"') == len({v for v, _, _ in links})  # grouped by video
    for facet in ("Language", "Names", "Year"):
        assert f"<h2>{facet}</h2>" in page or facet == "Year"
    assert "NATO" in page  # entity facet shown by canonical English name


def test_facet_counts_agree_with_results(client) -> None:
    data = client.get("/api/search?q=afghanistan").json
    for language, count in data["facets"]["language"].items():
        narrowed = client.get(f"/api/search?q=afghanistan&lang={language}").json
        assert narrowed["total"] == count
        assert {h["language"] for h in narrowed["hits"]} == {language}
    for entity, count in data["facets"]["entity"].items():
        assert client.get(f"/api/search?q=afghanistan&entity={entity}").json["total"] == count
    page = client.get("/search?q=afghanistan&lang=fr&ui=en").text
    assert 'aria-current="true" class="on"' in page and "✕ All" in page


def test_entity_facet_named_in_the_ui_language(client) -> None:
    assert ">OTAN<" in client.get("/search?q=afghanistan&ui=fr").text
    assert ">NATO<" in client.get("/search?q=afghanistan&ui=en").text


def test_french_ui_from_accept_language_and_switch(client) -> None:
    page = client.get("/search?q=afghanistan", headers={"Accept-Language": "fr-FR,fr;q=0.9"})
    assert "passages trouvés" in page.text and 'lang="fr"' in page.text
    assert "Affiner les résultats" in page.text
    english = client.get("/search?q=afghanistan&ui=en",
                         headers={"Accept-Language": "fr-FR"}).text
    assert "passages found" in english
    assert "passages found" in client.get("/search?q=afghanistan").text  # cookie remembered
    assert 'href="/search?q=afghanistan&amp;ui=fr"' in english  # the switch keeps the query


def test_malformed_and_empty_results(client) -> None:
    bad = client.get('/search?q="Conseil+OTAN&ui=en')
    assert bad.status_code == 400 and "Unbalanced quote" in bad.text
    none = client.get("/search?q=afganistan+zzzqqq&ui=en").text
    assert "No results for afganistan zzzqqq" in none
    suggestion = client.get("/search?q=afganistan&ui=en").text
    assert "Did you mean" in suggestion and ">afghanistan</a>" in suggestion or \
        "passages found" in suggestion  # fuzzy enough to be found anyway


def test_pagination(client) -> None:
    first = client.get("/search?q=afghanistan&per_page=1&ui=en").text
    assert "Page 1 of" in first and 'rel="next"' in first and 'rel="prev"' not in first
    api = client.get("/api/search?q=afghanistan&per_page=1&page=2").json
    assert api["page"] == 2 and len(api["hits"]) == 1 and api["pages"] == api["total"]


def test_a_total_beyond_the_count_bound_says_more_than(app, client) -> None:
    """Only a query with no array form (`NOT x` alone) is counted up to a bound."""
    from indexer.search_index.counting import TOTAL_BOUND

    query = "q=NOT+xylophone"
    exact = client.get(f"/api/search?{query}").json
    assert exact["total_is_lower_bound"] is False and exact["total"] >= 2
    searcher = app.extensions["archive"].searcher
    searcher.count_bound = 1  # what 10,000 is on a large archive
    try:
        api = client.get(f"/api/search?{query}").json
        english = client.get(f"/search?{query}&ui=en").text
        french = client.get(f"/search?{query}&ui=fr").text
        listed = client.get("/api/search?q=afghanistan").json
    finally:
        searcher.count_bound = TOTAL_BOUND
    assert api["total"] == 1 and api["total_is_lower_bound"] is True
    assert len(api["hits"]) == min(exact["total"], 20)  # the ranking is not bounded
    assert sum(api["facets"]["language"].values()) == 1  # over the first match only
    assert "More than 1 passages found" in english
    assert "Counted in the first 1 matches" in english
    assert "Plus de 1 passages trouvés" in french
    # Evaluated with arrays, a query lists every match: exact past the bound.
    assert listed["total"] >= 2 and listed["total_is_lower_bound"] is False


def test_player_page(client) -> None:
    video_id = video_id_of(client, "fr otan")
    page = client.get(f"/videos/{video_id}?ui=en").text
    assert f'src="/videos/{video_id}/media"' in page
    assert f'<track kind="captions" src="/videos/{video_id}/transcript.vtt"' in page
    assert 'class="segment"' in page and 'data-start="0.' in page
    for fmt in ("srt", "vtt", "txt", "json"):
        assert f"/videos/{video_id}/transcript.{fmt}" in page
    assert 'href="/search?q=entity:org:nato"' in page  # chips search for the entity
    assert "Copy citation" in page
    assert 'data-start="12.5"' in client.get(f"/videos/{video_id}?t=12.5").text


@pytest.mark.parametrize("t", ["abc", "-3", "nan", "inf", "1e999"])
def test_player_rejects_bad_t(client, t: str) -> None:
    video_id = video_id_of(client, "fr otan")
    response = client.get(f"/videos/{video_id}?t={t}&ui=en")
    assert response.status_code == 400 and "t must be a number of seconds" in response.text


def test_low_confidence_words_are_marked(app, indexed: Indexer, client) -> None:
    video_id = video_id_of(client, "mixed fr en")
    transcript = app.extensions["archive"].transcript(video_id)
    uncertain = [w for s in transcript.segments for w in s.words if w.probability < 0.5]
    page = client.get(f"/videos/{video_id}").text
    # Each uncertain word is marked, with its probability in a tooltip.
    assert len(re.findall(r'<span class="w lowconf"[^>]*title="Uncertain: \d+%"', page)) == len(
        uncertain)


def test_media_range_requests(client, app) -> None:
    video_id = video_id_of(client, "en nato")
    original = Path(app.extensions["archive"].media_path(video_id)).read_bytes()
    whole = client.get(f"/videos/{video_id}/media")
    assert whole.status_code == 200 and whole.data == original
    assert whole.headers["Accept-Ranges"] == "bytes"
    part = client.get(f"/videos/{video_id}/media", headers={"Range": "bytes=100-199"})
    assert part.status_code == 206 and part.data == original[100:200]
    assert part.headers["Content-Range"] == f"bytes 100-199/{len(original)}"
    tail = client.get(f"/videos/{video_id}/media", headers={"Range": "bytes=-50"})
    assert tail.status_code == 206 and tail.data == original[-50:]
    beyond = client.get(f"/videos/{video_id}/media",
                        headers={"Range": f"bytes={len(original) + 10}-"})
    assert beyond.status_code == 416
    garbage = client.get(f"/videos/{video_id}/media", headers={"Range": "bytes=zz-!"})
    assert garbage.status_code in (200, 416)


@pytest.mark.parametrize("path", [
    "/videos/0123456789abcdef", "/videos/..%2F..%2Fetc%2Fpasswd", "/videos/../etc/passwd/media",
    "/videos/%00/media", "/api/videos/0123456789abcdef", "/api/videos/0123456789ABCDEF",
    "/videos/" + "a" * 5000,
])
def test_unknown_and_hostile_ids_are_404(client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    if path.startswith("/api/"):
        assert response.json["error"]["status"] == 404


def test_transcript_exports(client) -> None:
    video_id = video_id_of(client, "en nato")
    srt = client.get(f"/api/videos/{video_id}/transcript.srt")
    assert srt.status_code == 200 and srt.text.startswith("1\n00:00:0")
    assert "attachment" in srt.headers["Content-Disposition"]
    assert client.get(f"/videos/{video_id}/transcript.vtt").text.startswith("WEBVTT")
    assert "Afghanistan" in client.get(f"/videos/{video_id}/transcript.txt").text
    assert json.loads(client.get(f"/videos/{video_id}/transcript.json").text)["video_id"] \
        == video_id
    unknown = client.get(f"/api/videos/{video_id}/transcript.docx")
    assert unknown.status_code == 404
    assert "srt, vtt, txt, json or rttm" in unknown.json["error"]["message"]
    rttm = client.get(f"/videos/{video_id}/transcript.rttm").text
    assert rttm.startswith(f"SPEAKER {video_id} 1 ")  # who speaks when


def test_api_search_has_the_cli_shape_plus_facets_and_paging(client) -> None:
    data = client.get("/api/search?q=NATO").json
    assert {"query", "total", "hits", "facets", "page", "per_page", "pages"} <= set(data)
    hit = data["hits"][0]
    assert {"video_id", "title", "start", "end", "text", "highlight", "language",
            "entities", "url"} <= set(hit)
    assert re.search(r"/videos/[0-9a-f]{16}#t=[\d.]+,[\d.]+$", hit["url"])
    assert {h["language"] for h in data["hits"]} == {"fr", "en"}


def test_api_videos(client) -> None:
    listing = client.get("/api/videos").json
    assert listing["total"] == 3
    one = client.get(listing["videos"][0]["url"]).json
    assert one["segments"] and "path" not in one["media"]  # no server paths leak
    assert one["media_url"].endswith("/media")


@pytest.mark.parametrize("query, status, message", [
    ("", 400, "q parameter is required"), ("q=%22open", 400, "Unbalanced quote"),
    ("q=nato&page=0", 400, "page must be between"), ("q=nato&per_page=1000", 400, "per_page"),
    ("q=nato&page=x", 400, "whole number"), ("q=nato&lang=../../x", 400, "language code"),
    ("q=nato&year=20x9", 400, "year"), ("q=" + "a" * 5000, 400, "too long"),
])
def test_api_errors_are_json_with_a_message(client, query: str, status: int,
                                            message: str) -> None:
    response = client.get(f"/api/search?{query}")
    assert response.status_code == status and response.is_json
    assert message in response.json["error"]["message"]


def test_openapi_documents_every_api_route(client, app) -> None:
    spec = client.get("/api/openapi.json").json
    documented = {re.sub(r"\{(\w+)\}", r"<\1>", p).replace(".<format>", ".<fmt>")
                  for p in spec["paths"]}
    # a converter (<int:number>) is the same path parameter as OpenAPI's {number}
    routes = {re.sub(r"<\w+:(\w+)>", r"<\1>", r.rule) for r in app.url_map.iter_rules()
              if r.rule.startswith("/api/")}
    assert routes - {"/api/openapi.json"} == documented


def test_searcher_is_reused_and_refreshed(app, indexed: Indexer) -> None:
    searcher = app.extensions["archive"].searcher
    searcher.search("nato")
    first = searcher._local.searcher
    searcher.search("russia")
    assert searcher._local.searcher is first  # not reopened per request
    from indexer.search_index import add_to_index
    from indexer.store import load_transcript

    transcript = load_transcript(indexed.settings.transcripts_dir,
                                 next(iter(app.extensions["archive"].videos())).video_id)
    add_to_index(indexed.settings.index_dir, transcript, indexed.gazetteer)  # a new commit
    searcher.search("nato")
    assert searcher._local.searcher is not first


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=st.text(max_size=300))
def test_random_queries_never_5xx(client, query: str) -> None:
    response = client.get("/api/search", query_string={"q": query, "lang": "fr"})
    assert response.status_code < 500, (query, response.data)


@given(query=st.from_regex(r'[\w"()*~:^\-+ ]{0,60}', fullmatch=True))
@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_query_syntax_soup_never_5xx(client, query: str) -> None:
    assert client.get("/api/search", query_string={"q": query}).status_code < 500


def test_serve_runs_waitress(indexed: Indexer) -> None:
    with serving(indexed.settings.data_dir) as base:
        with urllib.request.urlopen(f"{base}/api/search?q=nato") as response:
            body = json.load(response)
            server = response.headers["Server"]
    assert body["total"] >= 2 and server == "speechsearch"


def test_unexpected_errors_are_500_without_traceback(indexed: Indexer) -> None:
    app = create_app({"TESTING": True, "DATA_DIR": str(indexed.settings.data_dir)})

    def boom():
        raise RuntimeError("secret internals")

    app.add_url_rule("/api/boom", "boom_api", boom)
    app.add_url_rule("/boom", "boom_page", boom)
    client = app.test_client()
    api = client.get("/api/boom")
    assert api.status_code == 500 and api.json["error"]["status"] == 500
    page = client.get("/boom?ui=en")
    assert page.status_code == 500 and "Error 500" in page.text
    assert "secret internals" not in api.text + page.text and "Traceback" not in page.text


def test_player_chips_leave_out_one_off_ner_guesses(app, client) -> None:
    from indexer.records import Entity

    video_id = video_id_of(client, "mixed fr en")
    segments = app.extensions["archive"].transcript(video_id).segments  # the cached copy
    once = Entity("per:premenement-de-la-femme", "PER", "Premenement De La Femme", 0, 5)
    twice = Entity("per:lisa-culet", "PER", "Lisa Culet", 0, 5)
    added = [(segments[0], once), (segments[0], twice), (segments[1], twice)]
    try:
        for segment, entity in added:
            segment.entities.append(entity)
        page = client.get(f"/videos/{video_id}?ui=en").text
    finally:
        for segment, entity in added:
            segment.entities.remove(entity)
    assert "Premenement" not in page  # spaCy alone, once: noise
    assert 'href="/search?q=entity:per:lisa-culet"' in page  # spaCy alone, twice: shown
    assert 'href="/search?q=entity:org:nato"' in page  # the gazetteer's: always
