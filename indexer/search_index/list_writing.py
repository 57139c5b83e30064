"""Writing the `.lists` files of an index's segments after a commit (list_arrays.py says
what they are and why)."""

from __future__ import annotations

import logging
from pathlib import Path

from .list_arrays import SUFFIX, ListArrays, path_of, write
from .opening import open_for_reading
from .postings import SegmentPostings, segment_id
from .whoosh_internals import FAST_PATH, NoArrayForm

logger = logging.getLogger(__name__)

# Lists of two blocks or more. At 1,024 (the posting cache's threshold) a phrase of
# mid-frequency words ("de Terres australes françaises") decoded the blocks of each word for
# each of the forms it is searched in (the words, the stems, the entity, two index segments):
# 24 lists of ~800 postings, ~0.6 ms each, the slowest phrase of the 1M benchmark (28 ms;
# 11 ms with these lists as arrays). The files grow by ~18 % (+5 % of the index) at 1M.
MIN_POSTINGS = 256  # at most posting_cache.MIN_POSTINGS: what the cache keeps is in the file


def long_lists(reader, min_postings: int):
    """(field, term, DecodedList) of each list of at least `min_postings` postings of one
    index segment (a leaf reader), decoded from Whoosh's blocks; deletions not applied."""
    postings = SegmentPostings(reader)
    for fieldname in reader.schema.names():
        if not reader.schema[fieldname].indexed:
            continue
        for btext, info in reader.iter_field(fieldname):
            if info.doc_frequency() >= min_postings:
                try:
                    yield fieldname, btext, postings.decode_whole(fieldname, btext)
                except NoArrayForm:  # stored another way: Whoosh reads it as before
                    logger.debug("%s %r: no arrays", fieldname, btext)


def _current(path: Path) -> bool:
    """Whether the file is there, readable, and holds every list of `MIN_POSTINGS`."""
    try:
        kept = ListArrays(path).min_postings
    except FileNotFoundError:
        return False
    except (OSError, ValueError) as exc:
        logger.warning("%s is damaged (%s): written again", path, exc)
        return False
    if kept > MIN_POSTINGS:
        logger.info("%s holds lists of %d postings or more: written again with those of %d",
                    path.name, kept, MIN_POSTINGS)
        return False
    return True


def write_missing(index_dir: Path) -> int:
    """Write the `.lists` file, with its lists of at least `MIN_POSTINGS` postings, of each
    segment of the index that lacks one, whose file is damaged, or whose file was written
    when only longer lists were kept (after a commit, under the writer's turn); returns how
    many files were written. Leftovers of a write that crashed
    are removed (no other writer runs meanwhile)."""
    if not FAST_PATH:  # another Whoosh version: its blocks are not read here
        return 0
    for leftover in index_dir.glob(f".*{SUFFIX}.tmp"):
        leftover.unlink(missing_ok=True)
    ix = open_for_reading(index_dir)
    if ix is None:
        return 0
    written = 0
    with ix.reader() as reader:
        for leaf, _offset in reader.leaf_readers():
            segment = segment_id(leaf)
            path = path_of(index_dir, segment)
            if segment and not _current(path):
                count = write(path, long_lists(leaf, MIN_POSTINGS), MIN_POSTINGS)
                logger.info("%s: %d long posting lists written as arrays", path.name, count)
                written += 1
    return written
