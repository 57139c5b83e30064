"""The cache of decoded posting lists (posting_cache.py): hits, invalidation after a commit,
deletions applied after it, and its memory bound, on a real index of the benchmark's
synthetic archive searched through `SegmentSearcher`, as the site does."""

from __future__ import annotations

import numpy as np
import pytest

from bench.synthetic import ArchiveGenerator
from indexer.gazetteer import Gazetteer
from indexer.search_index import (
    SegmentSearcher,
    add_many,
    list_writing,
    remove_from_index,
    replace_all,
)
from indexer.search_index.posting_cache import DecodedList, PostingCache
from indexer.search_index.postings import segment_id

SEGMENTS = 3000
COMMON = ["the", "de", "la", "of"]  # each in hundreds of this archive's passages


@pytest.fixture(autouse=True)
def _no_list_files(monkeypatch) -> None:
    """The cache alone, as on an index whose segments have no `.lists` files (made before
    them): no list is long enough to be written there (test_list_arrays.py tests them)."""
    monkeypatch.setattr(list_writing, "MIN_POSTINGS", 10**9)


@pytest.fixture()
def archive(tmp_path, gazetteer: Gazetteer):
    transcripts = list(ArchiveGenerator(7).transcripts(SEGMENTS))
    path = tmp_path / "index"
    add_many(path, transcripts[:-3], gazetteer)
    return path, transcripts


def _segment_ids(searcher: SegmentSearcher) -> set[str]:
    whoosh = searcher._searcher()
    return {segment_id(leaf.reader()) for leaf, _offset in whoosh.leaf_searchers()}


def _videos(searcher: SegmentSearcher, text: str) -> set[str]:
    results = searcher.search(text, per_page=10_000)
    return {hit.video_id for hit in results.hits}


def test_a_frequent_word_is_decoded_once_then_read_from_the_cache(archive, gazetteer) -> None:
    path, _transcripts = archive
    cache = PostingCache(min_postings=100)
    searcher = SegmentSearcher(path, gazetteer, posting_cache=cache, warm=False)
    first = searcher.search("the", per_page=50)
    assert cache.misses >= 1 and cache.hits == 0 and len(cache) >= 1
    kept = cache.keys()
    assert all(key[0] == str(path.resolve()) and key[3] == b"the" for key in kept)
    misses = cache.misses
    again = searcher.search("the", per_page=50)
    assert cache.misses == misses and cache.hits >= 1
    assert [(h.video_id, h.start, h.score) for h in again.hits] == \
        [(h.video_id, h.start, h.score) for h in first.hits]
    # A phrase reads the same word's positions from the same entry.
    phrase = next(f'"the {words[i + 1]}"' for t in _transcripts for s in t.segments
                  for words in [s.text.lower().rstrip(".").split()]
                  for i in range(len(words) - 1) if words[i] == "the" and words[i + 1].isalpha())
    hits = cache.hits
    assert searcher.search(phrase).total > 0
    assert cache.hits > hits


def test_a_short_list_is_not_kept(archive, gazetteer) -> None:
    path, _transcripts = archive
    cache = PostingCache(min_postings=10**9)
    searcher = SegmentSearcher(path, gazetteer, posting_cache=cache, warm=False)
    assert searcher.search("the").total > 0
    assert len(cache) == 0 and cache.misses == 0


def test_a_commit_that_replaces_segments_drops_their_entries(archive, gazetteer) -> None:
    path, transcripts = archive
    cache = PostingCache(min_postings=100)
    searcher = SegmentSearcher(path, gazetteer, posting_cache=cache, warm=False)
    for word in COMMON:
        searcher.search(word)
    before = _segment_ids(searcher)
    assert {key[1] for key in cache.keys()} <= before and len(cache)
    new = transcripts[-3:]
    replace_all(path, transcripts, gazetteer)  # one commit, every segment new
    found = _videos(searcher, "the")  # the searcher is reopened: the cache is told
    after = _segment_ids(searcher)
    assert not before & after
    assert {key[1] for key in cache.keys()} <= after
    assert cache.nbytes == sum(_entry_bytes(cache, key) for key in cache.keys())
    said_the = {t.video_id for t in new if any("the" in s.text.lower().split()
                                               for s in t.segments)}
    assert said_the and said_the <= found


