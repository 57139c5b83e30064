"""Which words a hit is made of (issue 15): the official text's, aligned to the audio, or the
machine transcript's. The index reads `Transcript.reading()`; each segment stores its source;
a filter, a query field and a facet select one, the same in the API and on the page.

On real transcripts written here, a real Whoosh index and the Flask test client.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import make_data_dir

from indexer.config import Settings
from indexer.entities import EntityTagger
from indexer.gazetteer import Gazetteer
from indexer.records import MediaInfo, Metadata, OfficialLayer, Segment, Transcript
from indexer.reindex import rebuild_index
from indexer.search_index import (
    FORMAT_FILE,
    FORMAT_VERSION,
    IndexFormatError,
    QuerySyntaxError,
    SegmentSearcher,
    add_many,
)
from indexer.store import load_transcript, save_transcript, transcript_path, write_json_atomic
from search_app import create_app

OFFICIAL_ID, MACHINE_ID, OLD_ID = "0ff1c1a10ff1c1a1", "a5a5a5a5a5a5a5a5", "01d01d01d01d01d0"
# What Whisper heard: the names mangled, as on the demo ("coopérationotte").
HEARD = ["Notre coopérationotte avec la Russie au Nunavut.",
         "Les ministres ont parlé de l'Afghanistan.",
         "Une question sur la coopération, monsieur le secrétaire général ?"]
# The official text covers the first two passages; the third (a question) it does not.
OFFICIAL = ["Notre coopération avec la Russie au Nunavut.",
            "Les ministres ont parlé de l'Afghanistan."]
OTHER = ["La coopération militaire avec l'Afghanistan continue."]


def _media(video_id: str) -> MediaInfo:
    return MediaInfo(f"/media/{video_id}.mp4", video_id * 4, 1, "mp4", 20.0, True)


def _segments(texts: list[str], tagger: EntityTagger, source: str = "asr",
              first: int = 0) -> list[Segment]:
    segments = [Segment((first + i) * 5.0, (first + i) * 5.0 + 4.5, text, language="fr",
                        source=source) for i, text in enumerate(texts)]
    tagger.tag(segments)
    return segments


def official_transcript(tagger: EntityTagger) -> Transcript:
    """The machine transcript kept as it was, and the reading: the official words where the
    text covers the audio, the machine transcript's where it does not (the question)."""
    reading = _segments(OFFICIAL, tagger, "official") + _segments(HEARD[2:], tagger, first=2)
    layer = OfficialLayer(source="statement.txt", format="text",
                          attached="2026-01-01T00:00:00+00:00", language="fr", coverage=0.9,
                          paragraphs=[" ".join(OFFICIAL)], words=[], departures=[],
                          segments=reading)
    return Transcript(OFFICIAL_ID, _media(OFFICIAL_ID),
                      Metadata(title="Déclaration", date="2009-12-04", speaker="Rasmussen"),
                      "test", "none", "fr", ["fr"], _segments(HEARD, tagger),
                      "2026-01-01T00:00:00+00:00", official=layer)


def machine_transcript(tagger: EntityTagger, video_id: str = MACHINE_ID) -> Transcript:
    return Transcript(video_id, _media(video_id), Metadata(title="Conférence", date="2010-01-02"),
                      "test", "none", "fr", ["fr"], _segments(OTHER, tagger),
                      "2026-01-01T00:00:00+00:00")


def schema_1_json(transcript: Transcript) -> dict:
    """A transcript as version 1 wrote it: no `official`, no segment `source`."""
    data = transcript.to_dict()
    data["schema"] = 1
    del data["official"]
    for segment in data["segments"]:
        del segment["source"]
    return data


@pytest.fixture(scope="module")
def archive(tmp_path_factory, models_dir: Path, gazetteer: Gazetteer) -> Settings:
    """Three videos: one with an official text, one without, one of a schema 1 file."""
    settings = Settings(data_dir=make_data_dir(tmp_path_factory.mktemp("source") / "data",
                                               models_dir))
    tagger = EntityTagger(gazetteer)
    official, machine = official_transcript(tagger), machine_transcript(tagger)
    for item in (official, machine):
        save_transcript(settings.transcripts_dir, item)
    old = schema_1_json(machine_transcript(tagger, OLD_ID))
    write_json_atomic(transcript_path(settings.transcripts_dir, OLD_ID), old)
    add_many(settings.index_dir, [official, machine,
                                  load_transcript(settings.transcripts_dir, OLD_ID)],
             gazetteer, settings.languages)
    return settings


@pytest.fixture(scope="module")
def searcher(archive: Settings, gazetteer: Gazetteer) -> SegmentSearcher:
    return SegmentSearcher(archive.index_dir, gazetteer)


def _found(results) -> list[tuple[str, str, str]]:
    return sorted((h.video_id, h.source, h.text) for h in results.hits)


