"""The only module that talks to Whoosh: schema, add_to_index, remove_from_index, query_index.

One document per transcript segment. The text is indexed four ways:
- `text`: words folded to lowercase without accents, with positions;
- `text_pairs`: each pair of neighbouring common words ("de la", "of the"), with positions,
  for exact phrases of common words (below);
- `stem_<lang>`: stemmed for the segment's language (coopérations finds coopération);
- `entity_names`: every alias of the segment's gazetteer entities, so NATO finds "OTAN".

Exact phrases: Whoosh intersects the postings of the phrase's words, then reads positions in
every segment where they all occur. That is cheap when one word is rare (it leads the
intersection), and slow when every word is common ("de la", "il y a", "of the": each in a large
share of all segments). So common words (the stop lists of the archive languages) also index
their pairs in `text_pairs`, at the position of the first word, with a placeholder "_" at the
other positions so that positions stay those of the words; a phrase made only of common words
becomes the same phrase over pairs there (exact: pair i starts at word i), whose postings are far
shorter. Pairs of all words would do the same for every phrase, but nearly every pair of two
rare words is unique, and Whoosh pays per distinct term: it halved indexing throughput and doubled
the index for phrases that were already fast.
An index made before `text_pairs` existed gets the field but not the pairs of its old
documents: a marker file says so and its phrases keep reading `text` until it is rebuilt.

Indexing analyses each segment's words once for all fields (see `_Analysis`) and writes whole
batches of videos with one writer (`add_many`), on two processes for large batches.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh import query as Q
from whoosh import sorting
from whoosh.analysis import (
    CharsetFilter,
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
    StopFilter,
)
from whoosh.fields import ID, KEYWORD, STORED, TEXT, Schema
from whoosh.lang import has_stemmer, has_stopwords, stemmer_for_language, stopwords_for_language
from whoosh.qparser import FieldAliasPlugin, FuzzyTermPlugin, MultifieldParser, QueryParser
from whoosh.support.charset import accent_map

from .gazetteer import Gazetteer
from .records import Transcript
from .results import (
    QUERY_FIELDS,
    Hit,
    QuerySyntaxError,
    SearchResults,
    check_query,
    mark,
)

logger = logging.getLogger(__name__)

INDEX_NAME = "segments"
PAIRS = "text_pairs"
NO_PAIR = "_"  # keeps the positions of `text_pairs` those of the words
# Fixed, not taken from the archive's languages: an index is only right for the list it was
# built with.
COMMON_WORDS = frozenset(w.translate(accent_map) for language in ("fr", "en")
                         for w in stopwords_for_language(language))
# Written in an index that got `text_pairs` after it had documents (see the docstring).
PAIRS_INCOMPLETE = "text_pairs.incomplete"
# Fuzzy words ("terorisme~") keep their first letter: a typo is rarely the first letter.
FUZZY_PREFIX = 1
# Below this many segments in one batch, a second writer process costs more than it saves.
PARALLEL_MIN_SEGMENTS = 20_000


def _folding_analyzer():
    return RegexTokenizer() | LowercaseFilter() | CharsetFilter(accent_map)


def _stemming_analyzer(language: str):
    chain = RegexTokenizer() | LowercaseFilter()
    if has_stopwords(language):
        chain = chain | StopFilter(stoplist=stopwords_for_language(language), minsize=1)
    # Stem first (the stemmer knows accents), then fold: "coopérations" -> "cooper".
    return chain | StemFilter(lang=language) | CharsetFilter(accent_map)


def stem_field(language: str) -> str:
    return f"stem_{language}"


def make_schema(languages: Sequence[str]) -> Schema:
    schema = Schema(
        video_id=ID(stored=True),
        seg=STORED(),
        start=STORED(),
        end=STORED(),
        language=ID(stored=True),
        text=TEXT(analyzer=_folding_analyzer(), stored=True, phrase=True),
        text_pairs=TEXT(analyzer=_folding_analyzer(), phrase=True),  # indexed from lists
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
    return schema


def open_index(index_dir: Path, languages: Sequence[str] = ("fr", "en")):
    """Open the index, creating it, or adding stem fields for new archive languages."""
    index_dir.mkdir(parents=True, exist_ok=True)
    if not whoosh_index.exists_in(str(index_dir), indexname=INDEX_NAME):
        return whoosh_index.create_in(str(index_dir), make_schema(languages),
                                      indexname=INDEX_NAME)
    ix = whoosh_index.open_dir(str(index_dir), indexname=INDEX_NAME)
    wanted = make_schema(languages)
    missing = [name for name in wanted.names() if name not in ix.schema]
    if missing:  # an index made by an older version, or new archive languages
        if PAIRS in missing and ix.doc_count_all():
            (index_dir / PAIRS_INCOMPLETE).write_text("rebuild the index for fast phrases\n")
        with ix.writer() as writer:
            for name in missing:
                writer.add_field(name, wanted[name])
        ix = whoosh_index.open_dir(str(index_dir), indexname=INDEX_NAME)
    return ix


class _Analysis:
    """Each segment's words analysed once for every field, with the fields' own filters.

    Whoosh indexes a list value as the given tokens, skipping the field's analyzer. Lowercase
    tokens are made once; folding and stemming are memoised per distinct word (speech repeats
    its words); title, speaker and event, the same for all of a video's segments, once per
    video. The result equals what each field's analyzer would make (tests check it), so the
    query parser, which runs those analyzers, finds what was indexed.
    """

    def __init__(self, schema: Schema):
        self.lower = RegexTokenizer() | LowercaseFilter()
        self.folded: dict[str, str] = {}
        self.stems: dict[str, dict[str, str | None]] = {}
        self.stemmers = {name[len("stem_"):]: (
            stemmer_for_language(name[len("stem_"):]),
            frozenset(stopwords_for_language(name[len("stem_"):]))
            if has_stopwords(name[len("stem_"):]) else frozenset())
            for name in schema.names() if name.startswith("stem_")}

    def fold(self, word: str) -> str:
        folded = self.folded.get(word)
        if folded is None:
            folded = self.folded[word] = word.translate(accent_map)
        return folded

    def words(self, text: str) -> list[str]:
        """Lowercase words, as the tokenizer and lowercase filter of every field make them."""
        return [t.text for t in self.lower(text)]

    def folded_words(self, text: str) -> list[str]:
        return [self.fold(w) for w in self.words(text)]

    def stemmed(self, words: list[str], language: str) -> list[str]:
        stem, stop = self.stemmers[language]
        memo = self.stems.setdefault(language, {})
        out = []
        for word in words:
            if word not in memo:
                memo[word] = None if word in stop else self.fold(stem(word))
            if memo[word] is not None:
                out.append(memo[word])
        return out


def _pairs(words: list[str], common: frozenset[str]) -> list[str]:
    """Each word's pair with the next one when both are common, else NO_PAIR."""
    return [f"{a} {b}" if a in common and b in common else NO_PAIR
            for a, b in zip(words, words[1:])]


