"""Queries evaluated a posting list at a time with numpy, scored as Whoosh scores them.

Whoosh ranks by walking every match in Python (postings.py says why that is the whole cost
on this archive). Here each term of the query becomes arrays of document numbers and BM25F
scores, computed with the same formula and the same global statistics as Whoosh's BM25F
(idf and average field length over the whole index), and the query tree combines them:
OR adds the scores of the documents in any part, AND of the documents in all, NOT removes,
a filter (`Require`) keeps its scored side's scores. The ranking is Whoosh's: score, then
document number. The total and the facets come with it, exact whatever the number of matches.

Prefixes and fuzzy words arrive as the OR of their words (parsing.expand_words). Exact
phrases have their own array form (phrases.py). Wildcards, ranges and phrases with slop are
run by Whoosh's own matcher on each index segment, and their (document, score) pairs join
the arrays; queries of a shape this module does not know (a NOT alone, a scaled OR) raise
`NoArrayForm` and the caller runs the query with Whoosh alone.
"""

from __future__ import annotations

import logging
import threading
import traceback
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from whoosh import query as Q

from . import whoosh_internals
from .counting import Matches, count_listed, leaf_cache
from .list_arrays import shared_lists
from .phrases import phrase_documents
from .posting_cache import PostingCache
from .postings import SegmentPostings, segment_id
from .scored import NOTHING, Scored, boosted, intersection, union, within
from .whoosh_internals import NoArrayForm, bm25f_parameters

logger = logging.getLogger(__name__)


