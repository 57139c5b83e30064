"""The Whoosh index on known transcripts: stems, exact phrases, entities, filters, safety."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer.entities import EntityTagger
from indexer.gazetteer import Gazetteer
from indexer.records import MediaInfo, Metadata, Segment, Transcript
from indexer.search_index import (
    QuerySyntaxError,
    add_to_index,
    indexed_video_ids,
    is_indexed,
    query_index,
    remove_from_index,
)

FR = [
    "Je viens de présider ma première réunion ministérielle du Conseil OTAN-Russie.",
    "Nous avons renforcé les coopérations militaires et la lutte contre le terrorisme.",
    "L'intensification de notre coopération en ce qui concerne l'Afghanistan.",
]
EN = ["NATO foreign ministers met in Brussels.", "Cooperation on Afghanistan will grow."]


def transcript(video_id: str, texts: list[str], language: str, tagger: EntityTagger,
               **meta) -> Transcript:
    segments = [Segment(i * 5.0, i * 5.0 + 4.5, t, language=language)
                for i, t in enumerate(texts)]
    tagger.tag(segments)
    media = MediaInfo(f"/media/{video_id}.mp4", video_id * 4, 1, "mp4", 20.0, True)
    return Transcript(video_id, media, Metadata(**meta), "test", "none", language,
                      [language], segments, "2026-01-01T00:00:00+00:00")


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory, gazetteer: Gazetteer) -> Path:
    tagger = EntityTagger(gazetteer)
    path = tmp_path_factory.mktemp("ix") / "index"
    add_to_index(path, transcript("aaaaaaaaaaaaaaaa", FR, "fr", tagger, title="Conseil",
                                  date="2009-12-04", speaker="Rasmussen"), gazetteer)
    add_to_index(path, transcript("bbbbbbbbbbbbbbbb", EN, "en", tagger, title="Council",
                                  date="2010-01-02"), gazetteer)
    return path


def search(index_dir: Path, gazetteer: Gazetteer, q: str, **kw):
    return query_index(index_dir, q, gazetteer, **kw)


def test_nato_finds_the_segment_where_otan_was_said(index_dir, gazetteer) -> None:
    results = search(index_dir, gazetteer, "NATO")
    texts = [h.text for h in results.hits]
    assert FR[0] in texts and EN[0] in texts
    french = next(h for h in results.hits if h.text == FR[0])
    assert "<mark>OTAN</mark>" in french.highlight


def test_stemming_and_accent_folding(index_dir, gazetteer) -> None:
    found = {h.text for h in search(index_dir, gazetteer, "coopérations").hits}
    assert FR[2] in found and FR[1] in found  # coopération, coopérations
    assert FR[1] in {h.text for h in search(index_dir, gazetteer, "militaire").hits}
    assert FR[0] in {h.text for h in search(index_dir, gazetteer, "ministerielle").hits}


def test_exact_phrases_are_exact(index_dir, gazetteer) -> None:
    assert [h.text for h in search(index_dir, gazetteer, '"coopérations militaires"').hits] \
        == [FR[1]]
    for exact in ('exact:"coopération militaire"', 'text:"coopération militaire"',
                  'EXACT:"Coopération militaire"'):
        assert search(index_dir, gazetteer, exact).total == 0, exact
    assert search(index_dir, gazetteer, 'exact:"cooperations MILITAIRES"').total == 1
    assert search(index_dir, gazetteer, '"lutte contre le terrorisme"').total == 1
    # A phrase is a word for the operators around it.
    either = search(index_dir, gazetteer, '"coopérations militaires" OR "foreign ministers"')
    assert {h.text for h in either.hits} == {FR[1], EN[0]}


def test_a_phrase_also_matches_its_words_other_forms(index_dir, gazetteer) -> None:
    """Stems, accents and case, as a phrase on an analysed field does in Lucene-based
    engines; `exact:` keeps the words as typed (case and accents aside)."""
    found = search(index_dir, gazetteer, '"coopération militaire"')
    assert [h.text for h in found.hits] == [FR[1]] and found.total == 1
    assert "<mark>coopérations</mark> <mark>militaires</mark>" in found.hits[0].highlight
    assert search(index_dir, gazetteer, '"COOPERATION militaire"').total == 1
    # Still a phrase: both words, in this order, next to each other.
    assert search(index_dir, gazetteer, '"militaire coopération"').total == 0
    assert search(index_dir, gazetteer, '"coopération terrorisme"').total == 0
    # Stop words between the stems are not compared ("on" is one): exact forms first.
    loose = search(index_dir, gazetteer, '"cooperation afghanistan"')
    assert [h.text for h in loose.hits] == [EN[1]]
    assert search(index_dir, gazetteer, 'exact:"cooperation afghanistan"').total == 0
    # A phrase whose stems are one word would be that word anywhere: exact words only.
    assert search(index_dir, gazetteer, '"la luttes"').total == 0


def test_boolean_wildcard_fuzzy_and_fields(index_dir, gazetteer) -> None:
    assert search(index_dir, gazetteer, "afghanistan NOT intensification").total == 1
    assert search(index_dir, gazetteer, "terror*").total == 1
    assert search(index_dir, gazetteer, "terorisme~").total == 1
    assert search(index_dir, gazetteer, "afghanistan lang:en").total == 1
    assert search(index_dir, gazetteer, "speaker:rasmussen").total == 3
    assert search(index_dir, gazetteer, "year:2010").total == 2
    assert search(index_dir, gazetteer, "ministers OR ministérielle").total == 2


def test_entity_filter_by_id_or_any_alias(index_dir, gazetteer) -> None:
    by_id = search(index_dir, gazetteer, "afghanistan", entity="country:af")
    by_alias = search(index_dir, gazetteer, "afghanistan", entity="Afghanistan")
    assert by_id.total == by_alias.total == 2
    assert search(index_dir, gazetteer, "entity:OTAN").total == 2
    assert search(index_dir, gazetteer, "réunion", entity="org:nato").total == 1
    assert search(index_dir, gazetteer, "afghanistan", language="fr").total == 1


def test_hits_are_ranked_and_paged(index_dir, gazetteer) -> None:
    everything = search(index_dir, gazetteer, "afghanistan OR nato OR terrorisme")
    scores = [h.score for h in everything.hits]
    assert scores == sorted(scores, reverse=True)
    page2 = search(index_dir, gazetteer, "afghanistan OR nato OR terrorisme", page=2,
                   per_page=2)
    assert page2.total == everything.total and len(page2.hits) == 2
    assert page2.hits[0].text == everything.hits[2].text


def test_highlight_is_escaped(tmp_path: Path, gazetteer: Gazetteer) -> None:
    tagger = EntityTagger(gazetteer)
    index = tmp_path / "index"
    add_to_index(index, transcript("cccccccccccccccc", ["<script>alert(1)</script> Afghanistan"],
                                   "en", tagger), gazetteer)
    hit = search(index, gazetteer, "afghanistan").hits[0]
    assert "<script>" not in hit.highlight and "&lt;script&gt;" in hit.highlight


@pytest.mark.parametrize("query, message", [
    ("", "empty"), ("   ", "empty"), ('"unclosed phrase', "Unbalanced quote"),
    ("(nato OR russia", "parentheses"), ("nato)", "parentheses"),
    ("colour:blue", "Unknown field"), ("nato AND", "between words"), ("OR", "between words"),
    ("x" * 2000, "too long"),
])
def test_malformed_queries_say_why(index_dir, gazetteer, query: str, message: str) -> None:
    with pytest.raises(QuerySyntaxError, match=message):
        search(index_dir, gazetteer, query)


def test_reindexing_replaces_and_remove_deletes(tmp_path: Path, gazetteer: Gazetteer) -> None:
    tagger = EntityTagger(gazetteer)
    index = tmp_path / "index"
    add_to_index(index, transcript("dddddddddddddddd", FR, "fr", tagger), gazetteer)
    add_to_index(index, transcript("dddddddddddddddd", FR[:1], "fr", tagger), gazetteer)
    assert search(index, gazetteer, "OTAN OR terrorisme").total == 1
    assert indexed_video_ids(index) == {"dddddddddddddddd"}
    remove_from_index(index, "dddddddddddddddd")
    assert not is_indexed(index, "dddddddddddddddd") and indexed_video_ids(index) == set()


def test_a_long_lived_searcher_sees_removals_and_replacements(tmp_path: Path,
                                                              gazetteer: Gazetteer) -> None:
    """The site's searcher lives across commits: a removed video must vanish from it at once,
    and a re-indexed one must not come back twice (Whoosh's refresh() kept both)."""
    from indexer.search_index import SegmentSearcher

    tagger = EntityTagger(gazetteer)
    index = tmp_path / "index"
    add_to_index(index, transcript("aaaaaaaaaaaaaaaa", FR, "fr", tagger), gazetteer)
    add_to_index(index, transcript("bbbbbbbbbbbbbbbb", EN, "en", tagger), gazetteer)
    searcher = SegmentSearcher(index, gazetteer)
    assert searcher.search("Afghanistan", facets=True).total == 2

    add_to_index(index, transcript("aaaaaaaaaaaaaaaa", FR, "fr", tagger,
                                   speaker="New Speaker"), gazetteer)
    replaced = searcher.search("Afghanistan", facets=True)
    assert replaced.total == 2 and len(replaced.hits) == 2
    assert searcher.search('speaker:"new speaker"').total == len(FR)

    remove_from_index(index, "bbbbbbbbbbbbbbbb")
    left = searcher.search("Afghanistan", facets=True)
    assert [hit.video_id for hit in left.hits] == ["aaaaaaaaaaaaaaaa"]
    assert left.facets["language"] == {"fr": 1}


def test_failed_write_leaves_the_previous_index(tmp_path: Path, gazetteer: Gazetteer) -> None:
    tagger = EntityTagger(gazetteer)
    index = tmp_path / "index"
    add_to_index(index, transcript("eeeeeeeeeeeeeeee", FR, "fr", tagger), gazetteer)
    broken = transcript("eeeeeeeeeeeeeeee", EN, "en", tagger)
    broken.segments[1].start = "not a time"  # fails after the first document is added
    with pytest.raises(Exception):
        add_to_index(index, broken, gazetteer)
    assert search(index, gazetteer, "terrorisme").total == 1
    assert search(index, gazetteer, "ministers").total == 0
    add_to_index(index, transcript("ffffffffffffffff", EN, "en", tagger), gazetteer)  # no lock
    assert search(index, gazetteer, "ministers").total == 1


def test_missing_index_means_no_results(tmp_path: Path, gazetteer: Gazetteer) -> None:
    assert search(tmp_path / "none", gazetteer, "nato").total == 0


def test_one_analysis_per_segment_equals_each_fields_analyzer(index_dir) -> None:
    """Indexing bypasses the analyzers (lists); the parser runs them: both must agree."""
    from whoosh import index as whoosh_index

    from indexer.search_index import INDEX_NAME, _Analysis, stem_field

    schema = whoosh_index.open_dir(str(index_dir), indexname=INDEX_NAME).schema
    analysis = _Analysis(schema)
    for text, language in [(FR[1], "fr"), (FR[2], "fr"), (EN[0], "en"),
                           ("L'Élysée, 3,5 % des États-Unis : aujourd’hui ÇA", "fr"),
                           ("The U.N.'s 2nd report—it isn't 100% done", "en")]:
        words = analysis.words(text)
        assert [analysis.fold(w) for w in words] == [t.text for t in schema["text"].analyzer(text)]
        assert analysis.stemmed(words, language) == \
            [t.text for t in schema[stem_field(language)].analyzer(text)]


def test_phrases_of_common_words_are_exact(tmp_path: Path, gazetteer: Gazetteer) -> None:
    from indexer.search_index import add_many

    tagger = EntityTagger(gazetteer)
    index = tmp_path / "index"
    texts = ["Il y a de la place.", "De plus il a la clé.",
             "Nous sommes de la partie et il y a lieu."]
    count = add_many(index, [transcript("1111111111111111", texts, "fr", tagger),
                             transcript("2222222222222222", EN, "en", tagger)], gazetteer)
    assert count == len(texts) + len(EN)
    assert search(index, gazetteer, '"de la"').total == 2
    assert search(index, gazetteer, '"il y a"').total == 2
    assert search(index, gazetteer, '"il a la"').total == 1
    assert search(index, gazetteer, '"y a de la"').total == 1
    assert search(index, gazetteer, '"a de plus"').total == 0
    highlight = search(index, gazetteer, '"de la"').hits[0].highlight
    assert "<mark>de</mark> <mark>la</mark>" in highlight


def test_an_index_without_pairs_is_given_them_if_empty_else_refused(tmp_path: Path,
                                                                    gazetteer: Gazetteer) -> None:
    """An index from before `text_pairs` (an older format): refused until it is rebuilt, unless
    it has no document (test_search_fallback.py has the format version)."""
    from whoosh import index as whoosh_index

    from indexer.search_index import (
        INDEX_NAME,
        PAIRS,
        PAIRS_INCOMPLETE,
        IndexFormatError,
        make_schema,
    )

    index = tmp_path / "index"
    index.mkdir()
    schema = make_schema(("fr", "en"))
    schema.remove(PAIRS)
    whoosh_index.create_in(str(index), schema, indexname=INDEX_NAME)
    tagger = EntityTagger(gazetteer)
    add_to_index(index, transcript("3333333333333333", ["Il y a de la place."], "fr", tagger),
                 gazetteer)  # adds the field to an empty index: no marker, every doc has pairs
    assert not (index / PAIRS_INCOMPLETE).exists()
    old = tmp_path / "old"
    old.mkdir()
    ix = whoosh_index.create_in(str(old), schema, indexname=INDEX_NAME)
    with ix.writer() as writer:
        writer.add_document(video_id="4444444444444444", seg=0, start=0.0, end=1.0,
                            language="fr", text="Il y a de la place.", title="", speaker="",
                            event="", date="", year="", entities="", entity_names="")
    with pytest.raises(IndexFormatError, match="speechsearch reindex"):
        add_to_index(old, transcript("5555555555555555", ["Nous sommes de la partie."], "fr",
                                     tagger), gazetteer)
    assert search(index, gazetteer, '"de la"').total == 1


def test_facet_counts_stay_right_across_queries_and_commits(tmp_path: Path,
                                                            gazetteer: Gazetteer) -> None:
    # The per-document facet values are kept between queries (counting._columns):
    # the same searcher must give the same counts for another query, and a commit must
    # bring the new video's entities in.
    from indexer.search_index import SegmentSearcher
    from indexer.search_index.counting import leaf_cache

    tagger = EntityTagger(gazetteer)
    path = tmp_path / "index"
    add_to_index(path, transcript("aaaaaaaaaaaaaaaa", FR, "fr", tagger, date="2009-12-04"),
                 gazetteer)
    searcher = SegmentSearcher(path, gazetteer)
    first = searcher.search("coopération", facets=True)
    assert first.total == 2 and first.facets["language"] == {"fr": 2}
    assert first.facets["entity"] == {"country:af": 1}
    nato = searcher.search("OTAN", facets=True)
    assert nato.facets["entity"]["org:nato"] == 1 and "country:af" not in nato.facets["entity"]
    assert searcher.search("coopération", facets=True).facets == first.facets
    leaves = [leaf for leaf, _ in searcher._searcher().leaf_searchers()]
    assert all(("facet-column", "entities") in leaf_cache(leaf) for leaf in leaves)

    add_to_index(path, transcript("bbbbbbbbbbbbbbbb", EN, "en", tagger, date="2010-01-02"),
                 gazetteer)
    after = searcher.search("cooperation OR coopération", facets=True)
    assert after.facets["language"] == {"fr": 2, "en": 1}
    assert after.facets["entity"]["country:af"] == 2
    assert after.facets["year"] == {"2009": 2, "2010": 1}


def test_a_prefix_reads_the_words_as_said_and_its_most_frequent_words(
        tmp_path: Path, gazetteer: Gazetteer) -> None:
    from whoosh import query as Q

    from indexer.search_index import SegmentSearcher
    from indexer.search_index.parsing import expand_words

    tagger = EntityTagger(gazetteer)
    path = tmp_path / "index"
    texts = ["coopération coopérer", "coopération", "coopérative", "coopter"]
    add_to_index(path, transcript("aaaaaaaaaaaaaaaa", texts, "fr", tagger), gazetteer)
    searcher = SegmentSearcher(path, gazetteer)
    assert searcher.search("coop*").total == 4
    reader = searcher._searcher().reader()
    capped = expand_words(Q.Prefix("text", "coop"), reader, limit=2)
    # The most frequent first ("cooperation", in two segments), then the first of the ties.
    assert [t.text for t in capped.subqueries] == ["cooperation", "cooperative"]
    from indexer.search_index import parse_query

    parsed = parse_query(searcher._searcher().schema, "coop*", gazetteer.lookup)
    assert {leaf.fieldname for leaf in parsed.leaves()} == {"text"}  # not stems nor aliases
    every = expand_words(Q.Prefix("text", "coop"), reader, limit=10)
    assert [t.text for t in every.subqueries] == ["cooperation", "cooperative", "cooperer",
                                                  "coopter"]


def test_a_fuzzy_word_is_the_words_whoosh_finds_within_its_distance(
        tmp_path: Path, gazetteer: Gazetteer) -> None:
    from whoosh import query as Q

    from indexer.search_index import SegmentSearcher
    from indexer.search_index.parsing import expand_words

    tagger = EntityTagger(gazetteer)
    path = tmp_path / "index"
    texts = ["le terrorisme", "le terorisme", "les terroristes", "le tourisme", "le lyrisme"]
    add_to_index(path, transcript("aaaaaaaaaaaaaaaa", texts, "fr", tagger), gazetteer)
    searcher = SegmentSearcher(path, gazetteer)
    reader = searcher._searcher().reader()
    for maxdist in (1, 2):
        fuzzy = Q.FuzzyTerm("text", "terrorisme", maxdist=maxdist, prefixlength=1)
        words = {t.text for t in expand_words(fuzzy, reader).subqueries}
        assert words == set(reader.terms_within("text", "terrorisme", maxdist, prefix=1))
        assert "terorisme" in words and "lyrisme" not in words
    found = searcher.search("terrorisme~")
    # The stem fields too: "terroristes" has the stem of "terrorisme"; "tourisme" is 2 edits.
    assert {h.text for h in found.hits} == {"le terrorisme", "le terorisme", "les terroristes"}
    assert all("<mark>" in h.highlight for h in found.hits)


SECURITY = ["La sécurité des élections est assurée.", "Security in Brussels was tight."]


def test_plain_words_read_stems_and_names_but_find_what_text_found(
        tmp_path: Path, gazetteer: Gazetteer) -> None:
    """A plain word skips `text`; accents, stems, aliases and common words still match."""
    from indexer.search_index import SegmentSearcher, parse_query

    tagger = EntityTagger(gazetteer)
    path = tmp_path / "index"
    add_to_index(path, transcript("aaaaaaaaaaaaaaaa", [*FR, SECURITY[0]], "fr", tagger),
                 gazetteer)
    add_to_index(path, transcript("bbbbbbbbbbbbbbbb", [*EN, SECURITY[1]], "en", tagger),
                 gazetteer)
    searcher = SegmentSearcher(path, gazetteer)
    schema = searcher._searcher().schema
    assert searcher._local.words_read_stems

    def fields(query: str) -> set[str]:
        parsed = parse_query(schema, query, gazetteer.lookup, words_read_stems=True)
        return {leaf.fieldname for leaf in parsed.leaves()}

    assert fields("securite") == {"stem_fr", "stem_en", "entity_names"}
    assert fields("the") == {"text"}  # common words: the words as said
    # Phrases unchanged; its stems' form is one word (not searched), and it may cross a
    # boundary between passages (test_forgiving_phrases.py).
    assert fields('"la sécurité"') == {"text", "text_bridge", "text_bridge_pair",
                                       "entity_names"}
    for query in ("securite", "sécurité", "SÉCURITÉS"):  # typed with or without accents
        hits = searcher.search(query).hits
        assert SECURITY[0] in [h.text for h in hits], query
    french = next(h for h in searcher.search("securite").hits if h.text == SECURITY[0])
    assert "<mark>sécurité</mark>" in french.highlight
    assert [h.text for h in searcher.search("elections").hits] == [SECURITY[0]]
    # "in" is an English stop word: read in the French stems it would exclude every
    # English segment.
    assert {h.text for h in searcher.search("in Brussels").hits} == {EN[0], SECURITY[1]}
    assert {h.text for h in searcher.search("NATO").hits} == {FR[0], EN[0]}


def test_an_index_that_stems_accented_words_is_of_an_older_format(
        tmp_path: Path, gazetteer: Gazetteer) -> None:
    """Indexes made before the stem fields folded first (format 2): there "securite" has another
    stem than "sécurité", so their plain words had to read `text` too. Empty, such an index gets
    today's stem fields; with documents it is refused until rebuilt."""
    from whoosh import index as whoosh_index
    from whoosh.analysis import (
        CharsetFilter,
        LowercaseFilter,
        RegexTokenizer,
        StemFilter,
        StopFilter,
    )
    from whoosh.fields import TEXT
    from whoosh.lang import stopwords_for_language
    from whoosh.support.charset import accent_map

    from indexer.search_index import (
        INDEX_NAME,
        IndexFormatError,
        SegmentSearcher,
        make_schema,
        stem_field,
    )

    schema = make_schema(("fr", "en"))
    for language in ("fr", "en"):
        schema.remove(stem_field(language))
        schema.add(stem_field(language), TEXT(analyzer=(
            RegexTokenizer() | LowercaseFilter()
            | StopFilter(stoplist=stopwords_for_language(language), minsize=1)
            | StemFilter(lang=language) | CharsetFilter(accent_map)), phrase=False))
    path = tmp_path / "index"
    path.mkdir()
    whoosh_index.create_in(str(path), schema, indexname=INDEX_NAME)
    tagger = EntityTagger(gazetteer)
    add_to_index(path, transcript("aaaaaaaaaaaaaaaa", SECURITY[:1], "fr", tagger), gazetteer)
    searcher = SegmentSearcher(path, gazetteer)
    assert searcher.search("securite").total == 1
    assert searcher._local.words_read_stems  # today's stem fields
    older = tmp_path / "older"
    older.mkdir()
    ix = whoosh_index.create_in(str(older), schema, indexname=INDEX_NAME)
    with ix.writer() as writer:
        writer.add_document(video_id="b" * 16, language="fr", text=SECURITY[0],
                            stem_fr=SECURITY[0])
    with pytest.raises(IndexFormatError, match="speechsearch reindex"):
        SegmentSearcher(older, gazetteer).search("securite")


def test_totals_are_exact_and_whoosh_s_stop_at_the_bound(index_dir, gazetteer) -> None:
    from indexer.search_index import SegmentSearcher

    query = "afghanistan OR nato OR terrorisme"
    exact = SegmentSearcher(index_dir, gazetteer).search(query, facets=True)
    assert exact.total == 5 and not exact.total_is_lower_bound
    assert sum(exact.facets["language"].values()) == 5
    assert exact.to_dict()["total_is_lower_bound"] is False
    # Evaluated with arrays, every match is listed: exact past any bound.
    listed = SegmentSearcher(index_dir, gazetteer, count_bound=3).search(query, facets=True)
    assert listed.total == 5 and not listed.total_is_lower_bound
    assert [h.text for h in listed.hits] == [h.text for h in exact.hits]
    # A query with no array form (NOT alone) is Whoosh's: counted up to the bound.
    everything = SegmentSearcher(index_dir, gazetteer).search("NOT xylophone", facets=True)
    assert everything.total == 5 and not everything.total_is_lower_bound
    bounded = SegmentSearcher(index_dir, gazetteer, count_bound=3).search("NOT xylophone",
                                                                          facets=True)
    assert bounded.total == 3 and bounded.total_is_lower_bound
    assert sum(bounded.facets["language"].values()) == 3  # the first 3 matches
    assert {h.text for h in bounded.hits} == {h.text for h in everything.hits}


def test_bulk_writing_leaves_an_index_of_whoosh_s_own_codec(index_dir) -> None:
    """add_many writes with a codec subclass (bulk_writer._BulkCodec); the index's table of
    contents must name Whoosh's W3Codec, so that opening an index never needs ours."""
    from whoosh import index as whoosh_index
    from whoosh.codec.whoosh3 import W3Codec

    from indexer.search_index import INDEX_NAME

    ix = whoosh_index.open_dir(str(index_dir), indexname=INDEX_NAME)
    assert {type(segment.codec()) for segment in ix._segments()} == {W3Codec}
    toc = next(p for p in index_dir.iterdir() if p.name.endswith(".toc")).read_bytes()
    assert b"_BulkCodec" not in toc


def test_a_filter_with_block_quality_skipping(tmp_path: Path, gazetteer: Gazetteer) -> None:
    """Filters are a Require that the top-N collector may skip blocks under: Whoosh's own
    RequireMatcher failed an assertion there (several posting blocks, a full top N)."""
    from indexer.search_index import SegmentSearcher, add_many

    words = "paix guerre conseil traité accord sommet ministre réunion".split()
    texts = [" ".join(["sécurité"] * (1 + i % 3) + words[:1 + (i * 7) % 8]) for i in range(600)]
    add_many(tmp_path / "index", [transcript("a" * 16, texts, "fr", EntityTagger(gazetteer))],
             gazetteer)
    searcher = SegmentSearcher(tmp_path / "index", gazetteer)
    filtered = searcher.search("sécurité", language="fr", per_page=1)
    unfiltered = searcher.search("sécurité", per_page=1)
    assert filtered.total == unfiltered.total == 600
    assert [h.text for h in filtered.hits] == [h.text for h in unfiltered.hits]
    assert filtered.hits[0].text.count("sécurité") == 3  # the best: most repeats, shortest


def test_a_language_without_a_stem_field_keeps_plain_words_on_text(
        tmp_path: Path, gazetteer: Gazetteer) -> None:
    """A segment in a language the index has no stemmer field for is found only in `text`:
    while the index holds one, plain words read `text` too."""
    from indexer.search_index import SegmentSearcher

    tagger = EntityTagger(gazetteer)
    path = tmp_path / "index"
    add_to_index(path, transcript("aaaaaaaaaaaaaaaa", FR, "fr", tagger), gazetteer)
    searcher = SegmentSearcher(path, gazetteer)
    assert searcher.search("terrorisme").total == 1 and searcher._local.words_read_stems
    add_to_index(path, transcript("bbbbbbbbbbbbbbbb", ["Terrorismus und Afghanistan."], "xx",
                                  tagger), gazetteer)
    assert searcher.search("terrorismus").total == 1
    assert not searcher._local.words_read_stems
