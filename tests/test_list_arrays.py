"""Long posting lists written beside each index segment as raw arrays (list_arrays.py,
list_writing.py): the same postings as Whoosh's blocks, read without decoding on a first
search, deletions applied, the index still Whoosh's own, the files following the segments
through merges, and a missing or damaged file read from Whoosh's blocks instead. A real index
of the benchmark's synthetic archive, searched through `SegmentSearcher` as the site does."""

from __future__ import annotations

import logging

import numpy as np
import pytest
from whoosh import index as whoosh_index
from whoosh.query import Term

from bench.synthetic import ArchiveGenerator
from indexer.gazetteer import Gazetteer
from indexer.search_index import (
    INDEX_NAME,
    SegmentSearcher,
    add_many,
    list_writing,
    remove_from_index,
    replace_all,
)
from indexer.search_index.array_search import rank
from indexer.search_index.list_arrays import SUFFIX, ListArrays, path_of
from indexer.search_index.posting_cache import PostingCache
from indexer.search_index.postings import SegmentPostings, segment_id

SEGMENTS = 3000
LONG = 100  # the archive is small: its lists of 100 postings stand for 1M's of 1,024


@pytest.fixture(autouse=True)
def _long_lists_of_this_archive(monkeypatch) -> None:
    monkeypatch.setattr(list_writing, "MIN_POSTINGS", LONG)