class _SegmentEvaluator:
    """A query on one index segment: the statistics are the whole index's (`searcher`)."""

    def __init__(self, searcher, leaf_searcher, postings: SegmentPostings):
        self.searcher = searcher
        self.leaf = leaf_searcher
        self.postings = postings
        parameters = bm25f_parameters(searcher.weighting)
        if parameters is None:
            raise NoArrayForm("only Whoosh's default BM25F is computed with arrays")
        self.B, self.K1 = parameters
        self._documents: dict[tuple[str, bytes], np.ndarray] = {}  # for this query only
        self._decoded: dict = {}  # posting blocks, for this query only

    def _term_documents(self, fieldname: str, btext: bytes) -> np.ndarray:
        """A term's documents, read once per query (the phrases of a phrase across passages
        share their rarest word)."""
        key = (fieldname, btext)
        if key not in self._documents:
            self._documents[key] = self.postings.term(fieldname, btext)[0]
        return self._documents[key]

    def evaluate(self, query) -> Scored:
        if isinstance(query, Q.Term):
            return self._term(query.fieldname, query.text, query.boost)
        if isinstance(query, Q.Require):
            return within(self.evaluate(query.a), self.evaluate(query.b))
        if isinstance(query, Q.AndNot):
            return within(self.evaluate(query.a), self.evaluate(query.b), keep=False)
        if self._term_and_phrase(query):
            return boosted(self._phrase_within(*query.subqueries), query.boost)
        if isinstance(query, Q.And) and type(query) is Q.And:
            positive = [q for q in query.subqueries if not isinstance(q, Q.Not)]
            if not positive:
                raise NoArrayForm("a query of NOTs alone")
            result = intersection([self.evaluate(q) for q in positive])
            for negated in (q for q in query.subqueries if isinstance(q, Q.Not)):
                result = within(result, self.evaluate(negated.query), keep=False)
                # Whoosh matches a NOT with an InverseMatcher, which scores 1.0 everywhere
                result = Scored(result.ids, result.scores + 1.0)
            return boosted(result, query.boost)
        if isinstance(query, Q.Or) and type(query) is Q.Or:
            if query.scale is not None or query.minmatch:
                raise NoArrayForm("a scaled OR")
            return boosted(union([self.evaluate(q) for q in query.subqueries],
                                  self.postings.doc_count), query.boost)
        if query is Q.NullQuery or isinstance(query, type(Q.NullQuery)):
            return NOTHING
        if isinstance(query, Q.Phrase) and query.slop == 1 and self._positional(query):
            return self._phrase(query)
        if isinstance(query, (Q.Phrase, Q.MultiTerm, Q.TermRange)):
            return self._whoosh_matches(query)
        raise NoArrayForm(f"no array form for {type(query).__name__}")

    def _term(self, fieldname: str, text, boost: float) -> Scored:
        btext = self._bytes(fieldname, text)
        if btext is None:
            return NOTHING
        ids, tf = self.postings.term(fieldname, btext)
        if not len(ids):
            return NOTHING
        return boosted(Scored(ids, self._scores(fieldname, btext, ids, tf)), boost)

    def _bytes(self, fieldname: str, text) -> bytes | None:
        if fieldname not in self.searcher.schema:
            return None
        try:
            return self.searcher.schema[fieldname].to_bytes(text)
        except ValueError:
            return None

    def _scores(self, fieldname: str, btext: bytes, ids: np.ndarray,
                tf: np.ndarray) -> np.ndarray:
        if not self.searcher.schema[fieldname].scorable:  # Whoosh's WeightScorer
            return tf
        idf = self.searcher.idf(fieldname, btext)
        average = self.searcher.avg_field_length(fieldname) or 1
        length = self.postings.lengths(fieldname, ids)
        K1, B = self.K1, self.B
        # whoosh.scoring.bm25, term for term, so that the floats come out the same
        return idf * ((tf * (K1 + 1)) / (tf + K1 * ((1 - B) + B * length / average)))

    def _positional(self, query: Q.Phrase) -> bool:
        schema = self.searcher.schema
        return (query.fieldname in schema and schema[query.fieldname].format is not None
                and schema[query.fieldname].format.supports("positions"))

    def _phrase(self, query: Q.Phrase, among: np.ndarray | None = None) -> Scored:
        """Scored as Whoosh scores a phrase: the sum of its words' scores (a repeated word
        counts each time); `among`: only among these documents."""
        words = [self._bytes(query.fieldname, word) for word in query.words]
        if not words or None in words:
            return NOTHING
        ids, frequencies = phrase_documents(self.postings, query.fieldname, words,
                                            self._term_documents, self._decoded, among)
        if not len(ids):
            return NOTHING
        scores = sum(self._scores(query.fieldname, word, ids, frequencies[word])
                     for word in words)
        return boosted(Scored(ids, scores), query.boost)

    def _term_and_phrase(self, query) -> bool:
        """A term AND a phrase (a split of a phrase across passages: parsing's crossings)."""
        return (type(query) is Q.And and len(query.subqueries) == 2
                and type(query.subqueries[0]) is Q.Term
                and isinstance(query.subqueries[1], Q.Phrase)
                and query.subqueries[1].slop == 1 and self._positional(query.subqueries[1]))

    def _phrase_within(self, term: Q.Term, phrase: Q.Phrase) -> Scored:
        """The AND of a term and a phrase with the phrase read on the term's documents only:
        the boundary's pair of words is in a few of them, where the phrase's common words
        are in thousands (the same matches and scores as the AND of both)."""
        scored = self.evaluate(term)
        if not len(scored):
            return NOTHING
        return intersection([scored, self._phrase(phrase, scored.ids)])

    def _whoosh_matches(self, query) -> Scored:
        """Whoosh's own matcher for this part, every match listed with its score."""
        matcher = query.matcher(self.leaf, self.searcher.context())
        ids, scores = [], []
        while matcher.is_active():
            ids.append(matcher.id())
            scores.append(matcher.score())
            matcher.next()
        return Scored(np.array(ids, dtype=np.int64), np.array(scores, dtype=np.float64))


@dataclass
class Ranked:
    """Every match of a query, global document numbers, with the top of the ranking."""

    ids: np.ndarray  # ascending
    scores: np.ndarray

    def top(self, count: int) -> list[tuple[int, float]]:
        """The `count` best (document, score): highest score first, then lowest document,
        as Whoosh's collector ranks ties."""
        if count <= 0 or not len(self.ids):
            return []
        if len(self.ids) > count:
            # Everything scoring at least the count-th best score, then the exact order.
            threshold = np.partition(self.scores, len(self.scores) - count)[-count]
            candidates = np.flatnonzero(self.scores >= threshold)
        else:
            candidates = np.arange(len(self.ids))
        order = candidates[np.lexsort((self.ids[candidates], -self.scores[candidates]))]
        return [(int(self.ids[i]), float(self.scores[i])) for i in order[:count]]


