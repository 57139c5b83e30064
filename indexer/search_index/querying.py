"""Reading the index: query parsing and refinement, filters, facets, hits (SegmentSearcher)."""

from __future__ import annotations

import copy
import logging
import threading
from collections.abc import Callable
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh import query as Q
from whoosh.fields import Schema
from whoosh.qparser import (
    FieldAliasPlugin,
    FuzzyTermPlugin,
    MultifieldPlugin,
    QueryParser,
    syntax,
)

from ..gazetteer import Gazetteer
from ..results import (
    QUERY_FIELDS,
    Hit,
    QuerySyntaxError,
    SearchResults,
    check_query,
    mark,
)
from .counting import TOTAL_BOUND, count_matches
from .require import Require
from .schema import (
    COMMON_WORDS,
    FUZZY_PREFIX,
    INDEX_NAME,
    PAIRS,
    PAIRS_INCOMPLETE,
    _folding_analyzer,
    stem_field,
    stems_folded_words,
)
from .writing import _pairs

logger = logging.getLogger(__name__)

# A prefix stands for at most this many words, the most frequent in the archive.
PREFIX_WORDS = 100


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


def _pair_phrase(phrase: Q.Phrase, common: frozenset[str]):
    """A phrase of common words as the same phrase of their pairs (module doc); others as is."""
    if not all(w in common for w in phrase.words):
        return phrase
    pairs = _pairs(list(phrase.words), common)
    if len(pairs) == 1:
        return Q.Term(PAIRS, pairs[0], boost=phrase.boost)
    return Q.Phrase(PAIRS, pairs, boost=phrase.boost)


def _refine(query, resolve_entity: Callable[[str], str | None],
            pairs: frozenset[str] = frozenset()):
    """Exact phrases read only the unstemmed fields (the pairs of `pairs`, the common words,
    when the index has them for every document); entity names become canonical ids."""
    if isinstance(query, Q.Or) and any(isinstance(q, Q.Phrase) for q in query.subqueries):
        # A phrase whose stop words the stem field dropped arrives there as a single Term
        # ('"il y a"' -> stem_fr:a): no stemmed form of a phrase is exact.
        kept = [q for q in query.subqueries
                if not (isinstance(q, (Q.Phrase, Q.Term)) and q.fieldname.startswith("stem_"))]
        return Q.Or([_refine(q, resolve_entity, pairs) for q in kept])
    if isinstance(query, Q.Or) and any(isinstance(q, Q.Prefix) for q in query.subqueries):
        # A prefix of the words as said: its stems and alias forms add no word it lacks, and
        # each field multiplies the thousands of words a short prefix can expand to.
        return Q.Or([q for q in query.subqueries
                     if not (isinstance(q, Q.Prefix) and q.fieldname != "text")])
    if (pairs and isinstance(query, Q.Phrase) and query.fieldname == "text"
            and query.slop == 1 and len(query.words) > 1):
        return _pair_phrase(query, pairs)
    if isinstance(query, Q.FuzzyTerm) and query.prefixlength < FUZZY_PREFIX:
        # With no fixed first letter Whoosh computes an edit distance for every word of the
        # field: 10 s a query at 100k segments; the first letter right brings it to ~0.1 s.
        return Q.FuzzyTerm(query.fieldname, query.text, boost=query.boost,
                           maxdist=query.maxdist, prefixlength=FUZZY_PREFIX)
    if isinstance(query, Q.Term) and query.fieldname == "entities":
        return Q.Term("entities", (resolve_entity(query.text) or query.text).lower())
    if query.is_leaf():
        return query
    return query.apply(lambda q: _refine(q, resolve_entity, pairs))


def cap_prefixes(query, reader, limit: int = PREFIX_WORDS):
    """Each prefix as its `limit` most frequent words in the archive ("cons*" would otherwise
    read the postings of every word starting so: seconds a query on a large archive)."""
    if isinstance(query, Q.Prefix):
        field = reader.schema[query.fieldname]
        words = [field.from_bytes(w) for w in reader.expand_prefix(query.fieldname, query.text)]
        if len(words) <= limit:
            return query
        words.sort(key=lambda w: -reader.doc_frequency(query.fieldname, w))
        return Q.Or([Q.Term(query.fieldname, w, boost=query.boost) for w in words[:limit]])
    if query.is_leaf():
        return query
    return query.apply(lambda q: cap_prefixes(q, reader, limit))


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