def _documents(transcript: Transcript, gazetteer: Gazetteer, schema: Schema,
               analysis: _Analysis) -> Iterable[dict]:
    meta = transcript.metadata
    video = {"video_id": transcript.video_id, "speaker_key": meta.speaker, "date": meta.date,
             "year": meta.date[:4], "_stored_title": meta.title,
             "_stored_speaker": meta.speaker, "_stored_event": meta.event,
             "title": analysis.folded_words(meta.title),
             "speaker": analysis.folded_words(meta.speaker),
             "event": analysis.folded_words(meta.event)}
    pairs = PAIRS in schema
    for number, segment in enumerate(transcript.segments):
        ids = list(dict.fromkeys(e.id for e in segment.entities))
        names = [a for i in ids if i in gazetteer.entries for a in gazetteer.entries[i].aliases]
        names += [e.text for e in segment.entities if e.id not in gazetteer.entries]
        if not all(isinstance(t, (int, float)) for t in (segment.start, segment.end)):
            raise ValueError(f"{transcript.video_id} segment {number}: start and end must be "
                             f"seconds, not {segment.start!r} and {segment.end!r}")
        words = analysis.words(segment.text)
        folded = [analysis.fold(w) for w in words]
        doc = dict(video)
        doc.update({
            "seg": number,
            "start": segment.start,
            "end": segment.end,
            "language": segment.language,
            "text": folded,
            "_stored_text": segment.text,
            "entities": ",".join(ids),
            "entity_names": " ; ".join(names),
            "entity_spans": [[e.start_char, e.end_char, e.id] for e in segment.entities],
        })
        if pairs:
            doc[PAIRS] = _pairs(folded, COMMON_WORDS)
        if stem_field(segment.language) in schema:
            doc[stem_field(segment.language)] = analysis.stemmed(words, segment.language)
        yield doc


