"""The only module that talks to Whoosh: schema, add_to_index, remove_from_index, query_index.

One document per transcript segment. The text is indexed three ways:
- `text`: words folded to lowercase without accents, with positions, for exact phrases;
- `stem_<lang>`: stemmed for the segment's language (coopérations finds coopération);
- `entity_names`: every alias of the segment's gazetteer entities, so NATO finds "OTAN".
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
from whoosh.fields import ID, KEYWORD, NUMERIC, STORED, TEXT, Schema
from whoosh.lang import has_stemmer, has_stopwords, stopwords_for_language
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
        doc_id=ID(unique=True, stored=True),
        video_id=ID(stored=True),
        seg=NUMERIC(int, stored=True),
        start=NUMERIC(float, stored=True),
        end=NUMERIC(float, stored=True),
        language=ID(stored=True),
        text=TEXT(analyzer=_folding_analyzer(), stored=True, phrase=True),
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
        with ix.writer() as writer:
            for name in missing:
                writer.add_field(name, wanted[name])
        ix = whoosh_index.open_dir(str(index_dir), indexname=INDEX_NAME)
    return ix


def _documents(transcript: Transcript, gazetteer: Gazetteer, schema: Schema) -> Iterable[dict]:
    meta = transcript.metadata
    for number, segment in enumerate(transcript.segments):
        ids = list(dict.fromkeys(e.id for e in segment.entities))
        names = [a for i in ids if i in gazetteer.entries for a in gazetteer.entries[i].aliases]
        names += [e.text for e in segment.entities if e.id not in gazetteer.entries]
        doc = {
            "doc_id": f"{transcript.video_id}/{number}",
            "video_id": transcript.video_id,
            "seg": number,
            "start": segment.start,
            "end": segment.end,
            "language": segment.language,
            "text": segment.text,
            "entities": ",".join(ids),
            "entity_names": " ; ".join(names),
            "title": meta.title,
            "speaker": meta.speaker,
            "speaker_key": meta.speaker,
            "event": meta.event,
            "date": meta.date,
            "year": meta.date[:4],
            "entity_spans": [[e.start_char, e.end_char, e.id] for e in segment.entities],
        }
        if stem_field(segment.language) in schema:
            doc[stem_field(segment.language)] = segment.text
        yield doc


def add_to_index(index_dir: Path, transcript: Transcript, gazetteer: Gazetteer,
                 languages: Sequence[str] = ("fr", "en")) -> int:
    """(Re)index one video in a single commit; a crash before it leaves the index as it was."""
    ix = open_index(index_dir, languages)
    writer = ix.writer(timeout=60.0)
    try:
        writer.delete_by_term("video_id", transcript.video_id)
        count = 0
        for doc in _documents(transcript, gazetteer, ix.schema):
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


def _refine(query, resolve_entity: Callable[[str], str | None]):
    """Exact phrases read only the unstemmed fields; entity names become canonical ids."""
    if isinstance(query, Q.Or) and any(isinstance(q, Q.Phrase) for q in query.subqueries):
        kept = [q for q in query.subqueries
                if not (isinstance(q, Q.Phrase) and q.fieldname.startswith("stem_"))]
        return Q.Or([_refine(q, resolve_entity) for q in kept])
    if isinstance(query, Q.Term) and query.fieldname == "entities":
        return Q.Term("entities", (resolve_entity(query.text) or query.text).lower())
    if query.is_leaf():
        return query
    return query.apply(lambda q: _refine(q, resolve_entity))


def parse_query(schema: Schema, text: str, resolve_entity: Callable[[str], str | None]):
    text = check_query(text)
    try:
        parsed = _parser(schema).parse(text)
    except Exception as exc:  # Whoosh raises assorted errors on odd syntax
        raise QuerySyntaxError(f"Cannot read the query: {exc}") from exc
    if parsed is Q.NullQuery or isinstance(parsed, type(Q.NullQuery)):
        raise QuerySyntaxError("The query has no searchable words (only operators, "
                               "punctuation or words too common to index).")
    return _refine(parsed, resolve_entity)


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
        parsed = parse_query(searcher.schema, text, lookup)
        grouped = ({name: sorting.FieldFacet(field, allow_overlap=(name == "entity"),
                                             maptype=sorting.Count)
                    for name, field in FACETS.items() if field in searcher.schema}
                   if facets else None)
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