def parse_query(schema: Schema, text: str, resolve_entity: Callable[[str], str | None],
                pairs: frozenset[str] = frozenset(), words_read_stems: bool = False):
    """The query as Whoosh's; `pairs`: see `indexed_pairs`, `words_read_stems`: see
    `words_read_stems()`."""
    text = check_query(text)
    try:
        parsed = _parser(schema, words_read_stems).parse(text)
    except Exception as exc:  # Whoosh raises assorted errors on odd syntax
        raise QuerySyntaxError(f"Cannot read the query: {exc}") from exc
    if parsed is Q.NullQuery or isinstance(parsed, type(Q.NullQuery)):
        raise QuerySyntaxError("The query has no searchable words (only operators, "
                               "punctuation or words too common to index).")
    return _refine(parsed, resolve_entity, pairs)


def _filters(language: str | None, entity: str | None, speaker: str | None,
             year: str | None, resolve_entity: Callable[[str], str | None]):
    terms = []
    if language:
        terms.append(Q.Term("language", language.lower()))
    if entity:
        terms.append(Q.Term("entities", (resolve_entity(entity) or entity).lower()))
    if speaker:
        terms.append(Q.Term("speaker_key", speaker))
    if year:
        terms.append(Q.Term("year", year))
    return Q.And(terms) if terms else None


FACETS = {"language": "language", "entity": "entities", "speaker": "speaker_key",
          "year": "year"}


class SegmentSearcher:
    """Searches one index for the life of an app or a command.

    Each thread keeps its own Whoosh searcher (they are not shared across threads), reuses it
    from request to request, and opens a new one only when a writer has committed since.
    """

    def __init__(self, index_dir: Path, gazetteer: Gazetteer, count_bound: int = TOTAL_BOUND):
        self.index_dir = index_dir
        self.gazetteer = gazetteer
        self.count_bound = count_bound  # matches counted exactly (counting.py)
        self._local = threading.local()

    def _searcher(self):
        searcher = getattr(self._local, "searcher", None)
        if searcher is None:
            if not whoosh_index.exists_in(str(self.index_dir), indexname=INDEX_NAME):
                return None
            ix = whoosh_index.open_dir(str(self.index_dir), indexname=INDEX_NAME)
            searcher = ix.searcher()
        elif not searcher.up_to_date():
            # Not searcher.refresh(): whoosh-reloaded 2.7.5 reuses the old reader of a segment
            # with the same id, deleted-documents list and all, and even adds back segments the
            # commit merged away, so a removed or re-indexed video was still found (or twice).
            searcher.close()
            ix = whoosh_index.open_dir(str(self.index_dir), indexname=INDEX_NAME)
            searcher = ix.searcher()
        else:
            return searcher
        # The pairs marker is written only together with a commit: read it when the searcher
        # is opened or refreshed, not on every query.
        self._local.searcher = searcher
        self._local.pairs = indexed_pairs(self.index_dir, searcher.schema)
        self._local.words_read_stems = words_read_stems(searcher.schema, searcher.reader())
        return searcher

    def search(self, text: str, language: str | None = None, entity: str | None = None,
               speaker: str | None = None, year: str | None = None, page: int = 1,
               per_page: int = 20, facets: bool = False) -> SearchResults:
        """Segments best first, one page; the total and, with `facets`, the counts per
        facet value, exact up to counting.TOTAL_BOUND matches (see counting.py).

        Raises QuerySyntaxError for a query it cannot read.
        """
        searcher = self._searcher()
        if searcher is None:
            check_query(text)  # a bad query is an error even on an empty archive
            return SearchResults(query=text, total=0, page=page, per_page=per_page)
        lookup = self.gazetteer.lookup
        parsed = cap_prefixes(parse_query(searcher.schema, text, lookup, self._local.pairs,
                                          self._local.words_read_stems),
                              searcher.reader())
        filters = _filters(language, entity, speaker, year, lookup)
        # Require: the filter narrows the matches without scoring them, and leapfrogs along
        # its postings instead of first listing every segment it matches.
        query = Require(parsed, filters) if filters else parsed
        # The top of the ranking only (block-quality skipping, no total): counted below.
        results = searcher.search(query, limit=page * per_page, optimize=True)
        fields = ({name: field for name, field in FACETS.items() if field in searcher.schema}
                  if facets else None)
        matches = count_matches(searcher, query, fields, self.count_bound)
        matched = _matched_terms(parsed, searcher.reader())
        entity_matcher = _entity_matcher(self.gazetteer, matched)
        hits = [_hit(searcher.schema, hit, matched, entity_matcher)
                for hit in results[(page - 1) * per_page:page * per_page]]
        return SearchResults(query=text, total=matches.total, hits=hits, page=page,
                             per_page=per_page, facets=matches.facets,
                             total_is_lower_bound=matches.total_is_lower_bound)

    def suggestion(self, text: str) -> str | None:
        """The query with each unknown word replaced by the closest word said in the archive."""
        searcher = self._searcher()
        if searcher is None:
            return None
        try:
            check_query(text)
        except QuerySyntaxError:
            return None
        # Spell-check against the words as said (the `text` field), not against stems.
        parser = QueryParser("text", searcher.schema)
        parser.add_plugin(FieldAliasPlugin(_field_aliases()))
        corrected = searcher.correct_query(parser.parse(text), text)
        return corrected.string if corrected.string != text else None


