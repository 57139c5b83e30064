"""The player, the delivery report and the exports of a video with an official text (issue 15).

Real texts attached by the real aligner to real fixtures (official_support), served by the
Flask test client.
"""

from __future__ import annotations

import json
import re

import pytest
from bs4 import BeautifulSoup
from conftest import app_over
from official_support import OMITTED, official_archive

from indexer.records import Transcript
from indexer.store import load_transcript
from search_app.clips import clip_srt


@pytest.fixture(scope="module")
def archive(session_indexer, tmp_path_factory):
    return official_archive(session_indexer, tmp_path_factory.mktemp("official"))


@pytest.fixture(scope="module")
def client(archive, tmp_path_factory):
    return app_over(archive.data_dir, tmp_path_factory).test_client()


def transcript(archive, video_id: str) -> Transcript:
    return load_transcript(archive.data_dir / "transcripts", video_id)


def page(client, path: str) -> BeautifulSoup:
    response = client.get(path)
    assert response.status_code == 200, response.text[:500]
    return BeautifulSoup(response.text, "html.parser")


def test_the_player_reads_the_official_words_with_their_times(client, archive) -> None:
    layer = transcript(archive, archive.budget).official
    soup = page(client, f"/videos/{archive.budget}?ui=en")
    reading = soup.find(id="segments")
    assert "Official text, aligned to the speech" in soup.find(class_="layer-label").text
    spoken = {(w.word, f"{w.start:.2f}", f"{w.end:.2f}") for w in layer.words}
    words = reading.select(".segment.official .w")
    assert words and all((w.text, w["data-start"], w["data-end"]) in spoken for w in words)
    assert "29" in [w.text for w in words]
    # The machine transcript is there too, hidden until the switch shows it.
    machine = soup.find(id="segments-asr")
    assert machine.has_attr("hidden") and "28 million" in machine.text
    toggle = soup.find(id="layer-toggle")
    assert toggle.name == "button" and toggle["aria-pressed"] == "false"
    assert set(toggle["aria-controls"].split()) == {"segments", "segments-asr"}
    assert soup.find("a", href=f"/videos/{archive.budget}/delivery")


def test_departures_are_marked_in_the_text(client, archive) -> None:
    soup = page(client, f"/videos/{archive.budget}?ui=en")
    reading = soup.find(id="segments")
    omitted = reading.select("li.omitted")
    assert [li.find("del").text for li in omitted] == [OMITTED]
    assert not omitted[0].has_attr("class") or "segment" not in omitted[0]["class"]
    added = reading.select(".segment.added")
    assert added and all("Not in the official text" in li.text for li in added)
    assert any("schools" in li.find(class_="text").text for li in added)
    changed = reading.select(".w.changed")
    assert [(w.text, w["title"]) for w in changed if w.text == "29"] == [("29", "said: 28")]
    # Omitted passages sit at their time: after every passage that starts before them.
    starts = [float(li["data-start"]) for li in reading.find_all("li", recursive=False)]
    assert starts == sorted(starts)


def test_a_text_said_as_written_and_a_video_without_text(client, archive) -> None:
    soup = page(client, f"/videos/{archive.minister}?ui=fr")
    assert soup.find(id="layer-toggle") and not soup.select("#segments li.omitted")
    assert "renforcer" in soup.find(id="segments").text  # the text's word, not "enfoncer"
    plain = page(client, f"/videos/{archive.plain}?ui=en")
    assert plain.find(id="layer-toggle") is None and plain.find(id="segments-asr") is None
    assert plain.select("#segments .segment") and not plain.select(".layer-label")
    assert "/delivery" not in str(plain.find(class_="transcript"))


def test_the_delivery_page_lists_each_departure_with_a_play_link(client, archive) -> None:
    layer = transcript(archive, archive.budget).official
    soup = page(client, f"/videos/{archive.budget}/delivery?ui=en")
    assert "Check against delivery" in soup.find("h1").text
    rows = soup.select("table.departures tbody tr")
    assert len(rows) == len(layer.departures) >= 3
    for row, departure in zip(rows, layer.departures, strict=True):
        link = row.find("a", class_="play")
        assert link["href"] == (f"/videos/{archive.budget}"
                                f"#t={departure.start:.2f},{departure.end:.2f}")
        assert departure.official in row.text and departure.said in row.text
    kinds = [row["data-kind"] for row in rows]
    assert {"omitted", "added", "changed"} <= set(kinds)
    changed = rows[kinds.index("changed")]
    assert "29" in changed.text and "28" in changed.text


def test_the_delivery_page_without_departures_or_without_a_text(client, archive) -> None:
    soup = page(client, f"/videos/{archive.minister}/delivery?ui=en")
    assert not soup.select("table.departures")
    assert "no departure" in soup.find(class_="notice").text
    soup = page(client, f"/videos/{archive.plain}/delivery?ui=en")
    assert "No official text is attached" in soup.find(class_="notice").text
    response = client.get("/videos/0123456789abcdef/delivery?ui=en")
    assert response.status_code == 404


def test_the_delivery_api(client, archive) -> None:
    layer = transcript(archive, archive.budget).official
    data = client.get(f"/api/videos/{archive.budget}/delivery").json
    assert data["video_id"] == archive.budget
    assert data["official_text"] == {"source": layer.source, "format": "text",
                                     "attached": layer.attached, "coverage": layer.coverage}
    assert data["departures"] == [
        {"kind": d.kind, "start": d.start, "end": d.end, "official": d.official,
         "said": d.said} for d in layer.departures]
    assert client.get(f"/api/videos/{archive.minister}/delivery").json["departures"] == []
    plain = client.get(f"/api/videos/{archive.plain}/delivery").json
    assert plain == {"video_id": archive.plain, "official_text": None, "departures": []}
    missing = client.get("/api/videos/0123456789abcdef/delivery")
    assert missing.status_code == 404 and missing.json["error"]["status"] == 404


def test_exports_and_clip_subtitles_use_the_official_words(client, archive) -> None:
    base = f"/videos/{archive.budget}/transcript"
    for fmt in ("srt", "vtt", "txt"):
        text = client.get(f"{base}.{fmt}").text
        assert "29 million" in text and "28 million" not in text, fmt
        assert OMITTED not in text  # never said: no cue, no line
    vtt = client.get(f"{base}.vtt").text
    cues = re.findall(r"(\d\d:\d\d:\d\d\.\d{3}) --> (\d\d:\d\d:\d\d\.\d{3})", vtt)
    assert cues == sorted(cues) and len(cues) == len(transcript(archive, archive.budget)
                                                     .reading())
    whole = json.loads(client.get(f"{base}.json").text)  # both layers, as stored
    assert "28 million" in " ".join(s["text"] for s in whole["segments"])
    assert any(d["kind"] == "changed" for d in whole["official"]["departures"])
    srt = clip_srt(transcript(archive, archive.budget), 2.0, 7.0)
    assert "29 million" in srt and "28" not in srt