def _segment_postings(leaf_searcher, cache: PostingCache | None = None,
                      index: str = "") -> SegmentPostings:
    """Kept on the leaf searcher until it is reopened after a commit (like counting.py's
    facet columns): the field lengths are read once per index segment. `cache`, `index`:
    frequent terms' lists kept across queries (posting_cache.py), for the index `index`, and
    with the cache, the segment's long lists as arrays when it has them (list_arrays.py)."""
    cache_of_leaf = leaf_cache(leaf_searcher)
    key = ("array-postings", cache, index)
    if key not in cache_of_leaf:
        reader = leaf_searcher.reader()
        lists = shared_lists().of(index, segment_id(reader)) if cache is not None else None
        cache_of_leaf[key] = SegmentPostings(reader, cache, index, lists)
    return cache_of_leaf[key]


def rank(searcher, query, cache: PostingCache | None = None, index: str = "") -> Ranked:
    """All the matches of `query` in the index `searcher` reads, with their scores; `cache`
    keeps frequent terms' decoded lists for the next queries, under the key `index` (the
    index folder).

    Raises NoArrayForm when the query has a part with no array form, and for every query
    when the fast path is off (whoosh_internals.FAST_PATH: another Whoosh version)."""
    if not whoosh_internals.FAST_PATH:
        raise NoArrayForm(f"the fast path is off: {whoosh_internals.disabled_reason()}")
    ids, scores = [], []
    for leaf, offset in searcher.leaf_searchers():
        evaluator = _SegmentEvaluator(searcher, leaf, _segment_postings(leaf, cache, index))
        scored = evaluator.evaluate(query)
        ids.append(scored.ids + offset)
        scores.append(scored.scores)
    if not ids:
        return Ranked(NOTHING.ids, NOTHING.scores)
    return Ranked(np.concatenate(ids), np.concatenate(scores))


def warm(searcher, cache: PostingCache, index: str, words: Iterable[str],
         fieldname: str = "text") -> None:
    """Decode into `cache` the lists of `words` in `fieldname` of each index segment of
    `searcher` not warmed yet (posting_cache.py: the common words, on opening a searcher).
    A failure is logged like the array path's (`_report`) and leaves the cache cold."""
    if not whoosh_internals.FAST_PATH or fieldname not in searcher.schema:
        return
    field = searcher.schema[fieldname]
    terms = sorted({token.encode() for word in words
                    for token in field.process_text(word, mode="query")})
    try:
        for leaf, _offset in searcher.leaf_searchers():
            postings = _segment_postings(leaf, cache, index)
            if cache.first_to_warm(index, postings.segment):
                for btext in terms:
                    postings.warm(fieldname, btext)
    except Exception as exc:  # not swallowed: logged once per kind; queries read as before
        _report(exc)


# Failures of the array path already logged with their traceback: (type, file, line) of where
# each was raised. A broken Whoosh internal fails every query the same way, and logging each
# time would flood the log; the places are few, so the set stays small.
_REPORTED: set[tuple[str, str, int | None]] = set()
_REPORTED_LOCK = threading.Lock()


def _report(exc: Exception) -> None:
    frame = traceback.extract_tb(exc.__traceback__)[-1]
    where = (type(exc).__name__, frame.filename, frame.lineno)
    with _REPORTED_LOCK:
        first = where not in _REPORTED
        _REPORTED.add(where)
    if first:
        logger.error("the fast search path failed; this query, and any that fails the same "
                     "way, is answered by Whoosh's own searcher", exc_info=exc)
    else:
        logger.debug("the fast search path failed again (%s: %s)", type(exc).__name__, exc)


def ranked_page(searcher, query, limit: int, facets: dict[str, str] | None,
                cache: PostingCache | None = None,
                index: str = "") -> tuple[list[tuple[int, float]], Matches] | None:
    """The `limit` best (document, score) and the exact total and `facets`, with arrays;
    None when the query is to be searched by Whoosh's own searcher instead: a query with no
    array form, the fast path off (both expected, not logged), or any failure here (logged
    once per kind: see `_report`), e.g. a Whoosh internal that changed (whoosh_internals).
    `cache`, `index`: as for `rank`."""
    try:
        ranked = rank(searcher, query, cache, index)
        return ranked.top(limit), count_listed(searcher, ranked.ids, facets)
    except NoArrayForm as exc:
        logger.debug("searched with Whoosh alone: %s", exc)
    except Exception as exc:  # not swallowed: logged, and the caller asks Whoosh instead
        _report(exc)
    return None
