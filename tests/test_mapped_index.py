"""The searcher's memory. The index read in place over memory maps (mapped.py): no copy of its
files in the process's own memory, the same results as Whoosh's own reading, and a searcher
that keeps reading while a writer's commit deletes the segment files it has open. Each
thread's searcher shares the facet columns of the same index segments (counting.py)."""

from __future__ import annotations

import gc
import io
import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from whoosh import index as whoosh_index
from whoosh.qparser import QueryParser

from bench.synthetic import ArchiveGenerator
from indexer.gazetteer import Gazetteer
from indexer.search_index import SegmentSearcher, add_many, replace_all
from indexer.search_index.counting import leaf_cache
from indexer.search_index.mapped import MappedFile
from indexer.search_index.schema import INDEX_NAME

PASSAGES = 8000  # ~10 MB of index: its copy would stand well above the opening's own costs
WORDS = ["the", "de", "la", "of", "\"of the\""]  # common in this archive (test_posting_cache.py)


@pytest.fixture(scope="module")
def archive(tmp_path_factory, gazetteer: Gazetteer):
    transcripts = list(ArchiveGenerator(11).transcripts(PASSAGES))
    path = tmp_path_factory.mktemp("mapped") / "index"
    add_many(path, transcripts, gazetteer)
    return path, transcripts


def _index_bytes(path: Path) -> int:
    return sum(file.stat().st_size for file in path.iterdir())


def test_the_postings_and_terms_are_read_over_the_map_not_copied(archive, gazetteer) -> None:
    path, _transcripts = archive
    whoosh = SegmentSearcher(path, gazetteer, warm=False)._searcher()
    for leaf, _offset in whoosh.leaf_searchers():
        terms = leaf.reader()._terms
        for file in (terms._postfile, terms._dbfile):
            assert isinstance(file, MappedFile), type(file)
            assert not isinstance(file.raw_file(), io.BytesIO)


def test_mapped_reading_gives_whoosh_s_own_results(archive) -> None:
    path, _transcripts = archive
    mapped = SegmentSearcher(path, Gazetteer({}), warm=False)._searcher()
    with whoosh_index.open_dir(str(path), indexname=INDEX_NAME).searcher() as copied:
        for word in WORDS:
            query = QueryParser("text", copied.schema).parse(word)
            ours = [(hit.docnum, hit.score, hit["video_id"])
                    for hit in mapped.search(query, limit=50)]
            theirs = [(hit.docnum, hit.score, hit["video_id"])
                      for hit in copied.search(query, limit=50)]
            assert ours == theirs and ours, word


# In a fresh process: the anonymous memory (the process's own, not the page cache of the
# mapped files) that opening a searcher adds, the index's imports done beforehand.
_OPENING = """
import json, sys
from pathlib import Path
from indexer.gazetteer import Gazetteer
from indexer.search_index import SegmentSearcher

def anonymous():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("RssAnon:"):
            return int(line.split()[1]) * 1024

searcher = SegmentSearcher(Path(sys.argv[1]), Gazetteer({}), warm=False)
before = anonymous()
searcher.suggestion("opening")  # opens the searcher
print(json.dumps({"opened": anonymous() - before}))
"""


def test_opening_a_searcher_does_not_copy_the_index_into_memory(archive) -> None:
    path, _transcripts = archive
    size = _index_bytes(path)
    done = subprocess.run([sys.executable, "-c", _OPENING, str(path)], check=True,
                          capture_output=True, text=True, cwd=Path(__file__).parent.parent)
    opened = json.loads(done.stdout.splitlines()[-1])["opened"]
    # Whoosh's own reading copies the postings and terms, most of the index.
    assert opened < size / 4, f"opening took {opened} bytes of its own for {size} of index"


# The writer in another process sharing the data dir, as `speechsearch index` beside the site.
_WRITER = """
import sys
from pathlib import Path
from bench.synthetic import ArchiveGenerator
from indexer.gazetteer import Gazetteer
from indexer.search_index import replace_all

transcripts = list(ArchiveGenerator(5).transcripts(600))
replace_all(Path(sys.argv[1]), transcripts[len(transcripts) // 2:], Gazetteer.load())
"""


@pytest.mark.parametrize("writer", ["this process", "another process"])
def test_a_searcher_reads_on_after_a_commit_deletes_its_segment_files(tmp_path, gazetteer,
                                                                        writer) -> None:
    transcripts = list(ArchiveGenerator(5).transcripts(600))  # 600 passages
    old, new = transcripts[:len(transcripts) // 2], transcripts[len(transcripts) // 2:]
    path = tmp_path / "index"
    add_many(path, old, gazetteer)
    site = SegmentSearcher(path, gazetteer, warm=False)
    held = site._searcher()  # the site's searcher, as a request holds it
    old_files = {file.name for file in path.glob("*.seg")}
    assert _mapped_segment_files(path) == old_files
    query = QueryParser("text", held.schema).parse("the")
    before = [(hit.docnum, hit["video_id"]) for hit in held.search(query, limit=None)]

    if writer == "this process":  # the writer's CLEAR merge
        replace_all(path, new, gazetteer)
    else:
        subprocess.run([sys.executable, "-c", _WRITER, str(path)], check=True,
                       cwd=Path(__file__).parent.parent)
    assert old_files and not old_files & {file.name for file in path.glob("*.seg")}

    # The held searcher still reads the unlinked files, stored fields and all...
    assert [(hit.docnum, hit["video_id"]) for hit in held.search(query, limit=None)] == before
    old_videos = {t.video_id for t in old}
    assert before and {video for _docnum, video in before} <= old_videos
    # ...and the next request opens the new index,
    results = site.search("the", per_page=1000)
    assert results.total and {hit.video_id for hit in results.hits} <= {t.video_id for t in new}
    # and once the old searcher is let go, its maps go: the deleted files' space is freed.
    del held
    gc.collect()
    assert _mapped_segment_files(path) == {file.name for file in path.glob("*.seg")}


def _mapped_segment_files(index_dir: Path) -> set[str]:
    """The names of the index's segment files this process maps (deleted ones too)."""
    return {Path(line.split()[5]).name
            for line in Path("/proc/self/maps").read_text().splitlines()
            if len(line.split()) >= 6 and line.split()[5].startswith(str(index_dir))
            and line.split()[5].endswith(".seg")}


def test_each_thread_s_searcher_shares_the_facet_columns(archive, gazetteer) -> None:
    path, _transcripts = archive
    site = SegmentSearcher(path, gazetteer, warm=False)
    seen: list[tuple[dict, list]] = []

    def search() -> None:  # as a waitress thread does, with its own Whoosh searcher
        facets = site.search("the", facets=True).facets
        leaves = [leaf for leaf, _offset in site._searcher().leaf_searchers()]
        seen.append((facets, [leaf_cache(leaf)[("facet-column", "language")]
                              for leaf in leaves]))
    threads = [threading.Thread(target=search) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    (facets, columns), (other_facets, other_columns) = seen
    assert facets["language"] and facets == other_facets
    assert all(a is b for a, b in zip(columns, other_columns, strict=True))
