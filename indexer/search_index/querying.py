"""Reading the index: `SegmentSearcher`, one per app or command, and `query_index`.

A query is parsed (parsing.py), evaluated with arrays over the posting lists
(array_search.py) or, for a shape with no array form (or when the array path is off or
fails: whoosh_internals.py), by Whoosh with a bounded count (counting.py), and its page of hits
made (hits.py).
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from ..gazetteer import Gazetteer
from ..quote_results import QuoteResults
from ..results import QuerySyntaxError, SearchResults, check_source
from . import query_memory
from .array_search import ranked_page, warm
from .counting import TOTAL_BOUND, count_matches
from .hits import crossings, entity_matcher, make_hit, matched_terms
from .list_arrays import shared_lists
from .opening import open_for_reading
from .parsing import (
    checked_query,
    expand_words,
    filters_query,
    indexed_pairs,
    parse_query,
    words_read_stems,
)
from .posting_cache import PostingCache, shared_cache
from .postings import segment_id
from .quoting import check_quote, find_quote
from .require import Require
from .schema import COMMON_WORDS
from .suggesting import suggest

logger = logging.getLogger(__name__)

# Facet -> field, in the order the site shows them; "source": the official text's words or
# the machine transcript's.
FACETS = {"language": "language", "entity": "entities", "speaker": "speaker_key",
          "year": "year", "source": "source"}


class SegmentSearcher:
    """Searches one index for the life of an app or a command.

    Each thread keeps its own Whoosh searcher, reuses it from request to request, and opens a
    new one only when a writer has committed since. Not one shared by all threads: Whoosh's
    readers are not thread-safe (their files are read by seek-then-read at a position they
    share, and they fill caches, e.g. of columns and field lengths, without a lock). A
    thread's searcher costs little, as the index's files are read in place over memory maps
    that every searcher shares (mapped.py), not copied for each.
    Frequent terms' decoded posting lists are kept across queries and threads in
    `posting_cache` (the process's own by default: posting_cache.py); opening a new searcher
    drops those of the index segments a commit merged away and, with `warm`, decodes the
    common words' lists of the new segments (posting_cache.py says why). The memory large
    queries work in is kept from one query to the next (query_memory.py).
    """

    def __init__(self, index_dir: Path, gazetteer: Gazetteer, count_bound: int = TOTAL_BOUND,
                 posting_cache: PostingCache | None = None, warm: bool = True):
        self.index_dir = index_dir
        self.gazetteer = gazetteer
        self.count_bound = count_bound  # for queries Whoosh runs itself (counting.py)
        self.posting_cache = shared_cache() if posting_cache is None else posting_cache
        self._cache_key = str(Path(index_dir).resolve())
        self.warm_on_open = warm
        self._local = threading.local()
        query_memory.keep_freed_memory()  # once per process: query_memory.py says why

    def _searcher(self):
        searcher = getattr(self._local, "searcher", None)
        if searcher is not None:
            if searcher.up_to_date():
                return searcher
            # Not searcher.refresh(): whoosh-reloaded 2.7.5 reuses the old reader of a segment
            # with the same id, deleted-documents list and all, and even adds back segments the
            # commit merged away, so a removed or re-indexed video was still found (or twice).
            searcher.close()
            self._local.searcher = None
        ix = open_for_reading(self.index_dir)  # IndexFormatError: of another format
        if ix is None:
            return None
        searcher = ix.searcher()
        segments = [segment_id(leaf.reader()) for leaf, _offset in searcher.leaf_searchers()]
        self.posting_cache.retain(self._cache_key, segments)
        shared_lists().retain(self._cache_key, segments)
        if self.warm_on_open:
            warm(searcher, self.posting_cache, self._cache_key, COMMON_WORDS)
        # The pairs marker is written only together with a commit: read it when the searcher
        # is opened or refreshed, not on every query.
        self._local.searcher = searcher
        self._local.pairs = indexed_pairs(self.index_dir, searcher.schema)
        self._local.words_read_stems = words_read_stems(searcher.schema, searcher.reader())
        return searcher

    def search(self, text: str, language: str | None = None, entity: str | None = None,
               speaker: str | None = None, year: str | None = None, page: int = 1,
               per_page: int = 20, facets: bool = False,
               source: str | None = None) -> SearchResults:
        """Segments best first, one page; the total and, with `facets`, the counts per
        facet value: exact (array_search.py), or for a query with no array form up to
        counting.TOTAL_BOUND matches (see counting.py). `source`: "official" or "asr" only.

        Raises QuerySyntaxError for a query it cannot read, or an unknown source.
        """
        searcher = self._searcher()
        if searcher is None:
            checked_query(text)  # a bad query is an error even on an empty archive
            if source:
                check_source(source)
            return SearchResults(query=text, total=0, page=page, per_page=per_page)
        parsed, query = self._query(searcher, text, language, entity, speaker, year, source)
        fields = ({name: field for name, field in FACETS.items() if field in searcher.schema}
                  if facets else None)
        # With arrays; else (no array form, the fast path off or failing) by Whoosh itself.
        top, matches = (ranked_page(searcher, query, page * per_page, fields,
                                    self.posting_cache, self._cache_key)
                        or self._whoosh_search(searcher, query, page * per_page, fields))
        matched = matched_terms(parsed, searcher.reader())
        is_wanted = entity_matcher(self.gazetteer, matched)
        phrases = crossings(parsed)
        hits = [make_hit(searcher.schema, searcher.stored_fields(docnum), score, matched,
                         is_wanted, phrases)
                for docnum, score in top[(page - 1) * per_page:page * per_page]]
        # After the thread's first search, whose lazily read columns stay: then what a large
        # query needs is put in reserve once (query_memory.py).
        query_memory.reserve(searcher.doc_count_all())
        return SearchResults(query=text, total=matches.total, hits=hits, page=page,
                             per_page=per_page, facets=matches.facets,
                             total_is_lower_bound=matches.total_is_lower_bound)

    def whoosh_query(self, text: str, language: str | None = None, entity: str | None = None,
                     speaker: str | None = None, year: str | None = None,
                     source: str | None = None):
        """The query as parsed, and with the filters: what `search` runs."""
        return self._query(self._searcher(), text, language, entity, speaker, year, source)

    def _query(self, searcher, text: str, language: str | None, entity: str | None,
               speaker: str | None, year: str | None, source: str | None = None):
        lookup = self.gazetteer.lookup
        parsed = expand_words(parse_query(searcher.schema, text, lookup, self._local.pairs,
                                          self._local.words_read_stems),
                              searcher.reader())
        filters = filters_query(language, entity, speaker, year, lookup, source)
        # Require: the filter narrows the matches without scoring them (with Whoosh, it
        # leapfrogs along its postings instead of first listing every segment it matches).
        return parsed, (Require(parsed, filters) if filters else parsed)

    def _whoosh_search(self, searcher, query, limit: int, fields: dict[str, str] | None):
        """The top of the ranking by Whoosh (block-quality skipping, no total), and the total
        and facets counted up to the bound (counting.py)."""
        results = searcher.search(query, limit=limit, optimize=True)
        top = [(hit.docnum, hit.score) for hit in results[:limit]]
        return top, count_matches(searcher, query, fields, self.count_bound)

    def quote(self, text: str, language: str | None = None, limit: int = 10) -> QuoteResults:
        """Where a quote as remembered was most likely said (quoting.py); no hit is "nothing
        close". Raises QuoteError for a quote of too few or too many words."""
        searcher = self._searcher()
        if searcher is None:
            check_quote(text)  # a bad quote is an error even on an empty archive
            return QuoteResults(query=text)
        return find_quote(searcher, text, language=language, limit=limit)

    def suggestion(self, text: str) -> str | None:
        """The query with each unknown word replaced by the closest word said in the archive."""
        searcher = self._searcher()
        if searcher is None:
            return None
        try:
            text = checked_query(text)
        except QuerySyntaxError:
            return None
        return suggest(searcher, text)  # against the words as said, not their stems


def query_index(index_dir: Path, text: str, gazetteer: Gazetteer, language: str | None = None,
                entity: str | None = None, page: int = 1, per_page: int = 20,
                source: str | None = None) -> SearchResults:
    """One-off search (the CLI): the same code path as the site's SegmentSearcher."""
    return SegmentSearcher(index_dir, gazetteer).search(text, language=language, entity=entity,
                                                        page=page, per_page=per_page,
                                                        source=source)