@pytest.fixture()
def archive(tmp_path, gazetteer: Gazetteer, _long_lists_of_this_archive):
    transcripts = list(ArchiveGenerator(7).transcripts(SEGMENTS))
    path = tmp_path / "index"
    add_many(path, transcripts[:len(transcripts) // 2], gazetteer)
    add_many(path, transcripts[len(transcripts) // 2:-3], gazetteer)  # a second segment
    return path, transcripts


def _leaves(searcher: SegmentSearcher):
    return [leaf.reader() for leaf, _offset in searcher._searcher().leaf_searchers()]


def _frequent_content_word(searcher: SegmentSearcher) -> str:
    reader = searcher._searcher().reader()
    return max((reader.doc_frequency("text", term), term.decode())
               for term in reader.lexicon("text") if len(term) >= 6)[1]


def _same_as_whoosh(searcher: SegmentSearcher, text: str, cache: PostingCache) -> int:
    whoosh = searcher._searcher()
    _parsed, query = searcher.whoosh_query(text)
    ranked = rank(whoosh, query, cache, searcher._cache_key)
    reference = dict((hit.docnum, hit.score) for hit in whoosh.search(query, limit=None))
    assert set(ranked.ids.tolist()) == set(reference), text
    for doc, score in zip(ranked.ids.tolist(), ranked.scores.tolist()):
        assert score == pytest.approx(reference[doc], rel=1e-9), (text, doc)
    return len(reference)


def test_each_segment_has_its_long_lists_as_whoosh_s_blocks_say(archive, gazetteer) -> None:
    path, _transcripts = archive
    searcher = SegmentSearcher(path, gazetteer, posting_cache=PostingCache())
    leaves = _leaves(searcher)
    assert len(leaves) == 2
    for reader in leaves:
        lists = ListArrays(path_of(path, segment_id(reader)))
        postings = SegmentPostings(reader)
        long = [(name, term) for name in reader.schema.names() if reader.schema[name].indexed
                for term, info in reader.iter_field(name) if info.doc_frequency() >= LONG]
        assert len(long) > 20 and len(lists) == len(long)
        assert {"text", "text_pairs", "text_bridge", "language"} <= {name for name, _ in long}
        for name, term in long:
            mapped, decoded = lists.get(name, term), postings.decode_whole(name, term)
            for got, wanted in zip([mapped.ids, mapped.weights, mapped.starts,
                                    mapped.positions],
                                   [decoded.ids, decoded.weights, decoded.starts,
                                    decoded.positions]):
                assert (got is None) == (wanted is None), (name, term)
                if got is not None:
                    assert np.array_equal(got, wanted), (name, term)
        assert lists.get("text", b"zzzunknown") is None


def test_a_first_search_of_a_frequent_word_decodes_nothing(archive, gazetteer) -> None:
    """The tail this is for: a frequent word's first search since the searcher was opened
    decoded its lists from Whoosh's blocks (a cache miss); now they are slices."""
    path, _transcripts = archive
    cache = PostingCache(min_postings=LONG)
    searcher = SegmentSearcher(path, gazetteer, posting_cache=cache, warm=False)
    word = _frequent_content_word(searcher)
    assert searcher.search(word).total > LONG
    assert cache.misses == 0 and len(cache) == 0
    for text in (word, '"de la"', f"{word} the", '"of the"'):
        assert _same_as_whoosh(searcher, text, cache) > 0
    assert cache.misses == 0


def test_deleted_documents_are_not_found_through_the_arrays(archive, gazetteer) -> None:
    path, transcripts = archive
    searcher = SegmentSearcher(path, gazetteer, posting_cache=PostingCache())
    word = _frequent_content_word(searcher)
    video = next(t.video_id for t in transcripts[:50]
                 if any(word in s.text.lower() for s in t.segments))
    before = searcher.search(word, per_page=10_000)
    assert video in {hit.video_id for hit in before.hits}
    remove_from_index(path, video)
    after = searcher.search(word, per_page=10_000)
    assert video not in {hit.video_id for hit in after.hits}
    assert 0 < after.total < before.total
    assert _same_as_whoosh(searcher, word, PostingCache()) == after.total


def test_whoosh_reads_the_index_and_the_files_follow_its_segments(archive, gazetteer) -> None:
    path, transcripts = archive
    ours = SegmentSearcher(path, gazetteer, posting_cache=PostingCache())
    word = _frequent_content_word(ours)
    ix = whoosh_index.open_dir(str(path), indexname=INDEX_NAME)  # Whoosh alone, the fallback
    with ix.searcher() as whoosh:
        assert whoosh.search(Term("text", word), limit=None).scored_length() > LONG
    old = {p.name for p in path.glob(f"*{SUFFIX}")}
    assert len(old) == 2
    replace_all(path, transcripts, gazetteer)  # one new segment in place of both
    new = {p.name for p in path.glob(f"*{SUFFIX}")}
    assert len(new) == 1 and not new & old  # Whoosh deleted the merged segments' files
    (segment,) = [segment_id(reader) for reader in _leaves(ours)]
    assert new == {path_of(path, segment).name}
    assert _same_as_whoosh(ours, word, PostingCache()) > LONG


def test_a_missing_or_damaged_file_is_read_from_whoosh_s_blocks(archive, gazetteer,
                                                               caplog) -> None:
    path, transcripts = archive
    files = sorted(path.glob(f"*{SUFFIX}"))
    files[0].write_bytes(files[0].read_bytes()[:1000])  # damaged
    files[1].unlink()  # missing: a crash after the commit, or an index made before them
    (path / f".{files[1].name}.tmp").write_bytes(b"half")  # that crash's leftover
    cache = PostingCache(min_postings=LONG)
    searcher = SegmentSearcher(path, gazetteer, posting_cache=cache, warm=False)
    word = _frequent_content_word(searcher)
    with caplog.at_level(logging.ERROR):
        assert _same_as_whoosh(searcher, word, cache) > LONG
    assert cache.misses > 0  # decoded from the blocks instead
    assert "is not a lists file" in caplog.text
    add_many(path, transcripts[-3:], gazetteer)  # the next commit writes them again
    assert len(ListArrays(files[0])) and len(ListArrays(files[1]))
    assert not (path / f".{files[1].name}.tmp").exists()


def test_files_of_a_higher_threshold_are_written_again_with_the_shorter_lists(
        archive, monkeypatch) -> None:
    # An index whose files were written when only longer lists were kept (1,024 postings
    # before 256): the next commit writes them again, once, so mid-frequency lists are read
    # as arrays too (a phrase of mid-frequency words decoded their blocks each time).
    path, _transcripts = archive
    before = {file.name: ListArrays(file) for file in path.glob(f"*{SUFFIX}")}
    assert before and all(lists.min_postings == LONG for lists in before.values())
    monkeypatch.setattr(list_writing, "MIN_POSTINGS", LONG // 2)
    assert list_writing.write_missing(path) == len(before)
    after = {file.name: ListArrays(file) for file in path.glob(f"*{SUFFIX}")}
    assert set(after) == set(before)
    for name, lists in after.items():
        assert lists.min_postings == LONG // 2 and len(lists) > len(before[name])
    assert list_writing.write_missing(path) == 0  # written once
