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
    ix = whoosh_index.open_dir(str(index_dir), indexname=INDEX_NAME)
    with ix.reader() as reader:
        postings = {}
        for fieldname, term in reader.all_terms():
            matcher = reader.postings(fieldname, term)
            found = []
            while matcher.is_active():
                found.append((matcher.id(), matcher.weight(), matcher.value()))
                matcher.next()
            postings[fieldname, term] = found
        names = [n for n in ix.schema.names() if ix.schema[n].scorable]
        lengths = {(n, d): reader.doc_field_length(d, n)
                   for d in range(reader.doc_count_all()) for n in names}
        stored = list(reader.all_stored_fields())
    return {"postings": postings, "lengths": lengths, "stored": stored}


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
    ours = _contents(tmp_path / "index")
    assert len(ours["postings"]) > 10_000  # every field's terms, the bridges' included
    assert ours["postings"].keys() == whoosh_s_own["postings"].keys()
    differing = [key for key, found in ours["postings"].items()
                 if found != whoosh_s_own["postings"][key]]
    assert not differing, differing[:5]
    assert ours["lengths"] == whoosh_s_own["lengths"]
    assert ours["stored"] == whoosh_s_own["stored"]


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