def test_an_added_segment_keeps_the_others_entries_and_is_searched(archive, gazetteer) -> None:
    path, transcripts = archive
    cache = PostingCache(min_postings=100)
    searcher = SegmentSearcher(path, gazetteer, posting_cache=cache, warm=False)
    searcher.search("the")
    kept = set(cache.keys())
    add_many(path, transcripts[-3:], gazetteer)  # a small segment beside the big one
    found = _videos(searcher, "the")
    assert kept <= set(cache.keys())  # the big segment's lists did not change: still kept
    assert any(t.video_id in found for t in transcripts[-3:])


def test_deletions_are_applied_after_the_cache(archive, gazetteer) -> None:
    path, transcripts = archive
    cache = PostingCache(min_postings=100)
    searcher = SegmentSearcher(path, gazetteer, posting_cache=cache, warm=False)
    victim = next(v for v in sorted(_videos(searcher, "the")))
    phrase = next(f'"{" ".join(s.text.split()[:2])}"' for t in transcripts
                  if t.video_id == victim for s in t.segments if len(s.text.split()) > 3)
    assert victim in _videos(searcher, phrase)
    kept = set(cache.keys())
    remove_from_index(path, victim)  # a commit that only records deletions
    assert victim not in _videos(searcher, "the")
    assert victim not in _videos(searcher, phrase)
    assert kept <= set(cache.keys())  # same segment, same lists: still right, still kept


def _entry_bytes(cache: PostingCache, key) -> int:
    return cache.get(key, lambda: pytest.fail("a kept entry was decoded again")).nbytes


def test_the_cache_stays_within_its_budget_dropping_the_least_recently_used(
        archive, gazetteer) -> None:
    path, _transcripts = archive
    unbounded = PostingCache(min_postings=50)
    plain = SegmentSearcher(path, gazetteer, posting_cache=unbounded, warm=False)
    plain.search(" OR ".join(COMMON))
    sizes = {key[3]: _entry_bytes(unbounded, key) for key in unbounded.keys()
             if key[2] == "text"}
    assert len(sizes) == len(COMMON)
    budget = sum(sizes.values()) - min(sizes.values()) - 1  # not room for all four
    cache = PostingCache(budget=budget, min_postings=50)
    searcher = SegmentSearcher(path, gazetteer, posting_cache=cache, warm=False)
    reference = SegmentSearcher(path, gazetteer, posting_cache=PostingCache(min_postings=10**9))
    for word in ["the", "de", "the", "la", "of", "the", "de"]:
        results = searcher.search(word, per_page=30)
        assert cache.nbytes <= budget
        assert [(h.video_id, h.start) for h in results.hits] == \
            [(h.video_id, h.start) for h in reference.search(word, per_page=30).hits]
    assert cache.nbytes == sum(_entry_bytes(cache, key) for key in cache.keys())
    # "de" was read last, so it is kept; not all four fit.
    kept = {key[3] for key in cache.keys() if key[2] == "text"}
    assert b"de" in kept and len(kept) < len(COMMON)


def test_a_list_larger_than_the_budget_is_decoded_for_its_query_and_not_kept() -> None:
    cache = PostingCache(budget=100, min_postings=1)
    big = DecodedList(np.arange(1000, dtype=np.int32), np.ones(1000, dtype=np.float32),
                      None, None)
    assert cache.get(("index", "segment", "text", b"the"), lambda: big) is big
    assert len(cache) == 0 and cache.nbytes == 0
    with pytest.raises(ValueError):
        big.ids[0] = 5  # shared between threads: read-only


def test_opening_a_searcher_warms_the_common_words_of_new_segments_once(archive,
                                                                       gazetteer) -> None:
    path, transcripts = archive
    cache = PostingCache(min_postings=100)
    searcher = SegmentSearcher(path, gazetteer, posting_cache=cache)
    searcher.search("zzzunknown")  # opens the searcher: nothing of this query is kept
    warmed = {key[3] for key in cache.keys()}
    assert {b"the", b"de", b"la", b"of"} <= warmed
    assert all(key[2] == "text" for key in cache.keys())
    hits, misses = cache.hits, cache.misses
    assert searcher.search("the").total > 0 and searcher.search("de").total > 0
    assert cache.misses == misses and cache.hits > hits  # read from the warmed lists
    other = SegmentSearcher(path, gazetteer, posting_cache=cache)  # another thread, or app
    other.search("the")
    assert cache.misses == misses  # the segment was warmed once
    kept = set(cache.keys())
    add_many(path, transcripts[-3:], gazetteer)  # a new small segment
    searcher.search("zzzunknown")
    assert cache.misses > misses  # the new segment's common words were decoded...
    assert kept < set(cache.keys())  # ...beside the big one's, which stay
    assert len({key[1] for key in cache.keys()}) == 2