def add_to_index(index_dir: Path, transcript: Transcript, gazetteer: Gazetteer,
                 languages: Sequence[str] = ("fr", "en")) -> int:
    """(Re)index one video in a single commit; a crash before it leaves the index as it was."""
    return add_many(index_dir, [transcript], gazetteer, languages)


def add_many(index_dir: Path, transcripts: Iterable[Transcript], gazetteer: Gazetteer,
             languages: Sequence[str] = ("fr", "en"), parallel: bool | None = None) -> int:
    """(Re)index many videos in a single commit, all or nothing; returns the segment count.

    One writer for the whole batch: a commit costs a segment merge, which per video made bulk
    indexing ~30 segments/s. `parallel` (default: for a list of at least
    PARALLEL_MIN_SEGMENTS segments) analyses on two processes, each writing its own segment.
    """
    ix = open_index(index_dir, languages)
    if parallel is None:
        parallel = (isinstance(transcripts, Sequence) and
                    sum(len(t.segments) for t in transcripts) >= PARALLEL_MIN_SEGMENTS)
    options = {"procs": 2, "multisegment": True} if parallel else {}
    writer = ix.writer(timeout=60.0, limitmb=256, **options)
    analysis = _Analysis(ix.schema)
    count = 0
    try:
        fresh = not ix.doc_count_all()
        for transcript in transcripts:
            if not fresh:
                writer.delete_by_term("video_id", transcript.video_id)
            for doc in _documents(transcript, gazetteer, ix.schema, analysis):
                writer.add_document(**doc)
                count += 1
    except BaseException:
        writer.cancel()
        raise
    writer.commit()
    return count


def remove_from_index(index_dir: Path, video_id: str) -> int:
    ix = open_index(index_dir)
    with ix.writer(timeout=60.0) as writer:
        return writer.delete_by_term("video_id", video_id)


def is_indexed(index_dir: Path, video_id: str) -> bool:
    if not whoosh_index.exists_in(str(index_dir), indexname=INDEX_NAME):
        return False
    ix = whoosh_index.open_dir(str(index_dir), indexname=INDEX_NAME)
    with ix.searcher() as searcher:
        return bool(searcher.search(Q.Term("video_id", video_id), limit=1).scored_length())


def indexed_video_ids(index_dir: Path) -> set[str]:
    """Ids of the videos that have live documents in the index."""
    if not whoosh_index.exists_in(str(index_dir), indexname=INDEX_NAME):
        return set()
    ix = whoosh_index.open_dir(str(index_dir), indexname=INDEX_NAME)
    with ix.searcher() as searcher:
        # The lexicon keeps terms of deleted documents until a merge: check each id is live.
        return {term.decode() for term in searcher.reader().lexicon("video_id")
                if searcher.search(Q.Term("video_id", term.decode()), limit=1).scored_length()}


def _parser(schema: Schema) -> MultifieldParser:
    stems = [name for name in schema.names() if name.startswith("stem_")]
    fields = ["text", *stems, "entity_names"]
    boosts = {"text": 1.0, "entity_names": 0.6, **{name: 0.8 for name in stems}}
    parser = MultifieldParser(fields, schema, fieldboosts=boosts)
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


def indexed_pairs(index_dir: Path, schema: Schema) -> frozenset[str]:
    """The common words whose pairs every document of the index has (none: no pairs)."""
    if PAIRS not in schema or (index_dir / PAIRS_INCOMPLETE).exists():
        return frozenset()
    return COMMON_WORDS


