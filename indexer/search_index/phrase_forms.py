"""The forms of a quoted phrase that are searched, besides its words as typed in `text`.

- A phrase of common words only: the same phrase over their pairs (`text_pairs`, the package
  docstring), far shorter posting lists, still exact.
- Its words' other forms: the phrase over the stems, with positions (`phrase_stem_<lang>`,
  format 5), as a phrase on an analysed field is in Lucene-based engines; the exact form,
  matched too, adds its own score, so it ranks first. `exact:"…"` (a field, so not this Or)
  skips them.
- Across the boundary of two consecutive passages: phrases over `text_bridge` (schema.py).
"""

from __future__ import annotations

from whoosh import query as Q

from .schema import (
    BRIDGE,
    BRIDGE_PAIR,
    BRIDGE_WORDS,
    COMMON_WORDS,
    NEXT_MARK,
    PAIRS,
    phrase_stem_field,
)
from .writing import _pairs


def pair_phrase(phrase: Q.Phrase, common: frozenset[str]):
    """A phrase of common words as the same phrase of their pairs (module doc); others as is."""
    if not all(w in common for w in phrase.words):
        return phrase
    pairs = _pairs(list(phrase.words), common)
    if len(pairs) == 1:
        return Q.Term(PAIRS, pairs[0], boost=phrase.boost)
    return Q.Phrase(PAIRS, pairs, boost=phrase.boost)


def crossings(phrase: Q.Phrase) -> list[Q.And]:
    """The phrase across a boundary between two passages, at each split that leaves at most
    BRIDGE_WORDS words on either side: the boundary's pair of words AND the phrase of
    `BRIDGE` (schema.py). None for a phrase of common words only: "de la" ends one passage
    and begins the next thousands of times."""
    words = list(phrase.words)
    if all(word in COMMON_WORDS for word in words):
        return []
    return [Q.And([Q.Term(BRIDGE_PAIR, f"{words[split - 1]} {words[split]}",
                          boost=phrase.boost),
                   Q.Phrase(BRIDGE, words[:split] + [NEXT_MARK + w for w in words[split:]],
                            boost=phrase.boost)])
            for split in range(1, len(words))
            if split <= BRIDGE_WORDS and len(words) - split <= BRIDGE_WORDS]


def phrase_form(part, parts):
    """One field's form of an unfielded phrase as searched (parsing._refine), None for a
    form not searched.

    The exact words (`text`) and the entity names as they are. A stem field's form, the same
    phrase over the words' stems (so that "apprentissage profond" finds "apprentissage
    profonde"; the exact form, matched too, adds its own score and ranks first), is read in
    the stems with positions (`phrase_stem_<lang>`), and only when it is still a phrase of
    its content words: the stem fields drop stop words, so '"la défense"' arrives there as
    the single word `defens` (every segment with "défense"), and a phrase of common words
    only ('"il y a"') as a few of them, matching anything. Stop words between the stems are
    not compared ("ministre de la défense" also finds "ministres des défenses"); the other
    language's stems, which keep this language's stop words ("la secur" in `stem_en`), would
    find nothing the exact words miss."""
    if not part.fieldname.startswith("stem_"):
        return part
    said = next((q for q in parts if isinstance(q, Q.Phrase) and q.fieldname == "text"), None)
    if not isinstance(part, Q.Phrase) or said is None:
        return None
    content = [word for word in said.words if word not in COMMON_WORDS]
    if not len(part.words) == len(content) > 1:
        return None
    return Q.Phrase(phrase_stem_field(part.fieldname[len("stem_"):]), part.words,
                    boost=part.boost)
