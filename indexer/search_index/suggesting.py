"""Spelling suggestions: the query as typed, each unknown word replaced by the closest word
said in the archive.

Not Whoosh's `correct_query`: it puts each correction back at the character span of its query
term, and a term has none when the analyzer splits one typed word into several ("x~2",
"a\\0b", "%FF%FE", "onload=alert": a TypeError, a 500 on the search page). Here the words come
from the parser's syntax tree, whose nodes always have their span, each node's text split by
the field's analyzer, which gives every word its own span. Only plain words and the words of
phrases are corrected; operators, field filters, fuzzy and wildcard words, ranges and boosts
stay as typed.
"""

from __future__ import annotations

from collections.abc import Iterator

from whoosh.qparser import PhrasePlugin, syntax
from whoosh.support.levenshtein import distance

from .parsing import within_distance, words_as_said_parser

FIELD = "text"  # the words as said, not their stems
MAX_EDITS = 2
# Within two edits of a word of one or two letters is nearly every short word: no suggestion.
MIN_LENGTH = 3
_CORRECTED_NODES = (syntax.WordNode, PhrasePlugin.PhraseNode)


def _nodes(group) -> Iterator[syntax.SyntaxNode]:
    for node in group:
        if isinstance(node, syntax.GroupNode):
            yield from _nodes(node)
        else:
            yield node


def typed_words(schema, text: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, word) of each word of `text` to spell-check, in order: `word` as the
    field indexes it (folded), text[start:end] as typed."""
    analyzer = schema[FIELD].analyzer
    for node in _nodes(words_as_said_parser(schema).process(text)):
        # type(), not isinstance: a fuzzy word's node is a WordNode too.
        if (type(node) not in _CORRECTED_NODES or node.fieldname not in (None, FIELD)
                or node.startchar is None or node.endchar is None):
            continue
        span = text[node.startchar:node.endchar]
        for token in analyzer(span, chars=True, mode="query", start_char=node.startchar):
            yield token.startchar, token.endchar, token.text


def _closest(reader, word: str) -> str | None:
    """The archive's word fewest edits away, the most frequent among equals."""
    found = within_distance(reader, FIELD, word, MAX_EDITS, prefix=0)
    return min(found, key=lambda w: (distance(word, w), -reader.doc_frequency(FIELD, w), w),
               default=None)


def suggest(searcher, text: str) -> str | None:
    """`text` with its unknown words corrected; None when there is nothing to correct."""
    if FIELD not in searcher.schema:
        return None
    reader = searcher.reader()
    pieces, last = [], 0
    for start, end, word in typed_words(searcher.schema, text):
        if (start < last or len(word) < MIN_LENGTH or word.isdigit()
                or (FIELD, word) in reader):
            continue
        better = _closest(reader, word)
        if better is not None and better != word:
            pieces += [text[last:start], better]
            last = end
    return "".join([*pieces, text[last:]]) if pieces else None