def parse_query(schema: Schema, text: str, resolve_entity: Callable[[str], str | None],
                pairs: frozenset[str] = frozenset()):
    text = check_query(text)
    try:
        parsed = _parser(schema).parse(text)
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


class _KeptOverlappingCategorizer(sorting.OverlappingCategorizer):
    """Whoosh's categorizer for a multi-valued field (a segment names several entities) lists
    every document's values by reading the postings of every term of the field, the whole index,
    on every query: the bulk of a faceted query's time on a large archive. The lists change
    only with the index, so they are kept on the segment searcher, which our SegmentSearcher
    keeps until a writer commits (then refresh() makes new searchers, with empty caches)."""

    def set_searcher(self, segment_searcher, docoffset):
        cache = segment_searcher._field_caches
        key = ("overlapping-lists", self._fieldname)
        if key in cache and not self._use_vectors and not self._use_column:
            self._segment_searcher, self._lists = segment_searcher, cache[key]
            return
        super().set_searcher(segment_searcher, docoffset)
        if self._lists is not None:
            cache[key] = self._lists


class _OverlappingFacet(sorting.FieldFacet):
    def __init__(self, fieldname: str):
        super().__init__(fieldname, allow_overlap=True, maptype=sorting.Count)

    def categorizer(self, global_searcher):
        return _KeptOverlappingCategorizer(global_searcher, self.fieldname)


def _facet(name: str, field: str):
    if name == "entity":
        return _OverlappingFacet(field)
    return sorting.FieldFacet(field, maptype=sorting.Count)  # cached by Whoosh per searcher


FACETS = {"language": "language", "entity": "entities", "speaker": "speaker_key",
          "year": "year"}


class SegmentSearcher:
    """Searches one index for the life of an app or a command.

    Each thread keeps its own Whoosh searcher (they are not shared across threads), reuses it
    from request to request, and refreshes it only when a writer has committed since.
    """

    def __init__(self, index_dir: Path, gazetteer: Gazetteer):
        self.index_dir = index_dir
        self.gazetteer = gazetteer
        self._local = threading.local()

    def _searcher(self):
        searcher = getattr(self._local, "searcher", None)
        if searcher is None:
            if not whoosh_index.exists_in(str(self.index_dir), indexname=INDEX_NAME):
                return None
            ix = whoosh_index.open_dir(str(self.index_dir), indexname=INDEX_NAME)
            searcher = ix.searcher()
        elif not searcher.up_to_date():
            searcher = searcher.refresh()
        self._local.searcher = searcher
        return searcher

    def search(self, text: str, language: str | None = None, entity: str | None = None,
               speaker: str | None = None, year: str | None = None, page: int = 1,
               per_page: int = 20, facets: bool = False) -> SearchResults:
        """Segments best first, one page; with `facets`, counts over every match.

        Raises QuerySyntaxError for a query it cannot read.
        """
        searcher = self._searcher()
        if searcher is None:
            check_query(text)  # a bad query is an error even on an empty archive
            return SearchResults(query=text, total=0, page=page, per_page=per_page)
        lookup = self.gazetteer.lookup
        parsed = parse_query(searcher.schema, text, lookup,
                             indexed_pairs(self.index_dir, searcher.schema))
        grouped = ({name: _facet(name, field) for name, field in FACETS.items()
                    if field in searcher.schema} if facets else None)
        results = searcher.search(parsed, limit=page * per_page, groupedby=grouped,
                                  filter=_filters(language, entity, speaker, year, lookup))
        matched = _matched_terms(parsed, searcher.reader())
        entity_matcher = _entity_matcher(self.gazetteer, matched)
        hits = [_hit(searcher.schema, hit, matched, entity_matcher)
                for hit in results[(page - 1) * per_page:page * per_page]]
        counts = {name: _sorted_counts(results.groups(name)) for name in grouped or {}}
        return SearchResults(query=text, total=len(results), hits=hits, page=page,
                             per_page=per_page, facets=counts)


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


def _sorted_counts(groups: dict) -> dict[str, int]:
    pairs = [(k.decode() if isinstance(k, bytes) else str(k), n) for k, n in groups.items() if k]
    return dict(sorted(pairs, key=lambda kv: (-kv[1], kv[0])))


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

