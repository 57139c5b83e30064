"""Bulk writing (indexer/search_index/bulk_writer.py) writes the index Whoosh's own writer
writes: every posting (document, weight, value bytes), every stored field and field length,
compared on the same archive, written once each way."""

from __future__ import annotations

from pathlib import Path

import pytest
from whoosh import index as whoosh_index

from bench.synthetic import ArchiveGenerator
from indexer.gazetteer import Gazetteer
from indexer.search_index import INDEX_NAME, add_many, bulk_writer, whoosh_internals

SEED = 7


def _archive():
    return list(ArchiveGenerator(SEED).transcripts(900))


def _contents(index_dir: Path) -> dict:
    """Every posting, length and stored field, each document named by (video, passage): a
    parallel build numbers the documents in the order its processes happen to finish."""
    ix = whoosh_index.open_dir(str(index_dir), indexname=INDEX_NAME)
    with ix.reader() as reader:
        stored = list(reader.all_stored_fields())
        key = [(doc["video_id"], doc["seg"]) for doc in stored]
        postings = {}
        for fieldname, term in reader.all_terms():
            matcher = reader.postings(fieldname, term)
            found = []
            while matcher.is_active():
                found.append((key[matcher.id()], matcher.weight(), matcher.value()))
                matcher.next()
            postings[fieldname, term] = sorted(found)
        names = [n for n in ix.schema.names() if ix.schema[n].scorable]
        lengths = {(n, key[d]): reader.doc_field_length(d, n)
                   for d in range(reader.doc_count_all()) for n in names}
    return {"postings": postings, "lengths": lengths,
            "stored": sorted(stored, key=lambda doc: (doc["video_id"], doc["seg"]))}


def _same(ours: dict, whoosh_s: dict) -> None:
    assert len(ours["postings"]) > 10_000  # every field's terms, the bridges' included
    assert ours["postings"].keys() == whoosh_s["postings"].keys()
    differing = [key for key, found in ours["postings"].items()
                 if found != whoosh_s["postings"][key]]
    assert not differing, differing[:5]
    assert ours["lengths"] == whoosh_s["lengths"]
    assert ours["stored"] == whoosh_s["stored"]


@pytest.fixture(scope="module")
def whoosh_s_own(tmp_path_factory, gazetteer: Gazetteer) -> dict:
    folder = tmp_path_factory.mktemp("whoosh") / "index"
    patch = pytest.MonkeyPatch()
    patch.setattr(whoosh_internals, "FAST_PATH", False)
    try:
        add_many(folder, _archive(), gazetteer, parallel=False)
    finally:
        patch.undo()
    return _contents(folder)


def test_bulk_writing_writes_what_whoosh_s_own_writer_writes(
        tmp_path: Path, gazetteer: Gazetteer, whoosh_s_own: dict) -> None:
    assert whoosh_internals.FAST_PATH
    add_many(tmp_path / "index", _archive(), gazetteer, parallel=False)
    _same(_contents(tmp_path / "index"), whoosh_s_own)


def test_a_parallel_build_writes_the_same(tmp_path: Path, gazetteer: Gazetteer,
                                          whoosh_s_own: dict) -> None:
    """Whoosh's writer processes (add_many's `parallel`, the default from 20k segments)
    write with the bulk writer too."""
    add_many(tmp_path / "index", _archive(), gazetteer, parallel=True)
    ix = whoosh_index.open_dir(str(tmp_path / "index"), indexname=INDEX_NAME)
    assert len(ix._segments()) == 2  # both processes wrote
    _same(_contents(tmp_path / "index"), whoosh_s_own)


def test_small_posting_blocks_are_stored_plain_and_read_back(tmp_path: Path,
                                                              gazetteer: Gazetteer) -> None:
    """Whoosh compresses every block (a bug: it means to skip small ones); bulk writing
    leaves blocks of few postings plain, which Whoosh reads by the level in each header."""
    add_many(tmp_path / "index", _archive()[:1], gazetteer, parallel=False)
    ix = whoosh_index.open_dir(str(tmp_path / "index"), indexname=INDEX_NAME)
    with ix.reader() as reader:
        levels: dict[bool, set[int]] = {}
        for fieldname, term in reader.all_terms():
            matcher = reader.postings(fieldname, term)
            small = len(list(matcher.all_ids())) <= bulk_writer.PLAIN_BLOCK_POSTINGS
            levels.setdefault(small, set()).add(reader.postings(fieldname, term)._compression)
    assert levels == {True: {0}, False: {3}}
