"""Opening the index, and its format version, stored beside it.

An index is only right for the code that reads it in the way it was written: its fields,
their analyzers, which of its documents have which fields. Those changed over time, so the
index says which format it is in (`format.json` in the index folder, written atomically when
the index is made and after a rebuild), and an index of another format is refused with a
message that says how to rebuild it (`speechsearch reindex`, reindex.rebuild_index), rather
than read half right. Formats so far:

1. the first index (numbers in `seg`, `start`, `end`, a `doc_id` field; no `text_pairs`);
2. `text_pairs` for phrases of common words, `seg`, `start`, `end` stored only;
3. the stem fields fold accents before stemming (plain words read the stems alone);
4. one document per passage of `Transcript.reading()` (the official text's where one is
   attached, else the machine transcript's), each with its `source` ("official" or "asr"):
   for the source filter, query field and facet;
5. the stems also with positions (`phrase_stem_<lang>`: a phrase also matches its words'
   other forms), and each passage indexes the words around its boundary with the next one
   (`text_bridge`, `text_bridge_pair`: phrases across two passages).

An index of an older format is rebuilt from the transcripts, the archive's source of truth
(`speechsearch reindex`); `index` and `serve` do so by themselves when `needs_rebuild` says
so (reindex.rebuild_if_older).

Indexes made before the version was stored have no file. One of today's layout (the fields
and analyzers of `make_schema`, and not the marker `PAIRS_INCOMPLETE` that said "these old
documents lack their pairs") is of the current format: it gets the file on first open, so
that nobody has to rebuild an index the current code made. Any other is of an older format.
An index of an older format that holds no document is brought to the current fields in place
when opened for writing (there is nothing to rebuild), and read as it is.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from pathlib import Path

from whoosh import index as whoosh_index

from ..errors import SpeechSearchError
from ..language import DEFAULT_LANGUAGES
from ..store import write_json_atomic
from .mapped import open_mapped
from .schema import INDEX_NAME, PAIRS_INCOMPLETE, make_schema

logger = logging.getLogger(__name__)

FORMAT_VERSION = 5
FORMAT_FILE = "format.json"


class IndexFormatError(SpeechSearchError):
    """The index was made in a format this version does not read."""

    def __init__(self, index_dir: Path, found: int | None, unreadable: str = ""):
        self.index_dir, self.found = index_dir, found
        if unreadable:
            what = f"has an unreadable {FORMAT_FILE} ({unreadable})"
        elif found is None:
            what = "was made by an older version of SpeechSearch (before format numbers)"
        elif found > FORMAT_VERSION:
            what = f"was made by a newer version of SpeechSearch (format {found})"
        else:
            what = f"was made by an older version of SpeechSearch (format {found})"
        super().__init__(
            f"The index in {index_dir} {what}; this version reads format {FORMAT_VERSION}. "
            "Run `speechsearch reindex` to rebuild it from the transcripts.")


def write_format(index_dir: Path) -> None:
    """Record that the index in `index_dir` is of the current format."""
    write_json_atomic(index_dir / FORMAT_FILE, {"format": FORMAT_VERSION})


def stored_format(index_dir: Path) -> int | None:
    """The format the index's file records, None when it has none (made before the file)."""
    path = index_dir / FORMAT_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except ValueError as exc:
        raise IndexFormatError(index_dir, None, str(exc)) from exc
    found = data.get("format") if isinstance(data, dict) else None
    if not isinstance(found, int):
        raise IndexFormatError(index_dir, None, "no format number in it")
    return found


def _same_field(field, wanted) -> bool:
    # Whoosh's own field equality compares formats and flags, not the kind of field nor its
    # analyzer (a stem field that stems before folding equals one that folds first).
    return (type(field) is type(wanted) and field == wanted
            and getattr(field, "analyzer", None) == getattr(wanted, "analyzer", None))


