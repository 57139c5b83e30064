"""Finding a quote as remembered: the places where it was most likely said, best first.

On the index, not a scan of the transcripts:
1. candidates: the quote's rarest words (stems of the stem field of its language, as a plain
   word is searched) are read as whole posting lists (postings.py); each passage scores the
   idf of the rare words it holds, and a passage also the score of the next one, so that a
   quote said across two passages ranks as high as one said inside one;
2. windows: around each of the best candidates, the passage and its neighbours in the same
   video (documents are written in passage order: the next document is the next passage, and
   that is checked on its stored fields), enough of them for the quote to cross a boundary;
3. alignment: the window's words against the quote's (quote_diff.py: rapidfuzz), compared by
   their folded stems, shown as said; overlapping places keep their best.
A place whose similarity is below `FLOOR` is not shown: "nothing close" rather than noise
(the floor is measured: docs/benchmarks.md, section quotes).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from whoosh.analysis import RegexTokenizer
from whoosh.lang import has_stemmer, stemmer_for_language
from whoosh.support.charset import accent_map

from ..quote_diff import Alignment, Token, align
from ..quote_results import MatchedPlace, QuoteHit, QuoteResults, check_quote_words
from . import whoosh_internals
from .array_search import _segment_postings
from .schema import COMMON_WORDS, folded_stopwords, stem_field

logger = logging.getLogger(__name__)

FLOOR = 0.5  # similarity below which a place is noise (calibrated in bench/quotes.py)
RARE_TERMS = 10  # the quote's rarest words whose postings are read
POSTINGS_BUDGET = 400_000  # ...but no more postings than this, once 3 words are read
CANDIDATES = 16  # candidate passages aligned, at least (2 x the hits asked if more)
NEIGHBOURS = 6  # passages read on each side of a candidate, at most
KEYS_CACHED = 200_000  # words whose keys are kept between queries (a few tens of MB)
_TOKENS = RegexTokenizer()


@dataclass
class _Passage:
    docnum: int
    stored: dict
    tokens: list[Token]


@lru_cache(maxsize=None)
def _stemmer(language: str):
    return stemmer_for_language(language) if has_stemmer(language) else None


@lru_cache(maxsize=KEYS_CACHED)
def _key(language: str, folded: str) -> str:
    """A folded word as compared: stemmed for `language`, folded again, as the stem fields
    index it (schema._stemming_analyzer), stop words kept. Shared by all queries: Snowball in
    Python is most of a query's time otherwise, and speech repeats its words."""
    stem = _stemmer(language)
    return stem(folded).translate(accent_map) if stem else folded


@lru_cache(maxsize=KEYS_CACHED)
def _fold(word: str) -> str:
    return word.lower().translate(accent_map)


def tokens(text: str, language: str) -> list[Token]:
    """The words of `text`, keyed for `language`: a quote and a window are keyed for the same
    one, so that words of another language in either still compare equal."""
    out = []
    for t in _TOKENS(text, chars=True):
        folded = _fold(t.text)
        out.append(Token(t.text, folded, _key(language, folded), folded in COMMON_WORDS,
                         t.startchar, t.endchar))
    return out


def _languages(schema, folded: list[str], language: str | None) -> list[str]:
    """The quote's language: as asked, else the archive's language whose common words the
    quote uses most (all of them on a tie)."""
    known = [name[len("stem_"):] for name in schema.names() if name.startswith("stem_")]
    if language:
        return [language]
    stop = {lang: folded_stopwords(lang) for lang in known}
    counts = {lang: sum(w in stop[lang] for w in folded) for lang in known}
    best = max(counts.values(), default=0)
    return [lang for lang, n in counts.items() if n == best] or known


