"""Queries evaluated with arrays (array_search.py) find, score and rank what Whoosh does.

A synthetic bilingual archive (the benchmark's generator) is indexed for real on two index
segments with deletions; every query the site can make of the kinds the benchmark draws
(words, AND, phrases, prefixes, fuzzy words, entity and other filters) plus OR, NOT, fields
and phrases of common words is run both ways and compared match by match. Prefixes and fuzzy
words are expanded to their words first, as the site does (parsing.expand_words, tested with
the parser).
"""

from __future__ import annotations

import pytest

from bench.search import pick_queries
from bench.synthetic import ArchiveGenerator
from indexer.gazetteer import Gazetteer
from indexer.search_index import SegmentSearcher, add_many, remove_from_index
from indexer.search_index.array_search import rank
from indexer.search_index.counting import count_listed, count_matches
from indexer.search_index.posting_cache import PostingCache
from indexer.search_index.querying import FACETS

SEGMENTS = 6000


@pytest.fixture(scope="module")
def archive(tmp_path_factory, gazetteer: Gazetteer):
    transcripts = list(ArchiveGenerator(11).transcripts(SEGMENTS))
    path = tmp_path_factory.mktemp("arrays") / "index"
    half = len(transcripts) // 2
    add_many(path, transcripts[:half], gazetteer, parallel=True)  # one segment per process
    add_many(path, transcripts[half:], gazetteer)  # replaces nothing: adds a segment
    removed = transcripts[1].video_id
    remove_from_index(path, removed)
    add_many(path, [transcripts[half + 1]], gazetteer)  # re-indexed: deletes, then adds
    return path, transcripts, removed


@pytest.fixture(scope="module")
def searcher(archive, gazetteer: Gazetteer) -> SegmentSearcher:
    return SegmentSearcher(archive[0], gazetteer)


def test_the_archive_has_several_index_segments_and_deletions(searcher) -> None:
    whoosh = searcher._searcher()
    leaves = [leaf.reader() for leaf, _offset in whoosh.leaf_searchers()]
    assert len(leaves) >= 2
    assert any(reader.has_deletions() for reader in leaves)


def _compare(searcher: SegmentSearcher, text: str, cache: PostingCache | None = None,
             **filters) -> int:
    """The query's matches and scores with arrays against Whoosh's; with `cache`, through
    the posting cache (posting_cache.py) as the site runs them."""
    whoosh = searcher._searcher()
    _parsed, query = searcher.whoosh_query(text, **filters)  # prefixes and fuzzy words expanded
    ranked = rank(whoosh, query, cache, str(searcher.index_dir))
    reference = [(hit.docnum, hit.score) for hit in whoosh.search(query, limit=None)]
    expected = dict(reference)
    label = f"{text!r} {filters}"
    assert len(ranked.ids) == len(reference), label
    assert sorted(ranked.ids.tolist()) == ranked.ids.tolist(), label
    assert set(ranked.ids.tolist()) == set(expected), label
    for doc, score in zip(ranked.ids.tolist(), ranked.scores.tolist()):
        assert score == pytest.approx(expected[doc], rel=1e-9, abs=1e-12), (label, doc)
    # Whoosh's order: score, then document number (scores equal to the last bits are ties).
    order = sorted(reference, key=lambda pair: (-round(pair[1], 9), pair[0]))
    assert [doc for doc, _ in ranked.top(25)] == [doc for doc, _ in order[:25]], label
    return len(reference)


def _drawn(archive, kind: str, count: int) -> list[tuple[str, dict]]:
    _path, transcripts, removed = archive
    kept = [t for t in transcripts if t.video_id != removed]
    return pick_queries(kept, count, 5)[kind]


@pytest.mark.parametrize("kind", ["term", "and", "phrase", "prefix", "entity", "fuzzy"])
def test_drawn_queries_match_whoosh(archive, searcher, kind: str) -> None:
    queries = _drawn(archive, kind, 6 if kind == "fuzzy" else 25)
    found = [_compare(searcher, text, **{k: v for k, v in kw.items() if k != "facets"})
             for text, kw in queries]
    assert sum(found) > 0


@pytest.mark.parametrize("kind", ["term", "and", "phrase", "prefix", "entity"])
def test_drawn_queries_through_the_posting_cache_match_whoosh(archive, searcher,
                                                             kind: str) -> None:
    """Every list kept (min_postings=1), so that every read goes through the cache: decoded
    on the first query (a miss), read from it on the second (a hit), deletions applied after
    it; both times the matches and scores are Whoosh's."""
    cache = PostingCache(min_postings=1)
    for text, kw in _drawn(archive, kind, 15):
        filters = {k: v for k, v in kw.items() if k != "facets"}
        _compare(searcher, text, cache, **filters)
        misses = cache.misses
        _compare(searcher, text, cache, **filters)
        assert cache.misses == misses, text
    assert cache.hits and len(cache)