def query_index(index_dir: Path, text: str, gazetteer: Gazetteer, language: str | None = None,
                entity: str | None = None, page: int = 1, per_page: int = 20) -> SearchResults:
    """One-off search (the CLI): the same code path as the site's SegmentSearcher."""
    return SegmentSearcher(index_dir, gazetteer).search(text, language=language, entity=entity,
                                                        page=page, per_page=per_page)


def _matched_terms(query, reader) -> dict[str, set[str]]:
    """Index terms the query really matched (wildcards and fuzzy terms expanded), per field."""
    terms: dict[str, set[str]] = {}
    # Leaf by leaf: Whoosh 2.7's existing_terms reuses its `fieldname` argument as a loop
    # variable, so on a whole tree it drops every field but the first one it meets.
    for leaf in query.leaves():
        for fieldname, term in leaf.existing_terms(reader, phrases=True, expand=True):
            text = term.decode() if isinstance(term, bytes) else term
            if fieldname == PAIRS:  # a phrase of these words of the text
                terms.setdefault("text", set()).update(text.split(" "))
            else:
                terms.setdefault(fieldname, set()).add(text)
    return terms


def _entity_matcher(gazetteer: Gazetteer, matched: dict[str, set[str]]):
    """Tell whether an entity was what the query asked for ("NATO" -> the span "OTAN")."""
    ids = matched.get("entities", set())
    names = matched.get("entity_names", set())
    folding = _folding_analyzer()

    def wanted(entity_id: str) -> bool:
        if entity_id in ids:
            return True
        entry = gazetteer.entries.get(entity_id)
        # Every word of one alias must have matched: NATO marks "OTAN", not the whole
        # "Conseil OTAN-Russie" whose English alias merely contains "NATO".
        return bool(names and entry and any({t.text for t in folding(alias)} <= names
                                              for alias in entry.aliases))

    return wanted


def _hit(schema: Schema, hit, matched: dict[str, set[str]],
         is_wanted_entity: Callable[[str], bool]) -> Hit:
    stored = hit.fields()
    text = stored["text"]
    spans: list[tuple[int, int]] = []
    for fieldname in ("text", stem_field(stored["language"])):
        if fieldname in schema and matched.get(fieldname):
            analyzer = schema[fieldname].analyzer
            spans += [(t.startchar, t.endchar) for t in analyzer(text, chars=True, mode="index")
                      if t.text in matched[fieldname]]
    for start, end, entity_id in stored.get("entity_spans", []):
        if is_wanted_entity(entity_id):
            spans.append((start, end))
    return Hit(
        video_id=stored["video_id"], title=stored.get("title", ""), start=stored["start"],
        end=stored["end"], text=text, highlight=mark(text, spans),
        language=stored["language"],
        entities=[e for e in stored.get("entities", "").split(",") if e],
        score=round(hit.score or 0.0, 4), date=stored.get("date", ""),
        speaker=stored.get("speaker", ""),
    )