def _rare_terms(searcher, folded: list[str],
                languages: list[str]) -> list[tuple[str, bytes, int]]:
    """(field, term, document frequency) of the quote's rarest words found in the index: each
    word's stem in the stem fields of `languages`, or, found in none (a word of another
    language), the word as said in `text`."""
    schema, reader = searcher.schema, searcher.reader()
    found: dict[tuple[str, str], int] = {}
    for word in dict.fromkeys(w for w in folded if w not in COMMON_WORDS):
        stems = {(stem_field(lang), _key(lang, word)) for lang in languages
                 if stem_field(lang) in schema}
        frequencies = {pair: reader.doc_frequency(*pair) for pair in stems}
        found.update({pair: df for pair, df in frequencies.items() if df})
        if not any(frequencies.values()):
            found[("text", word)] = reader.doc_frequency("text", word)
    if not any(found.values()):  # only common words: the words as said
        found = {("text", w): reader.doc_frequency("text", w) for w in folded}
    ranked = sorted(((f, t.encode(), df) for (f, t), df in found.items() if df),
                    key=lambda x: x[2])
    chosen, read = [], 0
    for fieldname, term, df in ranked[:RARE_TERMS]:
        if len(chosen) >= 3 and read + df > POSTINGS_BUDGET:
            break
        chosen.append((fieldname, term, df))
        read += df
    return chosen


def _documents(searcher, fieldname: str, term: bytes) -> np.ndarray:
    """Global document numbers holding `term`: the arrays of postings.py, or Whoosh's own
    matcher when the fast path is off (another Whoosh version)."""
    parts = []
    for leaf, offset in searcher.leaf_searchers():
        if whoosh_internals.FAST_PATH:
            ids, _ = _segment_postings(leaf).term(fieldname, term)
        else:
            reader = leaf.reader()
            ids = (np.array(list(reader.postings(fieldname, term).all_ids()), dtype=np.int64)
                   if (fieldname, term) in reader else np.zeros(0, dtype=np.int64))
        parts.append(ids + offset)
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)


def _candidates(searcher, terms: list[tuple[str, bytes, int]], count: int) -> list[int]:
    """The `count` passages with the most rare-word evidence, counting the next passage's."""
    total = searcher.doc_count_all()
    ids, weights = [], []
    for fieldname, term, df in terms:
        docs = _documents(searcher, fieldname, term)
        ids.append(docs)
        weights.append(np.full(len(docs), math.log(1 + total / df)))
    if not ids:
        return []
    docs, inverse = np.unique(np.concatenate(ids), return_inverse=True)
    scores = np.bincount(inverse, weights=np.concatenate(weights), minlength=len(docs))
    nxt = np.searchsorted(docs, docs + 1)
    has_next = (nxt < len(docs)) & (docs[np.minimum(nxt, len(docs) - 1)] == docs + 1)
    pair = scores + np.where(has_next, scores[np.minimum(nxt, len(docs) - 1)], 0.0)
    best = np.maximum(scores, pair)
    order = np.lexsort((docs, -best))[:count]
    return [int(d) for d in docs[order]]


class _Window:
    """A candidate passage and its neighbours in the same video, read once per query."""

    def __init__(self, searcher):
        self.searcher = searcher
        self.reader = searcher.reader()
        self.cache: dict[int, dict | None] = {}
        self.words: dict[tuple[int, str], list[Token]] = {}  # neighbouring windows overlap

    def stored(self, docnum: int) -> dict | None:
        if docnum not in self.cache:
            ok = 0 <= docnum < self.reader.doc_count_all() and not self.reader.is_deleted(docnum)
            self.cache[docnum] = self.searcher.stored_fields(docnum) if ok else None
        return self.cache[docnum]

    def around(self, docnum: int, reach: int) -> list[_Passage]:
        """The passage, then neighbours each side until `reach` words or NEIGHBOURS passages."""
        middle = self.stored(docnum)
        passages = [(docnum, middle)]
        for step in (-1, 1):
            words, here = 0, docnum
            for _ in range(NEIGHBOURS):
                there = self.stored(here + step)
                seg = (passages[0] if step < 0 else passages[-1])[1]["seg"] + step
                if (there is None or there["video_id"] != middle["video_id"]
                        or there["seg"] != seg):
                    break  # another video, or not the next passage: the window ends here
                here += step
                passages.insert(0 if step < 0 else len(passages), (here, there))
                words += len(there["text"].split())
                if words >= reach:
                    break
        # Every passage keyed for the candidate's language (see `tokens`).
        return [_Passage(d, s, self._tokens(d, s["text"], middle["language"]))
                for d, s in passages]

    def _tokens(self, docnum: int, text: str, language: str) -> list[Token]:
        if (docnum, language) not in self.words:
            self.words[(docnum, language)] = tokens(text, language)
        return self.words[(docnum, language)]


