"""Schema and analyzers of the index (the design is in the package docstring; opening and the
format version: opening.py)."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from whoosh.analysis import (
    CharsetFilter,
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
    StopFilter,
)
from whoosh.fields import ID, KEYWORD, STORED, TEXT, Schema
from whoosh.lang import has_stemmer, has_stopwords, stopwords_for_language
from whoosh.support.charset import accent_map

logger = logging.getLogger(__name__)

INDEX_NAME = "segments"
PAIRS = "text_pairs"
NO_PAIR = "_"  # keeps the positions of `text_pairs` those of the words
# Fixed, not taken from the archive's languages: an index is only right for the list it was
# built with.
COMMON_WORDS = frozenset(w.translate(accent_map) for language in ("fr", "en")
                         for w in stopwords_for_language(language))
# Phrases across the boundary of two consecutive passages of a video: each passage indexes,
# in BRIDGE, its last BRIDGE_WORDS words and then the next passage's first BRIDGE_WORDS, the
# latter marked with NEXT_MARK. A phrase split at word j becomes the phrase of its first j
# words unmarked and the others marked there: unmarked words followed by marked ones are
# next to each other only at the boundary, so a match always crosses it and belongs to the
# passage where the phrase starts (one document: totals and facets count it once).
BRIDGE = "text_bridge"
BRIDGE_WORDS = 5
NEXT_MARK = ">"
# The boundary's own pair of words, "last first" (one term a passage, no positions): every
# split of a phrase across the boundary holds exactly one such pair, far rarer than its words,
# so its documents are the split's candidates (array_search.py).
BRIDGE_PAIR = "text_bridge_pair"
# Stored with a passage that has a next one: [its end, its opening words as said].
NEXT_PASSAGE = "next_passage"
# Written by format 2 code in an index that got `text_pairs` after it had documents: such an
# index is of an older format (opening.py).
PAIRS_INCOMPLETE = "text_pairs.incomplete"
# Fuzzy words ("terorisme~") keep their first letter: a typo is rarely the first letter.
FUZZY_PREFIX = 1
# Below this many segments in one batch, a second writer process costs more than it saves.
PARALLEL_MIN_SEGMENTS = 20_000


def _folding_analyzer():
    return RegexTokenizer() | LowercaseFilter() | CharsetFilter(accent_map)


def folded_stopwords(language: str) -> frozenset[str]:
    if not has_stopwords(language):
        return frozenset()
    return frozenset(w.translate(accent_map) for w in stopwords_for_language(language))


def _stemming_analyzer(language: str):
    # Fold, then stem: a word typed without its accents gets the stem of the word said with
    # them ("securite" and "sécurité" -> "securit"; stemmed first they gave "securit" and
    # "secur"), so that a plain word can read the stem fields alone, without `text`. The last
    # fold keeps the stems plain ASCII whatever a stemmer does.
    chain = RegexTokenizer() | LowercaseFilter() | CharsetFilter(accent_map)
    if has_stopwords(language):
        chain = chain | StopFilter(stoplist=folded_stopwords(language), minsize=1)
    return chain | StemFilter(lang=language) | CharsetFilter(accent_map)


def stems_folded_words(analyzer) -> bool:
    """Whether a stem field's analyzer folds before it stems (format 2 indexes did not: their
    plain words had to read `text` too, where "securite" finds "sécurité")."""
    kinds = [type(item) for item in analyzer.items]
    return (CharsetFilter in kinds and StemFilter in kinds
            and kinds.index(CharsetFilter) < kinds.index(StemFilter))


def stem_field(language: str) -> str:
    return f"stem_{language}"


def phrase_stem_field(language: str) -> str:
    """The stems of `stem_field(language)` with positions, for phrases in other forms."""
    return f"phrase_stem_{language}"


def make_schema(languages: Sequence[str]) -> Schema:
    schema = Schema(
        video_id=ID(stored=True),
        seg=STORED(),
        start=STORED(),
        end=STORED(),
        language=ID(stored=True),
        source=ID(stored=True),  # "official" or "asr" (records.Segment.source)
        text=TEXT(analyzer=_folding_analyzer(), stored=True, phrase=True),
        text_pairs=TEXT(analyzer=_folding_analyzer(), phrase=True),  # indexed from lists
        text_bridge=TEXT(analyzer=_folding_analyzer(), phrase=True),  # indexed from lists
        text_bridge_pair=KEYWORD(),  # indexed from lists
        next_passage=STORED(),
        entities=KEYWORD(stored=True, commas=True, lowercase=True),
        entity_names=TEXT(analyzer=_folding_analyzer(), phrase=True),
        title=TEXT(analyzer=_folding_analyzer(), stored=True),
        speaker=TEXT(analyzer=_folding_analyzer(), stored=True),
        speaker_key=ID(),  # the whole name, for the speaker facet and filter
        event=TEXT(analyzer=_folding_analyzer(), stored=True),
        date=ID(stored=True),
        year=ID(stored=True),
        entity_spans=STORED(),
    )
    for language in languages:
        if has_stemmer(language):
            schema.add(stem_field(language), TEXT(analyzer=_stemming_analyzer(language),
                                                  phrase=False))
            # The same stems with positions, read by phrases alone (phrase_forms.py): in
            # `stem_<lang>` every plain word would unpickle them with each posting block it
            # reads (+15-30 % CPU time for words, AND, entity filters at 100k segments).
            schema.add(phrase_stem_field(language),
                       TEXT(analyzer=_stemming_analyzer(language), phrase=True))
    return schema
