"""From the query typed to Whoosh's query: parsing, field choice, refinement, filters.

The tree it makes is what `SegmentSearcher` evaluates (array_search.py, or Whoosh itself).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from pathlib import Path

from whoosh import query as Q
from whoosh.fields import Schema
from whoosh.qparser import (
    FieldAliasPlugin,
    FuzzyTermPlugin,
    MultifieldPlugin,
    QueryParser,
    syntax,
)
from whoosh.support.levenshtein import distance

from ..results import QUERY_FIELDS, QuerySyntaxError, check_query, check_source
from .phrase_forms import crossings, pair_phrase, phrase_form
from .schema import (
    BRIDGE,
    COMMON_WORDS,
    FUZZY_PREFIX,
    PAIRS,
    PAIRS_INCOMPLETE,
    _folding_analyzer,
    stem_field,
    stems_folded_words,
)

# A prefix stands for at most this many words, the most frequent in the archive.
PREFIX_WORDS = 100
# Boosts (nato^2), nested ones multiplied: beyond this a score is no longer a finite number
# ("nato^999…9" made every score inf, and the API's JSON invalid).
MAX_BOOST = 1000.0
# Control characters other than tab and line breaks, and lone surrogates (undecodable bytes
# of a command-line argument): no one types them, and they reach Whoosh's analyzers and the
# terminal or JSON output as they are.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


class _WordFieldsPlugin(MultifieldPlugin):
    """Whoosh's MultifieldPlugin, except that a plain word (`WordNode`: not a phrase, prefix
    or fuzzy word) may read fewer fields, chosen by `word_fields(word)`."""

    def __init__(self, fieldnames: list[str], boosts: dict[str, float],
                 word_fields: Callable[[str], list[str]] | None):
        super().__init__(fieldnames, fieldboosts=boosts)
        self.word_fields = word_fields

    def do_multifield(self, parser, group):
        for i, node in enumerate(group):
            if isinstance(node, syntax.GroupNode):
                group[i] = self.do_multifield(parser, node)
            elif node.has_fieldname and node.fieldname is None:
                names = (self.word_fields(node.text)
                         if self.word_fields and type(node) is syntax.WordNode
                         else self.fieldnames)
                fielded = []
                for name in names:
                    copied = copy.copy(node)
                    copied.set_fieldname(name)
                    copied.set_boost(self.boosts.get(name, 1.0))
                    fielded.append(copied)
                group[i] = self.group(fielded)
        return group


_FOLDING = _folding_analyzer()


def _plain_word_fields(stems: list[str]) -> Callable[[str], list[str]]:
    """A plain word reads the stem fields and the entity names, not also `text`: that was an
    OR over four fields, every match scored in Python, for no segment the stems miss (they
    fold like `text`, and each segment's language has one). A common word ("the", "de") reads
    `text` alone: the stem field of its language drops it, and in the other language's stems
    it would be a required word no segment of that language has ("the security")."""
    def fields(word: str) -> list[str]:
        folded = [t.text for t in _FOLDING(word)]
        if folded and all(w in COMMON_WORDS for w in folded):
            return ["text"]
        return [*stems, "entity_names"]
    return fields


def _parser(schema: Schema, words_read_stems: bool = False) -> QueryParser:
    stems = [name for name in schema.names() if name.startswith("stem_")]
    fields = ["text", *stems, "entity_names"]
    boosts = {"text": 1.0, "entity_names": 0.6, **{name: 0.8 for name in stems}}
    parser = QueryParser(None, schema)
    parser.add_plugin(_WordFieldsPlugin(
        fields, boosts, _plain_word_fields(stems) if words_read_stems else None))
    parser.add_plugin(FuzzyTermPlugin())
    parser.add_plugin(FieldAliasPlugin(_field_aliases()))
    return parser


def _field_aliases() -> dict[str, list[str]]:
    aliases: dict[str, list[str]] = {}
    for alias, target in QUERY_FIELDS.items():
        if alias != target:
            aliases.setdefault(target, []).append(alias)
    return aliases


def _refine(query, resolve_entity: Callable[[str], str | None],
            pairs: frozenset[str] = frozenset(), bridges: bool = False):
    """A phrase reads its exact words (as pairs of `pairs`, the common words, when the index
    has them for every document), across passage boundaries too when the index has
    `bridges`, and, unless fielded (`exact:"…"`, `text:"…"`), its stems (phrase_forms.py);
    entity names become canonical ids."""
    if isinstance(query, Q.Or) and any(isinstance(q, Q.Phrase) for q in query.subqueries):
        forms = [phrase_form(q, query.subqueries) for q in query.subqueries]
        return Q.Or([_refine(q, resolve_entity, pairs, bridges) for q in forms if q])
    if isinstance(query, Q.Or) and any(isinstance(q, Q.Prefix) for q in query.subqueries):
        # A prefix of the words as said: its stems and alias forms add no word it lacks, and
        # each field multiplies the thousands of words a short prefix can expand to.
        return Q.Or([q for q in query.subqueries
                     if not (isinstance(q, Q.Prefix) and q.fieldname != "text")])
    if (isinstance(query, Q.Phrase) and query.fieldname == "text" and query.slop == 1
            and len(query.words) > 1):
        within = pair_phrase(query, pairs) if pairs else query
        across = crossings(query) if bridges else []
        return Q.Or([within, *across]) if across else within
    if isinstance(query, Q.FuzzyTerm) and query.prefixlength < FUZZY_PREFIX:
        # With no fixed first letter Whoosh computes an edit distance for every word of the
        # field: 10 s a query at 100k segments; the first letter right brings it to ~0.1 s.
        return Q.FuzzyTerm(query.fieldname, query.text, boost=query.boost,
                           maxdist=query.maxdist, prefixlength=FUZZY_PREFIX)
    if isinstance(query, Q.Term) and query.fieldname == "entities":
        return Q.Term("entities", (resolve_entity(query.text) or query.text).lower())
    if isinstance(query, Q.Term) and query.fieldname == "source":
        # Two values only: another one is a mistake to say, not a search that finds nothing.
        return Q.Term("source", check_source(query.text), boost=query.boost)
    if query.is_leaf():
        return query
    return query.apply(lambda q: _refine(q, resolve_entity, pairs, bridges))


def within_distance(reader, fieldname: str, text: str, maxdist: int, prefix: int):
    """Whoosh's `terms_within`, minus the edit distances that cannot be small enough: no
    fewer edits than the difference in length (70 % of a fuzzy query's time on a 1M-segment
    archive was the distance to every word with its first letter)."""
    field = reader.schema[fieldname]
    for btext in reader.expand_prefix(fieldname, text[:prefix]):
        word = field.from_bytes(btext)
        if abs(len(word) - len(text)) <= maxdist and distance(word, text, maxdist) <= maxdist:
            yield word


def prefix_frequencies(reader, fieldname: str, prefix: str) -> dict[bytes, int]:
    """Each word of `fieldname` that starts with `prefix`, with its number of documents in
    the whole index (`reader.doc_frequency`'s), read in one ordered walk of each index
    segment's terms: a lookup per word and segment was most of a frequent prefix's time
    at 1M passages ("inte*": a thousand words)."""
    frequency: dict[bytes, int] = {}
    for leaf, _offset in reader.leaf_readers():
        for btext, info in leaf.iter_prefix(fieldname, prefix):
            frequency[btext] = frequency.get(btext, 0) + info.doc_frequency()
    return frequency


def expand_words(query, reader, limit: int = PREFIX_WORDS):
    """Each prefix and fuzzy word as the OR of the archive's words it stands for: at most
    `limit`, the most frequent ("cons*" would otherwise read the postings of every word
    starting so: seconds a query on a large archive).

    Expanded once here, the words are then scored like any word (array_search.py) and
    highlighted as matched, where Whoosh expanded a fuzzy word again on each index segment
    and for the highlighting (edit distances over every word with its first letter, three
    times), and gave each word of a fuzzy or short prefix expansion one constant score."""
    if isinstance(query, (Q.Prefix, Q.FuzzyTerm)):
        if query.fieldname not in reader.schema:
            return Q.NullQuery
        field = reader.schema[query.fieldname]
        if isinstance(query, Q.Prefix):
            frequency = {field.from_bytes(btext): count for btext, count
                         in prefix_frequencies(reader, query.fieldname, query.text).items()}
            words = sorted(frequency)
            if len(words) > limit:  # the most frequent; among equals, the first in order
                words.sort(key=lambda w: -frequency[w])
        else:
            words = sorted(within_distance(reader, query.fieldname, query.text,
                                           query.maxdist, query.prefixlength))
            if len(words) > limit:
                words.sort(key=lambda w: -reader.doc_frequency(query.fieldname, w))
        return Q.Or([Q.Term(query.fieldname, w, boost=query.boost) for w in words[:limit]])
    if query.is_leaf():
        return query
    return query.apply(lambda q: expand_words(q, reader, limit))


def indexed_pairs(index_dir: Path, schema: Schema) -> frozenset[str]:
    """The common words whose pairs every document of the index has (none: no pairs)."""
    if PAIRS not in schema or (index_dir / PAIRS_INCOMPLETE).exists():
        return frozenset()
    return COMMON_WORDS


def words_read_stems(schema: Schema, reader) -> bool:
    """Whether plain words can skip `text`: the stem fields fold before stemming and every
    language of the index's segments has one (see `_plain_word_fields`)."""
    stems = [name for name in schema.names() if name.startswith("stem_")]
    if not stems or not all(stems_folded_words(schema[name].analyzer) for name in stems):
        return False
    return all(stem_field(language.decode()) in schema
               for language in reader.lexicon("language"))


def checked_query(text: str) -> str:
    """`check_query`, and no character that is not text; the stripped query."""
    text = check_query(text)
    if found := _CONTROL.search(text):
        raise QuerySyntaxError(f"The query contains the control character "
                               f"U+{ord(found.group()):04X}: type words, \"exact phrases\" and "
                               "operators only.")
    if found := _SURROGATE.search(text):
        raise QuerySyntaxError(f"The query contains U+{ord(found.group()):04X}, which is no "
                               "character (bytes that are not UTF-8): type it again as text.")
    return text


def _check_boosts(query, outer: float = 1.0) -> None:
    boost = outer * query.boost
    if not boost <= MAX_BOOST:  # also inf and nan
        raise QuerySyntaxError(f"A boost (nato^2) can be at most {MAX_BOOST:g}, boosts of "
                               "nested groups multiplied.")
    for child in query.children():
        _check_boosts(child, boost)


def parse_query(schema: Schema, text: str, resolve_entity: Callable[[str], str | None],
                pairs: frozenset[str] = frozenset(), words_read_stems: bool = False):
    """The query as Whoosh's; `pairs`: see `indexed_pairs`, `words_read_stems`: see
    `words_read_stems()`."""
    text = checked_query(text)
    try:
        parsed = _parser(schema, words_read_stems).parse(text)
    except Exception as exc:  # Whoosh raises assorted errors on odd syntax
        raise QuerySyntaxError(f"Cannot read the query: {exc}") from exc
    if parsed is Q.NullQuery or isinstance(parsed, type(Q.NullQuery)):
        raise QuerySyntaxError("The query has no searchable words (only operators, "
                               "punctuation or words too common to index).")
    _check_boosts(parsed)
    return _refine(parsed, resolve_entity, pairs, BRIDGE in schema)


def filters_query(language: str | None, entity: str | None, speaker: str | None,
                  year: str | None, resolve_entity: Callable[[str], str | None],
                  source: str | None = None):
    """The filters as one query, None without any; QuerySyntaxError for an unknown source."""
    terms = []
    if source:
        terms.append(Q.Term("source", check_source(source)))
    if language:
        terms.append(Q.Term("language", language.lower()))
    if entity:
        terms.append(Q.Term("entities", (resolve_entity(entity) or entity).lower()))
    if speaker:
        terms.append(Q.Term("speaker_key", speaker))
    if year:
        terms.append(Q.Term("year", year))
    return Q.And(terms) if terms else None


def words_as_said_parser(schema: Schema) -> QueryParser:
    """A parser of words on the `text` field (the words as said), with the search's syntax
    (fuzzy words, field aliases): what the spelling suggestions check against, rather than
    stems."""
    parser = QueryParser("text", schema)
    parser.add_plugin(FuzzyTermPlugin())
    parser.add_plugin(FieldAliasPlugin(_field_aliases()))
    return parser