def test_the_index_reads_the_official_words_and_the_uncovered_machine_passages(
        searcher: SegmentSearcher) -> None:
    found = _found(searcher.search("coopération"))
    assert (OFFICIAL_ID, "official", OFFICIAL[0]) in found
    assert (OFFICIAL_ID, "asr", HEARD[2]) in found  # the question: no official words for it
    assert (MACHINE_ID, "asr", OTHER[0]) in found
    # Where the text covers the audio, Whisper's words are not searched (they are kept).
    assert searcher.search("coopérationotte").total == 0
    assert searcher.search("nunavut").hits[0].source == "official"


def test_the_source_filter_selects_one_kind_of_words(searcher: SegmentSearcher) -> None:
    official = searcher.search("coopération", source="official")
    assert _found(official) == [(OFFICIAL_ID, "official", OFFICIAL[0])]
    machine = searcher.search("coopération", source="asr")
    assert {h.source for h in machine.hits} == {"asr"} and machine.total == 3
    assert official.total + machine.total == searcher.search("coopération").total


def test_the_query_field_is_the_same_filter(searcher: SegmentSearcher) -> None:
    for source in ("official", "asr"):
        assert _found(searcher.search(f"coopération source:{source}")) == \
            _found(searcher.search("coopération", source=source))
    assert searcher.search("source:OFFICIAL").total == 2  # any case, as typed
    assert searcher.search("afghanistan NOT source:official").total == 2


def test_the_source_facet_counts_like_the_others(searcher: SegmentSearcher) -> None:
    results = searcher.search("coopération", facets=True)
    assert results.facets["source"] == {"asr": 3, "official": 1}
    for source, count in results.facets["source"].items():
        assert searcher.search("coopération", source=source).total == count
    narrowed = searcher.search("coopération", source="official", facets=True)
    assert narrowed.facets["source"] == {"official": 1}
    assert narrowed.facets["language"] == {"fr": 1}


@pytest.mark.parametrize("bad", ["human", "machine", "official asr"])
def test_a_bad_source_is_refused_saying_which_there_are(searcher: SegmentSearcher,
                                                        bad: str) -> None:
    with pytest.raises(QuerySyntaxError, match="official.*asr"):
        searcher.search("coopération", source=bad)
    word = bad.split()[0]
    if word not in ("official", "asr"):
        with pytest.raises(QuerySyntaxError, match="official.*asr"):
            searcher.search(f"coopération source:{word}")


def test_a_schema_1_transcript_loads_and_indexes_as_machine_words(
        archive: Settings, searcher: SegmentSearcher) -> None:
    loaded = load_transcript(archive.transcripts_dir, OLD_ID)
    assert loaded.official is None and loaded.reading() == loaded.segments
    assert {s.source for s in loaded.reading()} == {"asr"}
    hits = searcher.search("militaire").hits
    assert {(h.video_id, h.source) for h in hits} == {(MACHINE_ID, "asr"), (OLD_ID, "asr")}


def test_the_index_is_of_format_5_and_older_ones_are_rebuilt_from_the_transcripts(
        tmp_path: Path, models_dir: Path, gazetteer: Gazetteer) -> None:
    """Format 3 had no `source`: refused, and `needs_rebuild` says so (what `index` and `serve`
    check first, then rebuild); rebuilt, it has the sources."""
    from indexer.search_index import needs_rebuild

    assert FORMAT_VERSION == 5
    settings = Settings(data_dir=make_data_dir(tmp_path / "data", models_dir))
    tagger = EntityTagger(gazetteer)
    assert not needs_rebuild(settings.index_dir)  # no index yet: nothing to rebuild
    machine = machine_transcript(tagger)
    save_transcript(settings.transcripts_dir, machine)
    write_json_atomic(transcript_path(settings.transcripts_dir, OLD_ID),
                      schema_1_json(machine_transcript(tagger, OLD_ID)))
    add_many(settings.index_dir, [machine], gazetteer, settings.languages)
    assert json.loads((settings.index_dir / FORMAT_FILE).read_text()) == {"format": 5}
    assert not needs_rebuild(settings.index_dir)
    write_json_atomic(settings.index_dir / FORMAT_FILE, {"format": 3})
    assert needs_rebuild(settings.index_dir)
    with pytest.raises(IndexFormatError, match="speechsearch reindex"):
        SegmentSearcher(settings.index_dir, gazetteer).search("militaire")
    rebuilt = rebuild_index(settings, gazetteer)
    assert (rebuilt.videos, rebuilt.unreadable) == (2, [])
    assert not needs_rebuild(settings.index_dir)
    results = SegmentSearcher(settings.index_dir, gazetteer).search("militaire", facets=True)
    assert results.facets["source"] == {"asr": 2}