def _time(passage: _Passage, char: int) -> float:
    """A character's time, spread evenly over the passage (quote_times.py makes it exact)."""
    stored, text = passage.stored, passage.stored["text"]
    share = char / len(text) if text else 0.0
    return float(stored["start"] + (stored["end"] - stored["start"]) * share)


def _hit(passages: list[_Passage], said: list[Token], where: list[int],
         match: Alignment) -> QuoteHit:
    """`where`: the passage of each of the window's words `said`."""
    first, last = said[match.first], said[match.last]
    i, j = where[match.first], where[match.last]
    one, two = passages[i], passages[j]
    said = []
    for index in range(i, j + 1):
        text = passages[index].stored["text"]
        said.append(text[first.start_char if index == i else 0:
                          last.end_char if index == j else len(text)].strip())
    stored = one.stored
    return QuoteHit(
        video_id=stored["video_id"], title=stored.get("title", ""),
        start=round(_time(one, first.start_char), 2), end=round(_time(two, last.end_char), 2),
        said=" ".join(said), similarity=match.similarity, diff=match.diff,
        language=stored["language"], source=stored.get("source", "asr"),
        date=stored.get("date", ""), speaker=stored.get("speaker", ""),
        first=MatchedPlace(stored["seg"], first.start_char, _time(one, first.start_char)),
        last=MatchedPlace(two.stored["seg"], last.end_char, _time(two, last.end_char)))


def _overlaps(a: QuoteHit, b: QuoteHit) -> bool:
    return a.video_id == b.video_id and a.start < b.end and b.start < a.end


def check_quote(text: str) -> list[str]:
    """The quote's words; QuoteError when there are too few or too many."""
    surface = [t.text for t in _TOKENS(text)]
    check_quote_words(text, len(surface))
    return surface


def find_quote(searcher, text: str, language: str | None = None, limit: int = 10,
               floor: float = FLOOR) -> QuoteResults:
    """The places where `text` (4 to 80 words) was most likely said, best first, at most
    `limit`, none below `floor`. Raises QuoteError for a quote too short or too long."""
    folded = [_fold(w) for w in check_quote(text)]
    languages = _languages(searcher.schema, folded, language)
    terms = _rare_terms(searcher, folded, languages)
    window = _Window(searcher)
    found: list[QuoteHit] = []
    for docnum in _candidates(searcher, terms, max(CANDIDATES, 2 * limit)):
        passages = window.around(docnum, reach=len(folded))
        said = [t for p in passages for t in p.tokens]
        where = [i for i, p in enumerate(passages) for _ in p.tokens]
        match = align(tokens(text, window.stored(docnum)["language"]), said)
        if match is None or match.similarity < floor:
            continue
        # `language`: where the matched words start (a neighbour may be in another language).
        if not language or passages[where[match.first]].stored["language"] == language:
            found.append(_hit(passages, said, where, match))
    found.sort(key=lambda hit: (-hit.similarity, hit.video_id, hit.start))
    kept: list[QuoteHit] = []
    for hit in found:
        if not any(_overlaps(hit, other) for other in kept):
            kept.append(hit)
    logger.debug("quote %r: %d rare word(s), %d place(s) above %.2f", text[:60], len(terms),
                 len(kept), floor)
    return QuoteResults(query=text, hits=kept[:limit])
