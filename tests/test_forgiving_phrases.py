"""Forgiving phrases in ordinary search (issue 18): a quoted phrase also matches its words'
other forms (stems, accents, case), exact forms first, `exact:"…"` keeps the exact ones only;
and a phrase is found across the boundary of two consecutive passages of a video, as one hit
on the passage where it starts, running to the end of the next (phrase_forms.crossings,
writing._bridge, hits.make_hit).

On a real index: transcripts written here (test_search_index's helper, real spaCy-free entity
tagging) and the real Whisper transcript of the corpus recording fr_readalong_ej.m4a.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from test_search_index import FR, transcript

from indexer.entities import EntityTagger
from indexer.gazetteer import Gazetteer
from indexer.pipeline import Indexer
from indexer.search_index import SegmentSearcher, add_many
from indexer.search_index.schema import BRIDGE_WORDS
from indexer.store import load_transcript

OTHER = ["Le terrorisme recule.", "L'intensification des contrôles continue."]


@pytest.fixture(scope="module")
def searcher(tmp_path_factory, gazetteer: Gazetteer) -> SegmentSearcher:
    tagger = EntityTagger(gazetteer)
    path = tmp_path_factory.mktemp("phrases") / "index"
    add_many(path, [transcript("aaaaaaaaaaaaaaaa", FR, "fr", tagger, speaker="Rasmussen"),
                    # Its first passage ends as FR[1] does, its second starts as FR[2]: but in
                    # another video, after the end of FR's.
                    transcript("cccccccccccccccc", OTHER[1:], "fr", tagger),
                    transcript("dddddddddddddddd", OTHER[:1], "fr", tagger)],
             gazetteer)
    return SegmentSearcher(path, gazetteer)


def test_a_phrase_across_two_passages_is_one_hit_on_the_first_to_the_end_of_the_next(
        searcher) -> None:
    results = searcher.search('"contre le terrorisme l\'intensification"', facets=True)
    assert results.total == 1 and results.facets["speaker"] == {"Rasmussen": 1}
    hit = results.hits[0]
    assert (hit.video_id, hit.text, hit.start, hit.end) == ("aaaaaaaaaaaaaaaa", FR[1], 5.0, 14.5)
    assert "<mark>terrorisme</mark>" in hit.highlight
    # Its first BRIDGE_WORDS words: L, intensification, de, notre, coopération.
    assert hit.continued == "<mark>L</mark>&#x27;<mark>intensification</mark> de notre " \
                            "coopération"
    assert hit.to_dict()["continued"] == hit.continued
    # Case, accents and `exact:` alike; any split of the phrase.
    for query in ('"TERRORISME L INTENSIFICATION de notre"', 'exact:"terrorisme l intensification"',
                  '"la lutte contre le terrorisme l"'):
        found = searcher.search(query)
        assert [(h.text, h.end) for h in found.hits] == [(FR[1], 14.5)], query


def test_a_phrase_within_one_passage_is_not_counted_again_across_the_boundary(
        searcher) -> None:
    """The opening of FR[2] is also indexed with FR[1]: found once, on FR[2], which does not
    run on (it is the last passage)."""
    results = searcher.search('"l intensification de notre coopération"', facets=True)
    assert [h.text for h in results.hits] == [FR[2]] and results.total == 1
    assert results.hits[0].continued == "" and results.hits[0].end == 14.5
    inside = searcher.search('"lutte contre le terrorisme"')
    assert [(h.text, h.end, h.continued) for h in inside.hits] == [(FR[1], 9.5, "")]


def test_what_does_not_cross_a_boundary(searcher) -> None:
    # Two videos are not one: OTHER's passages are in two of them.
    assert searcher.search('"terrorisme recule l intensification"').total == 0
    # Not next to each other across the boundary.
    assert searcher.search('"terrorisme de notre"').total == 0
    assert searcher.search('"militaires l intensification"').total == 0
    # Other forms are matched within a passage only.
    assert searcher.search('"terrorismes l intensification"').total == 0
    # At most BRIDGE_WORDS words on each side of the boundary (`exact:`: the stems of this
    # phrase, stop words aside, are all in FR[1]).
    words = "renforcé les coopérations militaires et la lutte contre le terrorisme".split()
    assert searcher.search(f'exact:"{" ".join(words[-BRIDGE_WORDS:])} l"').total == 1
    assert searcher.search(f'exact:"{" ".join(words[-BRIDGE_WORDS - 1:])} l"').total == 0


def test_the_exact_form_ranks_above_a_shorter_passage_with_another_form(
        tmp_path: Path, gazetteer: Gazetteer) -> None:
    """A short passage scores higher for the same words (BM25's length normalisation): the
    exact form's own phrase on `text` still puts it first."""
    tagger = EntityTagger(gazetteer)
    long_exact = "Nous parlons ici de l'apprentissage profond et de ses usages en traduction."
    short_other = "L'apprentissage profonde."
    path = tmp_path / "index"
    add_many(path, [transcript("aaaaaaaaaaaaaaaa", [long_exact], "fr", tagger),
                    transcript("bbbbbbbbbbbbbbbb", [short_other], "fr", tagger)], gazetteer)
    searcher = SegmentSearcher(path, gazetteer)
    assert [h.text for h in searcher.search('"apprentissage profond"').hits] == \
        [long_exact, short_other]
    assert [h.text for h in searcher.search('"apprentissage profonde"').hits] == \
        [short_other, long_exact]
    assert [h.text for h in searcher.search('exact:"apprentissage profond"').hits] == \
        [long_exact]


@pytest.fixture(scope="module")
def readalong(session_indexer: Indexer, corpus: Path, gazetteer: Gazetteer):
    """The corpus recording transcribed by the real Whisper base model, indexed."""
    outcome = session_indexer.index_file(corpus / "fr_readalong_ej.m4a")
    assert outcome.status in ("indexed", "skipped"), outcome.reason
    settings = session_indexer.settings
    return (load_transcript(settings.transcripts_dir, outcome.video_id),
            SegmentSearcher(settings.index_dir, gazetteer))


def test_apprentissage_profond_finds_what_the_recording_said(readalong) -> None:
    """The recording says "apprentissage profonde" (Whisper base transcribes it so)."""
    said, searcher = readalong
    passage = next(s for s in said.segments if "apprentissage profonde" in s.text)
    results = searcher.search('"apprentissage profond"', facets=True)
    assert [(h.video_id, h.start) for h in results.hits] == [(said.video_id, passage.start)]
    assert results.total == 1 and sum(results.facets["language"].values()) == 1
    assert "<mark>apprentissage</mark> <mark>profonde</mark>" in results.hits[0].highlight
    assert searcher.search('exact:"apprentissage profond"').total == 0
    assert searcher.search('exact:"Apprentissage PROFONDE"').total == 1


def test_exact_forms_rank_above_other_forms(readalong) -> None:
    said, searcher = readalong
    exact = next(s for s in said.segments if "traduction automatique" in s.text)
    # "automatiques" is said nowhere; "traduction automatique" once: that passage first.
    ranked = searcher.search('"traduction automatique"').hits
    assert ranked[0].start == exact.start
    assert searcher.search('"traductions automatiques"').hits[0].start == exact.start


def test_each_boundary_of_the_recording_is_crossed_by_a_phrase(readalong) -> None:
    """Two words on each side of every boundary between consecutive passages, as a user would
    copy them from the player: one hit, on the first passage, to the end of the second."""
    said, searcher = readalong
    passages = said.reading()
    assert len(passages) >= 3
    for first, second in zip(passages, passages[1:]):
        phrase = " ".join(first.text.split()[-2:] + second.text.split()[:2])
        results = searcher.search(f'"{phrase}"')
        assert [(h.video_id, h.start, h.end) for h in results.hits] == \
            [(said.video_id, first.start, second.end)], phrase
        assert results.total == 1
        assert "<mark>" in results.hits[0].highlight and "<mark>" in results.hits[0].continued


def test_an_unversioned_index_of_format_4_s_layout_is_refused_and_rebuilt(
        tmp_path: Path, models_dir: Path, gazetteer: Gazetteer) -> None:
    """Format 4: no stems with positions, no `text_bridge`. Such an index without its
    format file is not taken for today's (its phrases would miss other forms and
    boundaries): refused until `rebuild_index` makes it anew from the transcripts."""
    from conftest import make_data_dir
    from whoosh import index as whoosh_index

    from indexer.config import Settings
    from indexer.reindex import rebuild_index
    from indexer.search_index import FORMAT_FILE, INDEX_NAME, IndexFormatError, make_schema
    from indexer.search_index.schema import BRIDGE, NEXT_PASSAGE
    from indexer.store import save_transcript

    settings = Settings(data_dir=make_data_dir(tmp_path / "data", models_dir))
    said = transcript("aaaaaaaaaaaaaaaa", FR, "fr", EntityTagger(gazetteer))
    save_transcript(settings.transcripts_dir, said)
    add_many(settings.index_dir, [said], gazetteer, settings.languages)
    schema = make_schema(settings.languages)
    for name in (BRIDGE, NEXT_PASSAGE, "phrase_stem_fr", "phrase_stem_en"):
        schema.remove(name)
    older = tmp_path / "older"
    older.mkdir()
    ix = whoosh_index.create_in(str(older), schema, indexname=INDEX_NAME)
    with ix.writer() as writer:
        writer.add_document(video_id=said.video_id, seg=0, start=0.0, end=1.0, language="fr",
                            source="asr", text=FR[1], stem_fr=FR[1])
    assert not (older / FORMAT_FILE).exists()
    with pytest.raises(IndexFormatError, match="speechsearch reindex"):
        SegmentSearcher(older, gazetteer).search('"coopération militaire"')
    for path in settings.index_dir.iterdir():  # the data dir's index is now that one
        path.unlink()
    for path in older.iterdir():
        path.rename(settings.index_dir / path.name)
    rebuild_index(settings, gazetteer)
    rebuilt = SegmentSearcher(settings.index_dir, gazetteer)
    assert [h.text for h in rebuilt.search('"coopération militaire"').hits] == [FR[1]]
    assert rebuilt.search('"terrorisme l intensification"').hits[0].end == 14.5


def test_the_page_and_the_api_show_where_a_phrase_runs_on(
        tmp_path: Path, models_dir: Path, gazetteer: Gazetteer) -> None:
    from conftest import make_data_dir
    from search_support import build_archive

    from search_app import create_app

    settings = build_archive(make_data_dir(tmp_path / "data", models_dir), gazetteer)
    app = create_app({"TESTING": True, "DATA_DIR": str(settings.data_dir),
                      "DATABASE_URL": f"sqlite:///{settings.data_dir / 'speechsearch.db'}"})
    client = app.test_client()
    hit, = client.get('/api/search?q="le terrorisme l\'intensification"').json["hits"]
    assert (hit["text"], hit["start"], hit["end"]) == (FR[1], 5.0, 14.5)
    assert hit["continued"].startswith("<mark>L</mark>&#x27;<mark>intensification</mark>")
    assert hit["url"].endswith("#t=5.0,14.5")
    page = client.get('/?q="le terrorisme l\'intensification"',
                      headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "puis, dans le passage suivant :" in page
    assert "<mark>intensification</mark> de notre coopération…" in page
    assert "#t=5.0,14.5" in page
    other = client.get('/api/search?q="coopération militaire"').json
    assert [h["text"] for h in other["hits"]] == [FR[1]] and other["hits"][0]["continued"] == ""