def test_a_transcript_with_its_official_text_is_reindexed_from_its_file(
        archive: Settings, tmp_path: Path, gazetteer: Gazetteer) -> None:
    """The transcripts are the source of truth: a rebuild reads the official layer back."""
    settings = Settings(data_dir=tmp_path / "copy")
    for video_id in (OFFICIAL_ID, MACHINE_ID):
        target = transcript_path(settings.transcripts_dir, video_id)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(transcript_path(archive.transcripts_dir, video_id).read_bytes())
    rebuilt = rebuild_index(settings, gazetteer)
    assert rebuilt.unreadable == []
    results = SegmentSearcher(settings.index_dir, gazetteer).search("nunavut", source="official")
    assert [h.video_id for h in results.hits] == [OFFICIAL_ID]


# --- the API and the page ---------------------------------------------------------------


@pytest.fixture(scope="module")
def client(archive: Settings):
    app = create_app({"TESTING": True, "DATA_DIR": str(archive.data_dir),
                      "DATABASE_URL": f"sqlite:///{archive.data_dir / 'speechsearch.db'}"})
    return app.test_client()


def test_the_api_says_each_hit_s_source_filters_and_counts_it(client) -> None:
    data = client.get("/api/search?q=coop%C3%A9ration").json
    assert {(h["video_id"], h["source"]) for h in data["hits"]} == \
        {(OFFICIAL_ID, "official"), (OFFICIAL_ID, "asr"), (MACHINE_ID, "asr"), (OLD_ID, "asr")}
    assert data["facets"]["source"] == {"asr": 3, "official": 1}
    for source, count in data["facets"]["source"].items():
        narrowed = client.get(f"/api/search?q=coop%C3%A9ration&source={source}").json
        assert narrowed["total"] == count
        assert {h["source"] for h in narrowed["hits"]} == {source}
    typed = client.get("/api/search", query_string={"q": "coopération source:official"}).json
    given = client.get("/api/search?q=coop%C3%A9ration&source=official").json
    assert [(h["video_id"], h["start"], h["source"], h["highlight"]) for h in typed["hits"]] \
        == [(h["video_id"], h["start"], h["source"], h["highlight"]) for h in given["hits"]]


@pytest.mark.parametrize("bad", ["human", "Official", "official,asr"])
def test_the_api_refuses_a_bad_source_with_a_reason(client, bad: str) -> None:
    response = client.get("/api/search", query_string={"q": "coopération", "source": bad})
    assert response.status_code == 400
    message = response.json["error"]["message"]
    assert "official" in message and "asr" in message
    typed = client.get("/api/search", query_string={"q": "coopération source:human"})
    assert typed.status_code == 400 and "official" in typed.json["error"]["message"]


def test_the_api_description_has_the_source(client) -> None:
    document = client.get("/api/openapi.json").json
    parameters = {p["name"]: p for p in document["paths"]["/api/search"]["get"]["parameters"]}
    assert "official" in parameters["source"]["description"]
    hit = document["components"]["schemas"]["Hit"]
    assert "source" in hit["required"] and hit["properties"]["source"]["enum"] == [
        "official", "asr"]


def test_the_page_labels_each_hit_and_has_the_source_facet(client) -> None:
    page = client.get("/search", query_string={"q": "coopération", "ui": "en"}).text
    assert page.count('class="source source-official"') == 1
    assert page.count('class="source source-asr"') == 3
    assert ">Official text<" in page and ">Machine transcript<" in page
    assert "<h2>Source</h2>" in page
    assert 'href="/search?q=coop%C3%A9ration&amp;ui=en&amp;source=official"' in page
    narrowed = client.get("/search", query_string={"q": "coopération", "ui": "en",
                                                   "source": "official"}).text
    assert narrowed.count('class="source source-official"') == 1
    assert 'class="source source-asr"' not in narrowed
    assert 'aria-current="true" class="on"' in narrowed and "✕ All" in narrowed
    bad = client.get("/search", query_string={"q": "coopération", "source": "human",
                                              "ui": "en"})
    assert bad.status_code == 400 and "official" in bad.text


def test_serve_rebuilds_an_older_format_index_before_it_answers(
        tmp_path: Path, models_dir: Path, gazetteer: Gazetteer) -> None:
    """After an upgrade, the site searches at once: `serve` rebuilds the index from the
    transcripts instead of answering every search with "run speechsearch reindex"."""
    import urllib.request

    from conftest import serving

    settings = Settings(data_dir=make_data_dir(tmp_path / "data", models_dir))
    machine = machine_transcript(EntityTagger(gazetteer))
    save_transcript(settings.transcripts_dir, machine)
    add_many(settings.index_dir, [machine], gazetteer, settings.languages)
    write_json_atomic(settings.index_dir / FORMAT_FILE, {"format": 3})
    with serving(settings.data_dir) as base:
        with urllib.request.urlopen(base + "/api/search?q=militaire") as response:
            assert json.loads(response.read())["total"] == 1
    assert json.loads((settings.index_dir / FORMAT_FILE).read_text()) == {"format": 5}
