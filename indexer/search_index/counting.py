"""How many segments match, and the facets, without scoring every match.

Scoring is only for the page shown: Whoosh's top-N collector can skip whole posting blocks that
cannot reach it (block quality). What remains is the total and the facets. Both come from one
unscored walk over the matching segment numbers that stops after TOTAL_BOUND of them: up to
there the total and the facets are exact; beyond it the total is a lower bound ("more than
10,000") and the facets count the first TOTAL_BOUND matches in index order. Before, the
exact total was a second full pass over every match, and the facets a scored one, at 30-90k
matches for common content words on a 1M-segment archive.

Facets are array lookups: each segment of the index gets, once, the value number of every
document for each single-valued facet field and the (document, value) pairs of the
multi-valued entity field, shared by every thread's searcher of that segment and kept while
one holds it; a query's counts are then one numpy bincount per facet over its matched
documents.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass
from itertools import islice

import numpy as np

from .postings import segment_id

# Counted exactly up to here; the UI and the API say "more than" beyond.
TOTAL_BOUND = 10_000


# Per leaf searcher: what is read once per index segment (facet columns, array_search's
# postings and lengths). Whoosh's searcher is opened anew after a commit (querying.py), so an
# entry lives exactly as long as the segment view it was read from. Ours, not Whoosh's
# private `_field_caches`: the counting here must work on any Whoosh version.
_LEAF_CACHES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

# Facet columns by (index segment, field), shared by every thread's searcher: a segment never
# changes once written (a commit writes new ones; deletions are applied by the matches, not
# here), and each column is tens of MB at 1M passages, which each of waitress's 8 threads
# read again for itself before. Weak: a column goes with the last searcher that holds it.
_SHARED_COLUMNS: weakref.WeakValueDictionary = weakref.WeakValueDictionary()
_SHARED_LOCK = threading.Lock()


def leaf_cache(leaf_searcher) -> dict:
    """The cache of one leaf searcher. No lock: each searcher is one thread's (querying.py),
    so no two threads ever fill the same entry."""
    cache = _LEAF_CACHES.get(leaf_searcher)
    if cache is None:
        cache = _LEAF_CACHES[leaf_searcher] = {}
    return cache


@dataclass
class _FacetColumn:
    """One facet field of one index segment: values, and each document's value numbers."""

    values: list[str]
    docs: np.ndarray  # documents, one per (document, value) pair
    codes: np.ndarray  # value numbers, same length

    @classmethod
    def read(cls, reader, fieldname: str) -> _FacetColumn:
        values, docs, codes = [], [], []
        for code, term in enumerate(reader.lexicon(fieldname)):
            values.append(term.decode() if isinstance(term, bytes) else str(term))
            ids = np.fromiter(reader.postings(fieldname, term).all_ids(), dtype=np.int64)
            docs.append(ids)
            codes.append(np.full(len(ids), code, dtype=np.int64))
        if not docs:
            return cls([], np.zeros(0, np.int64), np.zeros(0, np.int64))
        return cls(values, np.concatenate(docs), np.concatenate(codes))

    def counts(self, matched: np.ndarray) -> dict[str, int]:
        if not len(self.docs) or not matched.any():
            return {}
        found = np.bincount(self.codes[matched[self.docs]], minlength=len(self.values))
        return {self.values[i]: int(found[i]) for i in np.flatnonzero(found) if self.values[i]}


def _shared_column(reader, name: str) -> _FacetColumn:
    """The column of `name` in the reader's index segment, read once for all threads (two
    threads asking at once may both read it; one copy is kept)."""
    key = (segment_id(reader), name)
    if not key[0]:  # an empty index's reader: nothing to share
        return _FacetColumn.read(reader, name)
    with _SHARED_LOCK:
        column = _SHARED_COLUMNS.get(key)
    if column is None:
        column = _FacetColumn.read(reader, name)
        with _SHARED_LOCK:
            column = _SHARED_COLUMNS.setdefault(key, column)
    return column


def _columns(leaf_searcher, fieldnames: list[str]) -> dict[str, _FacetColumn]:
    """The facet columns of one index segment, kept on its searcher until it is refreshed."""
    cache = leaf_cache(leaf_searcher)
    out = {}
    for name in fieldnames:
        key = ("facet-column", name)
        if key not in cache:
            cache[key] = _shared_column(leaf_searcher.reader(), name)
        out[name] = cache[key]
    return out


@dataclass
class Matches:
    total: int
    total_is_lower_bound: bool
    facets: dict[str, dict[str, int]]  # facet -> value -> segments, most first


def _add_facets(totals: dict[str, dict[str, int]], leaf, docs: np.ndarray,
                facets: dict[str, str]) -> None:
    matched = np.zeros(leaf.reader().doc_count_all(), dtype=bool)
    matched[docs] = True
    columns = _columns(leaf, list(facets.values()))
    for name, field in facets.items():
        for value, count in columns[field].counts(matched).items():
            totals[name][value] = totals[name].get(value, 0) + count


def _ordered(totals: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
    return {name: dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
            for name, counts in totals.items()}


def count_listed(searcher, ids: np.ndarray, facets: dict[str, str] | None = None) -> Matches:
    """The total and the `facets` of matches already listed (ascending global document
    numbers, as array_search gives them): exact, however many."""
    totals: dict[str, dict[str, int]] = {name: {} for name in facets or {}}
    if facets and len(ids):
        for leaf, offset in searcher.leaf_searchers():
            end = offset + leaf.reader().doc_count_all()
            docs = ids[np.searchsorted(ids, offset):np.searchsorted(ids, end)] - offset
            if len(docs):
                _add_facets(totals, leaf, docs, facets)
    return Matches(len(ids), False, _ordered(totals))


def count_matches(searcher, query, facets: dict[str, str] | None = None,
                  bound: int = TOTAL_BOUND) -> Matches:
    """Count the segments `query` matches up to `bound`, and the `facets` (name -> field)
    over those segments, without scoring."""
    totals: dict[str, dict[str, int]] = {name: {} for name in facets or {}}
    seen = 0
    for leaf, _offset in searcher.leaf_searchers():
        # One more than the bound tells that there are more.
        ids = np.fromiter(islice(query.docs(leaf), bound + 1 - seen), dtype=np.int64)
        counted = ids[:bound - seen]
        seen += len(ids)
        if facets and len(counted):
            _add_facets(totals, leaf, counted, facets)
        if seen > bound:
            break
    return Matches(min(seen, bound), seen > bound, _ordered(totals))
