"""The quote finder on the site (issue 18): the /quote page and /api/quote, on the real archive
of quote_support (real model, real index), through the Flask test client."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from conftest import app_over
from quote_support import quote_archive, straddling

NOT_SAID = "the quick brown fox jumps over the lazy dog while the band plays on"


@pytest.fixture(scope="module")
def archive(session_indexer, tmp_path_factory):
    return quote_archive(session_indexer, tmp_path_factory.mktemp("quotes"))


@pytest.fixture(scope="module")
def client(archive, tmp_path_factory):
    return app_over(archive.data_dir, tmp_path_factory).test_client()


def remembered(archive) -> tuple[int, str]:
    """A quote across two passages, its second word remembered wrong."""
    index, text = straddling(archive.passages)
    words = text.split()
    return index, " ".join(words[:1] + ["remarquablement"] + words[2:])


def soup_of(client, path: str, status: int = 200) -> BeautifulSoup:
    response = client.get(path)
    assert response.status_code == status, response.text[:500]
    return BeautifulSoup(response.text, "html.parser")


def test_the_search_page_links_to_the_quote_finder(client) -> None:
    for path in ("/?ui=en", "/search?q=gouvernement&ui=en"):
        assert soup_of(client, path).find("a", href="/quote", string="Find a quote")
    form = soup_of(client, "/quote?ui=en").find("form", class_="quote-form")
    assert form["method"] == "get" and form.find("textarea", attrs={"name": "q"})
    assert form.find("label", attrs={"for": "quote-text"})
    # French typography: a no-break space before the colon, which is in the translation.
    intro = soup_of(client, "/?ui=fr").find("a", href="/quote").parent
    assert intro.text.startswith("Trouver une citation\u00a0: collez une phrase"), intro.text
    assert soup_of(client, "/?ui=en").find("a", href="/quote").parent.text.startswith(
        "Find a quote: paste a sentence")


def test_a_misremembered_quote_shows_the_place_the_diff_and_the_links(client, archive) -> None:
    index, text = remembered(archive)
    soup = soup_of(client, f"/quote?q={text}&ui=en")
    hit = soup.select_one(".quote-hit")
    play = hit.select_one("a.play")["href"]
    assert play.startswith(f"/videos/{archive.statement}#t=")
    start, end = (float(x) for x in play.split("#t=")[1].split(","))
    assert archive.passages[index].start - 0.1 <= start < archive.passages[index].end
    assert end > archive.passages[index + 1].start
    # The changed word is marked in words, not only by colour: <del>, and a hidden label.
    changed = hit.select(".diff del")
    assert any("remarquablement" in d.text and d.select_one(".visually-hidden") for d in changed)
    assert hit.select(".diff .same")
    clip = hit.select_one("a.soundbite")["href"]
    assert clip.startswith(f"/videos/{archive.statement}/clip?start=")
    citation = hit.select_one(".cite-text").text
    assert f"/videos/{archive.statement}#t=" in citation and "“" in citation
    assert hit.select_one("blockquote.said").text.strip() in citation


def test_nothing_close_is_said_so(client) -> None:
    soup = soup_of(client, f"/quote?q={NOT_SAID}&ui=en")
    assert not soup.select(".quote-hit")
    assert "Nothing close to this quote" in soup.select_one(".results .notice").text


def test_a_quote_too_short_is_a_clear_400(client) -> None:
    soup = soup_of(client, "/quote?q=trois+mots+seulement&ui=en", status=400)
    assert "at least 4" in soup.select_one("[role=alert]").text
    assert soup.find("textarea").text == "trois mots seulement"  # nothing typed is lost


def test_the_page_in_french(client, archive) -> None:
    _, text = remembered(archive)
    soup = soup_of(client, f"/quote?q={text}&ui=fr")
    assert soup.find("h1").text == "Trouver une citation"
    assert "Ce qui a été dit" in soup.text and soup.select(".quote-hit")


def test_api_quote_has_the_documented_shape(client, archive) -> None:
    _, text = remembered(archive)
    data = client.get("/api/quote", query_string={"q": text, "limit": 3}).get_json()
    assert set(data) == {"query", "hits"} and data["query"] == text
    hit = data["hits"][0]
    assert set(hit) == {"video_id", "title", "start", "end", "said", "similarity", "diff",
                        "url"}
    assert hit["video_id"] == archive.statement and hit["url"].startswith("http://")
    assert any("remarquablement" in op["quote"] and op["op"] in ("replace", "delete")
               for op in hit["diff"])
    assert client.get("/api/quote", query_string={"q": NOT_SAID}).get_json()["hits"] == []


@pytest.mark.parametrize("query", [{}, {"q": "trop court"}, {"q": "un deux trois quatre",
                                                              "limit": "0"},
                                   {"q": "x " * 600}, {"q": "mot " * 81}])
def test_api_quote_refuses_bad_requests_with_a_message(client, query) -> None:
    response = client.get("/api/quote", query_string=query)
    assert response.status_code == 400
    assert response.get_json()["error"]["message"]