def test_phrases_across_passages_and_operators_through_the_posting_cache_match_whoosh(
        archive, searcher) -> None:
    cache = PostingCache(min_postings=1)
    _path, transcripts, _removed = archive
    item = transcripts[5]
    crossing = ['"' + " ".join(_words(first.text)[-2:] + _words(second.text)[:2]) + '"'
                for first, second in zip(item.segments, item.segments[1:])]
    texts = [*crossing[:6], '"de la"', '"of the"', '"il y a"', "securite NOT nato",
             "secur* OR def*", "exact:" + crossing[0]]
    for text in texts * 2:  # the second time from the cache
        _compare(searcher, text, cache)
    assert sum(_compare(searcher, text, cache) for text in crossing[:6]) > 0


def _words(text: str) -> list[str]:
    return [word.strip(".,;:!?\"'") for word in text.split() if word.strip(".,;:!?\"'")]


def test_phrases_in_other_forms_and_across_passages_match_whoosh(archive, searcher) -> None:
    """The phrase forms of issue 18: each drawn phrase with its words' other forms (stem
    fields, with positions) and `exact:`; and two words on each side of boundaries between
    consecutive passages (`text_bridge`), some of which must be found."""
    queries = [text for text, _kw in _drawn(archive, "phrase", 15)]
    queries += ["exact:" + text for text in queries[:5]]
    _path, transcripts, removed = archive
    crossing = []
    for item in (t for t in transcripts[2:40] if t.video_id != removed):
        for first, second in zip(item.segments, item.segments[1:]):
            crossing.append('"' + " ".join(_words(first.text)[-2:] + _words(second.text)[:2])
                            + '"')
    whoosh = searcher._searcher()
    assert any(leaf.fieldname.startswith("phrase_stem_") for text in queries
               for leaf in searcher.whoosh_query(text)[1].leaves())
    assert sum(_compare(searcher, text) for text in queries) > 0
    found = [_compare(searcher, text) for text in crossing[::7][:25]]
    assert sum(1 for count in found if count) >= len(found) // 2, found
    assert whoosh.up_to_date()


@pytest.mark.parametrize("text,filters", [
    ("afghanistan OR russie", {}),
    ("securite NOT nato", {}),
    ("securite ANDNOT nato", {}),
    ("otan AND NOT russie", {}),
    ("nato", {"language": "en"}),
    ("nato", {"language": "fr", "year": "2010"}),
    ('"de la"', {}),
    ('"il y a"', {}),
    ('"of the"', {}),
    ('"the the"', {}),
    ('"de la" OR "of the"', {"language": "fr"}),
    ("speaker:ahmed", {}),
    ("entity:nato", {}),
    ("secur* OR def*", {}),
    ("terorisme~", {}),
    ('"Terres australes"~3', {}),
])
def test_operators_fields_filters_and_common_phrases_match_whoosh(searcher, text: str,
                                                                  filters: dict) -> None:
    _compare(searcher, text, **filters)


def test_totals_and_facets_are_whoosh_s_exact_counts(archive, searcher) -> None:
    whoosh = searcher._searcher()
    fields = dict(FACETS)
    for text, kw in _drawn(archive, "term", 8) + [("nato", {"entity": "Russie"})]:
        _parsed, query = searcher.whoosh_query(text, **{k: v for k, v in kw.items()
                                                        if k != "facets"})
        listed = count_listed(whoosh, rank(whoosh, query).ids, fields)
        counted = count_matches(whoosh, query, fields, bound=10 * SEGMENTS)
        assert (listed.total, listed.facets) == (counted.total, counted.facets), text
        assert not listed.total_is_lower_bound


def test_a_query_with_no_array_form_is_searched_by_whoosh(searcher) -> None:
    """NOT alone has no array form: Whoosh runs it, with its bounded count."""
    results = searcher.search("NOT nato", per_page=5)
    assert results.total > 0 and len(results.hits) == 5
    assert all("nato" not in hit.text.lower() for hit in results.hits)
    bounded = SegmentSearcher(searcher.index_dir, searcher.gazetteer,
                              count_bound=10).search("NOT nato")
    assert bounded.total == 10 and bounded.total_is_lower_bound


@pytest.mark.parametrize("prefix", ["coop", "se", "inte", "t", "zzz"])
def test_a_prefix_s_words_and_frequencies_are_whoosh_s_over_every_segment(searcher,
                                                                           prefix: str) -> None:
    """The words of a prefix and their document counts, read in one walk of each index
    segment's terms (parsing.prefix_frequencies), are those of Whoosh's lookups."""
    from indexer.search_index.parsing import prefix_frequencies

    reader = searcher._searcher().reader()
    for fieldname in ("text", "stem_fr"):
        expected = {word: reader.doc_frequency(fieldname, word)
                    for word in reader.expand_prefix(fieldname, prefix)}
        assert prefix_frequencies(reader, fieldname, prefix) == expected
