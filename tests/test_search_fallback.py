"""The fast search path is fenced off, and the index says which format it is in.

- A failure inside the array path (array_search, postings, phrases: the code that reads
  Whoosh's private structures) is logged once and the query answered by Whoosh's own searcher,
  with the same hits, totals and facets; on a Whoosh version the fast path was not written for,
  every query goes through Whoosh.
- The index stores its format version: an index of today's layout is recognised as the current
  format, one of an older format is refused with a message naming `speechsearch reindex`, and
  `rebuild_index` rebuilds it from the transcripts.

On a real archive of transcripts written here (search_support.py) and a real Whoosh index; a
failure is forced by making one of the project's own functions raise, as a change of Whoosh's
internals would.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from conftest import make_data_dir
from search_support import FR_ID, build_archive
from test_search_index import transcript
from whoosh import index as whoosh_index

from indexer.config import Settings
from indexer.entities import EntityTagger
from indexer.gazetteer import Gazetteer
from indexer.reindex import rebuild_index
from indexer.search_index import (
    FORMAT_FILE,
    FORMAT_VERSION,
    INDEX_NAME,
    PAIRS,
    IndexFormatError,
    SegmentSearcher,
    add_to_index,
    array_search,
    is_indexed,
    make_schema,
    postings,
    whoosh_internals,
)
from search_app import create_app

QUERIES = [
    ("NATO", {}),
    ("coopération", {}),
    ('"lutte contre le terrorisme"', {}),
    ('"coopération militaire"', {}),  # in other forms (stems)
    ('"le terrorisme l intensification"', {}),  # across two passages
    ("afghanistan OR alerte", {}),
    ("sécurité OR nato", {"language": "fr"}),
    ("securite", {}),
]
SEARCH_LOG = "indexer.search_index.array_search"


def _broken(*_args, **_kwargs):
    raise RuntimeError("simulated: Whoosh's on-disk structures changed")


def _index_error(*_args, **_kwargs):
    raise IndexError("simulated: index 12 is out of bounds")


# Places inside the array path, each made to fail the way a change of Whoosh's internals would.
BREAKS = [
    (postings.SegmentPostings, "term", _broken),  # every word's postings
    (postings.SegmentPostings, "lengths", _index_error),  # BM25F's field lengths
    (array_search, "phrase_documents", _broken),  # exact phrases only
]


def _answer(results) -> dict:
    """What a user sees of a search: hits in order, total, bound flag and facets (scores to
    the precision the API gives, since Whoosh and the arrays add floats in another order)."""
    return {"total": results.total, "bounded": results.total_is_lower_bound,
            "facets": results.facets,
            "hits": [(h.video_id, h.start, h.end, h.text, h.highlight, h.continued,
                      round(h.score, 3))
                     for h in results.hits]}


def _answers(searcher: SegmentSearcher) -> list[dict]:
    return [_answer(searcher.search(text, facets=True, per_page=5, **filters))
            for text, filters in QUERIES]


@pytest.fixture(scope="module")
def archive(tmp_path_factory, gazetteer: Gazetteer) -> Settings:
    return build_archive(tmp_path_factory.mktemp("fallback") / "data", gazetteer)


@pytest.fixture(scope="module")
def expected(archive: Settings, gazetteer: Gazetteer) -> list[dict]:
    answers = _answers(SegmentSearcher(archive.index_dir, gazetteer))
    assert all(answer["total"] for answer in answers)  # every query finds something
    return answers


@pytest.mark.parametrize("owner,name,replacement", BREAKS,
                         ids=[f"{getattr(o, '__name__', o)}.{n}" for o, n, _ in BREAKS])
def test_a_failure_in_the_array_path_is_answered_by_whoosh_and_logged_once(
        archive, gazetteer, expected, monkeypatch, caplog, owner, name, replacement) -> None:
    monkeypatch.setattr(owner, name, replacement)
    monkeypatch.setattr(array_search, "_REPORTED", set())  # as in a new process
    searcher = SegmentSearcher(archive.index_dir, gazetteer)
    with caplog.at_level(logging.DEBUG, logger=SEARCH_LOG):
        assert _answers(searcher) == expected
        assert _answers(searcher) == expected  # again: still answered, not logged again
    errors = [r for r in caplog.records if r.name == SEARCH_LOG and r.levelno >= logging.ERROR]
    assert len(errors) == 1, [r.getMessage() for r in errors]
    assert errors[0].exc_info and errors[0].exc_info[0] in (RuntimeError, IndexError)


def test_the_site_answers_through_whoosh_when_the_array_path_fails(
        tmp_path_factory, models_dir, gazetteer, monkeypatch) -> None:
    settings = build_archive(make_data_dir(tmp_path_factory.mktemp("site") / "data",
                                           models_dir), gazetteer)
    app = create_app({"TESTING": True, "DATA_DIR": str(settings.data_dir),
                      "DATABASE_URL": f"sqlite:///{settings.data_dir / 'speechsearch.db'}"})
    client = app.test_client()
    before = client.get("/api/search?q=afghanistan&facets=1").json
    monkeypatch.setattr(postings.SegmentPostings, "term", _broken)
    response = client.get("/api/search?q=afghanistan&facets=1")
    assert response.status_code == 200
    after = response.json
    assert after["total"] == before["total"] > 0
    assert after.get("facets") == before.get("facets")
    assert [(h["video_id"], h["start"]) for h in after["hits"]] == \
        [(h["video_id"], h["start"]) for h in before["hits"]]
    assert client.get("/search?q=afghanistan").status_code == 200


def test_on_another_whoosh_version_every_query_goes_through_whoosh(
        archive, gazetteer, expected, monkeypatch, caplog) -> None:
    assert whoosh_internals.disabled_reason("2.7.5") is None
    reason = whoosh_internals.disabled_reason("2.8.0")
    assert reason and "2.8.0" in reason and "2.7.5" in reason
    monkeypatch.setattr(whoosh_internals, "FAST_PATH", False)
    monkeypatch.setattr(postings.SegmentPostings, "term", _broken)  # never reached now
    with caplog.at_level(logging.DEBUG, logger=SEARCH_LOG):
        assert _answers(SegmentSearcher(archive.index_dir, gazetteer)) == expected
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_with_the_fast_path_off_writing_uses_whoosh_s_own_codec(
        tmp_path: Path, gazetteer, expected, monkeypatch) -> None:
    monkeypatch.setattr(whoosh_internals, "FAST_PATH", False)
    settings = build_archive(tmp_path / "data", gazetteer)
    monkeypatch.undo()
    assert _answers(SegmentSearcher(settings.index_dir, gazetteer)) == expected


# --- the index's format version ---------------------------------------------------------


def _stored_format(index_dir: Path):
    return json.loads((index_dir / FORMAT_FILE).read_text())["format"]


def _older_index(index_dir: Path, gazetteer: Gazetteer) -> None:
    """An index of an older format with one video in it: made before `text_pairs` (format 1),
    as the first versions wrote it."""
    index_dir.mkdir(parents=True)
    schema = make_schema(("fr", "en"))
    schema.remove(PAIRS)
    ix = whoosh_index.create_in(str(index_dir), schema, indexname=INDEX_NAME)
    with ix.writer() as writer:
        writer.add_document(video_id="4444444444444444", seg=0, start=0.0, end=1.0,
                            language="fr", text="Il y a de la place.", title="", speaker="",
                            event="", date="", year="", entities="", entity_names="")


def test_a_new_index_stores_its_format_version(archive) -> None:
    assert _stored_format(archive.index_dir) == FORMAT_VERSION


def test_an_index_of_today_without_a_format_file_is_the_current_format(
        tmp_path: Path, gazetteer) -> None:
    """Indexes made before the format was stored, by the code of today: searched as they are,
    the version written on first open (nobody is made to rebuild)."""
    settings = build_archive(tmp_path / "data", gazetteer)
    (settings.index_dir / FORMAT_FILE).unlink()
    results = SegmentSearcher(settings.index_dir, gazetteer).search("afghanistan")
    assert results.total == 2
    assert _stored_format(settings.index_dir) == FORMAT_VERSION
    tagger = EntityTagger(gazetteer)
    add_to_index(settings.index_dir, transcript("dddddddddddddddd", ["Afghanistan."], "fr",
                                                tagger), gazetteer)
    assert SegmentSearcher(settings.index_dir, gazetteer).search("afghanistan").total == 3


def test_an_index_of_an_older_format_is_refused_saying_how_to_rebuild_it(
        tmp_path: Path, gazetteer) -> None:
    index_dir = tmp_path / "index"
    _older_index(index_dir, gazetteer)
    with pytest.raises(IndexFormatError) as refused:
        SegmentSearcher(index_dir, gazetteer).search("place")
    message = str(refused.value)
    assert str(index_dir) in message and "speechsearch reindex" in message
    assert "older" in message
    tagger = EntityTagger(gazetteer)
    with pytest.raises(IndexFormatError):  # nor written to, with documents of two formats
        add_to_index(index_dir, transcript(FR_ID, ["Nous sommes de la partie."], "fr", tagger),
                     gazetteer)
    with pytest.raises(IndexFormatError):
        is_indexed(index_dir, FR_ID)
    assert not (index_dir / FORMAT_FILE).exists()


@pytest.mark.parametrize("stored,message", [(json.dumps({"format": FORMAT_VERSION + 1}), "newer"),
                                            ("{not json", "unreadable")])
def test_an_index_of_a_newer_or_unknown_format_is_refused_until_rebuilt(
        tmp_path: Path, gazetteer, expected, stored: str, message: str) -> None:
    settings = build_archive(tmp_path / "data", gazetteer)
    (settings.index_dir / FORMAT_FILE).write_text(stored)
    with pytest.raises(IndexFormatError, match=message):
        SegmentSearcher(settings.index_dir, gazetteer).search("afghanistan")
    rebuild_index(settings, gazetteer)
    assert _answers(SegmentSearcher(settings.index_dir, gazetteer)) == expected


def test_rebuild_index_makes_an_older_index_anew_from_the_transcripts(
        tmp_path: Path, gazetteer, expected) -> None:
    settings = build_archive(tmp_path / "data", gazetteer)
    current = SegmentSearcher(settings.index_dir, gazetteer)  # open across the rebuild
    assert current.search("afghanistan").total == 2
    for path in settings.index_dir.iterdir():
        path.unlink()
    settings.index_dir.rmdir()
    _older_index(settings.index_dir, gazetteer)  # a video whose transcript is gone
    rebuilt = rebuild_index(settings, gazetteer)
    assert (rebuilt.videos, rebuilt.unreadable) == (3, [])
    assert rebuilt.segments == 8
    assert _stored_format(settings.index_dir) == FORMAT_VERSION
    assert _answers(SegmentSearcher(settings.index_dir, gazetteer)) == expected
    assert SegmentSearcher(settings.index_dir, gazetteer).search("place").total == 0
    assert current.search("afghanistan").total == 2  # the long-lived searcher reopened
    again = rebuild_index(settings, gazetteer)  # of a current index: the same index
    assert (again.videos, again.segments) == (3, 8)
    assert _answers(current) == expected


def test_rebuild_index_without_an_index_creates_it(tmp_path: Path, gazetteer, expected) -> None:
    settings = build_archive(tmp_path / "data", gazetteer)
    for path in settings.index_dir.iterdir():
        path.unlink()
    settings.index_dir.rmdir()
    assert rebuild_index(settings, gazetteer).videos == 3
    assert _answers(SegmentSearcher(settings.index_dir, gazetteer)) == expected
