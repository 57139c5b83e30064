"""The only package that talks to Whoosh; no other module imports it.

- `schema`: fields, analyzers; `opening`: opening, and the format version stored with the
  index (an index of another format is refused: `speechsearch reindex`, indexer/reindex.py);
  `mapped`: the index's segment files read in place over memory maps, not copied;
- `writing`: add_to_index, add_many, remove_from_index, replace_all;
- `querying`: SegmentSearcher, query_index; `parsing`: the query typed to Whoosh's query tree;
  `phrase_forms`: the forms of a quoted phrase searched (pairs, stems, across passages);
- `array_search`, `postings`, `phrases`: that tree evaluated with numpy over the posting
  lists, scored as Whoosh scores (Whoosh itself walks every match in Python);
  `scored`: the set operations of the query tree on scored documents; `posting_cache`:
  frequent terms' lists decoded once and kept, bounded, per index segment; `list_arrays`
  (read) and `list_writing` (written after each commit): each segment's long lists also as
  raw arrays in a file beside it, read over a memory map without decoding;
- `whoosh_internals` and `bulk_writer`: the only modules that touch Whoosh's private
  structures (the array path's; bulk writing's); on another Whoosh version, or on any
  failure in the array path, queries go through Whoosh's own searcher, with the same results;
- `quoting`: where a quote as remembered was said (candidates from the rarest words'
  postings, then an alignment of the words around them: indexer/quote_diff.py);
- `counting`: facets, and totals up to a bound for the queries Whoosh runs; `require`:
  filters; `hits`: a page of highlighted hits.

One document per passage of `Transcript.reading()`: the official text's passages where one is
attached (and the machine transcript's where the text does not cover the audio), else the
machine transcript's segments; `source` says which ("official" or "asr": the source filter,
`source:` and the facet). The text is indexed six ways:
- `text`: words folded to lowercase without accents, with positions;
- `text_bridge`: the passage's last words and the next passage's first (marked), with
  positions, for phrases across the boundary (schema.py, phrase_forms.py), and
  `text_bridge_pair` the boundary's pair of words, their candidates; the next
  passage's end and opening words are stored with it, for the hit (`Hit.continued`);
- `text_pairs`: each pair of neighbouring common words ("de la", "of the"), with positions,
  for exact phrases of common words (below);
- `stem_<lang>`: folded, then stemmed for the segment's language (coopérations and
  cooperation find coopération); a plain word reads these and `entity_names` only, a common
  word `text` only (parsing._plain_word_fields);
- `phrase_stem_<lang>`: the same stems with positions, read by quoted phrases alone (their
  words' other forms: phrase_forms.py), so that the blocks plain words read stay small;
- `entity_names`: every alias of the segment's gazetteer entities, so NATO finds "OTAN".

Exact phrases: the postings of the phrase's words are intersected, rarest first, then
positions are read in every segment where they all occur (phrases.py). That is cheap when one
word is rare, and slow when every word is common ("de la", "il y a", "of the": each in a large
share of all segments). So common words (the stop lists of the archive languages) also index
their pairs in `text_pairs`, at the position of the first word, with a placeholder "_" at the
other positions so that positions stay those of the words; a phrase made only of common words
becomes the same phrase over pairs there (exact: pair i starts at word i), whose postings are far
shorter. Pairs of all words would do the same for every phrase, but nearly every pair of two
rare words is unique, and Whoosh pays per distinct term: it halved indexing throughput and doubled
the index for phrases that were already fast.
An index made before `text_pairs` existed is of an older format: it is refused until rebuilt
(opening.py).

Indexing analyses each segment's words once for all fields (see `_Analysis`) and writes whole
batches of videos with one writer (`add_many`), on two processes for large batches.
"""

from ..results import QUERY_FIELDS, QuerySyntaxError
from .opening import FORMAT_FILE, FORMAT_VERSION, IndexFormatError, needs_rebuild, open_index
from .parsing import indexed_pairs, parse_query
from .querying import FACETS, SegmentSearcher, query_index
from .schema import (
    COMMON_WORDS,
    INDEX_NAME,
    PAIRS,
    PAIRS_INCOMPLETE,
    make_schema,
    stem_field,
)
from .writing import (
    _Analysis,
    add_many,
    add_to_index,
    indexed_video_ids,
    is_indexed,
    remove_from_index,
    replace_all,
)

__all__ = [
    "COMMON_WORDS", "FACETS", "FORMAT_FILE", "FORMAT_VERSION", "INDEX_NAME",
    "IndexFormatError", "PAIRS", "PAIRS_INCOMPLETE", "QUERY_FIELDS", "QuerySyntaxError",
    "SegmentSearcher", "_Analysis", "add_many", "add_to_index", "indexed_pairs",
    "indexed_video_ids", "is_indexed", "make_schema", "needs_rebuild", "open_index",
    "parse_query", "query_index", "remove_from_index", "replace_all", "stem_field",
]