def has_current_layout(index_dir: Path, schema) -> bool:
    """Whether an index without a format file is of the current format: exactly the fields
    and analyzers `make_schema` gives for its stem languages, every document with its pairs."""
    languages = [name[len("stem_"):] for name in schema.names() if name.startswith("stem_")]
    wanted = make_schema(languages)
    return (not (index_dir / PAIRS_INCOMPLETE).exists()
            and sorted(schema.names()) == sorted(wanted.names())
            and all(_same_field(schema[name], wanted[name]) for name in wanted.names()))


def _checked(index_dir: Path, ix, for_writing: bool):
    """`ix` if its format is the current one (recognising today's unversioned indexes);
    raises IndexFormatError otherwise, except for an older index with no documents."""
    found = stored_format(index_dir)
    if found == FORMAT_VERSION:
        return ix
    if found is None and has_current_layout(index_dir, ix.schema):
        try:
            write_format(index_dir)
        except OSError as exc:  # e.g. a site whose data dir is read-only: it still searches
            logger.warning("index %s is of format %d, but %s could not be written: %s",
                           index_dir, FORMAT_VERSION, FORMAT_FILE, exc)
        else:
            logger.info("index %s: recorded as format %d", index_dir, FORMAT_VERSION)
        return ix
    if found is None and not ix.doc_count():
        return _emptied_to_current(index_dir, ix) if for_writing else ix
    raise IndexFormatError(index_dir, found)


def _emptied_to_current(index_dir: Path, ix):
    """An older index without documents, given the current fields under the write lock."""
    languages = [name[len("stem_"):] for name in ix.schema.names() if name.startswith("stem_")]
    wanted = make_schema(languages)
    with ix.writer(timeout=60.0) as writer:
        for name in ix.schema.names():
            if name not in wanted or not _same_field(ix.schema[name], wanted[name]):
                writer.remove_field(name)
        for name in wanted.names():
            if name not in writer.schema:
                writer.add_field(name, wanted[name])
    (index_dir / PAIRS_INCOMPLETE).unlink(missing_ok=True)
    write_format(index_dir)
    logger.info("index %s: empty, brought to format %d", index_dir, FORMAT_VERSION)
    return whoosh_index.open_dir(str(index_dir), indexname=INDEX_NAME)


def open_for_reading(index_dir: Path):
    """The index, None if there is none yet; IndexFormatError for one of another format.

    Its segment files are read in place over memory maps, not copied (mapped.py)."""
    if not whoosh_index.exists_in(str(index_dir), indexname=INDEX_NAME):
        return None
    return _checked(index_dir, open_mapped(str(index_dir), INDEX_NAME), for_writing=False)


def needs_rebuild(index_dir: Path) -> bool:
    """Whether the index in `index_dir` is one this version refuses (IndexFormatError): of
    another format, with documents. False when there is no index, or a current one."""
    try:
        open_for_reading(index_dir)
    except IndexFormatError:
        return True
    return False


def open_index(index_dir: Path, languages: Sequence[str] = DEFAULT_LANGUAGES):
    """Open the index for writing: create it, or add stem fields for new archive languages.

    IndexFormatError for an index of another format (see the module docstring)."""
    index_dir.mkdir(parents=True, exist_ok=True)
    if not whoosh_index.exists_in(str(index_dir), indexname=INDEX_NAME):
        ix = whoosh_index.create_in(str(index_dir), make_schema(languages),
                                    indexname=INDEX_NAME)
        write_format(index_dir)
        return ix
    ix = _checked(index_dir, whoosh_index.open_dir(str(index_dir), indexname=INDEX_NAME),
                  for_writing=True)
    wanted = make_schema(languages)
    missing = [name for name in wanted.names() if name not in ix.schema]
    if missing:  # new archive languages: their stem fields
        with ix.writer(timeout=60.0) as writer:
            for name in missing:
                writer.add_field(name, wanted[name])
        ix = whoosh_index.open_dir(str(index_dir), indexname=INDEX_NAME)
    return ix


def open_whatever_format(index_dir: Path):
    """The index as Whoosh opens it, of any format (for a rebuild), None if there is none."""
    if not whoosh_index.exists_in(str(index_dir), indexname=INDEX_NAME):
        return None
    return whoosh_index.open_dir(str(index_dir), indexname=INDEX_NAME)
