"""One page of hits: stored fields, highlighted words and entities, as `results.Hit`."""

from __future__ import annotations

from collections.abc import Callable

from whoosh import query as Q
from whoosh.fields import Schema

from ..gazetteer import Gazetteer
from ..results import Hit, mark
from .schema import (
    BRIDGE,
    BRIDGE_PAIR,
    BRIDGE_WORDS,
    NEXT_MARK,
    NEXT_PASSAGE,
    PAIRS,
    _folding_analyzer,
    phrase_stem_field,
    stem_field,
)

_FOLDING = _folding_analyzer()
PHRASE_STEMS = phrase_stem_field("")


def matched_terms(query, reader) -> dict[str, set[str]]:
    """Index terms the query really matched (wildcards and fuzzy terms expanded), per field."""
    terms: dict[str, set[str]] = {}
    # Leaf by leaf: Whoosh 2.7's existing_terms reuses its `fieldname` argument as a loop
    # variable, so on a whole tree it drops every field but the first one it meets.
    for leaf in query.leaves():
        for fieldname, term in leaf.existing_terms(reader, phrases=True, expand=True):
            text = term.decode() if isinstance(term, bytes) else term
            if fieldname == PAIRS:  # a phrase of these words of the text
                terms.setdefault("text", set()).update(text.split(" "))
            elif fieldname in (BRIDGE, BRIDGE_PAIR):  # the text phrase's words: found there
                continue
            elif fieldname.startswith(PHRASE_STEMS):  # the stems, highlighted as such
                terms.setdefault("stem_" + fieldname[len(PHRASE_STEMS):], set()).add(text)
            else:
                terms.setdefault(fieldname, set()).add(text)
    return terms


def crossings(query) -> list[tuple[list[str], list[str]]]:
    """The phrases of `query` across a passage boundary (phrase_forms.crossings): the words
    before the boundary and those after, folded."""
    found = []
    for leaf in query.leaves():
        if isinstance(leaf, Q.Phrase) and leaf.fieldname == BRIDGE:
            before = [w for w in leaf.words if not w.startswith(NEXT_MARK)]
            after = [w[len(NEXT_MARK):] for w in leaf.words if w.startswith(NEXT_MARK)]
            found.append((before, after))
    return found


def _crossing(stored: dict, phrases: list[tuple[list[str], list[str]]]) -> set[str]:
    """The words of the next passage's opening that a phrase runs on into (empty: none),
    checked on the words as indexed in `BRIDGE` (writing._bridge)."""
    following = stored.get(NEXT_PASSAGE)
    if not phrases or not following:
        return set()
    own = [t.text for t in _FOLDING(stored["text"])][-BRIDGE_WORDS:]
    head = [t.text for t in _FOLDING(following[1])][:BRIDGE_WORDS]
    return {word for before, after in phrases
            if own[len(own) - len(before):] == before and head[:len(after)] == after
            for word in after}


def _spans(analyzer, text: str, words: set[str]) -> list[tuple[int, int]]:
    return [(t.startchar, t.endchar) for t in analyzer(text, chars=True, mode="index")
            if t.text in words]


def entity_matcher(gazetteer: Gazetteer, matched: dict[str, set[str]]):
    """Tell whether an entity was what the query asked for ("NATO" -> the span "OTAN")."""
    ids = matched.get("entities", set())
    names = matched.get("entity_names", set())
    folding = _FOLDING

    def wanted(entity_id: str) -> bool:
        if entity_id in ids:
            return True
        entry = gazetteer.entries.get(entity_id)
        # Every word of one alias must have matched: NATO marks "OTAN", not the whole
        # "Conseil OTAN-Russie" whose English alias merely contains "NATO".
        return bool(names and entry and any({t.text for t in folding(alias)} <= names
                                              for alias in entry.aliases))

    return wanted


def make_hit(schema: Schema, stored: dict, score: float | None, matched: dict[str, set[str]],
             is_wanted_entity: Callable[[str], bool],
             phrases: list[tuple[list[str], list[str]]] | None = None) -> Hit:
    """`phrases`: the query's phrases across a passage boundary (`crossings`); a passage
    where one runs on into the next passage ends where that one ends, and shows its opening
    words (`Hit.continued`)."""
    text = stored["text"]
    spans: list[tuple[int, int]] = []
    for fieldname in ("text", stem_field(stored["language"])):
        if fieldname in schema and matched.get(fieldname):
            spans += _spans(schema[fieldname].analyzer, text, matched[fieldname])
    ran_on = _crossing(stored, phrases or [])
    until, continued = stored["end"], ""
    if ran_on:
        until, opening = stored[NEXT_PASSAGE]
        continued = mark(opening, _spans(_FOLDING, opening, ran_on))
    for start, end, entity_id in stored.get("entity_spans", []):
        if is_wanted_entity(entity_id):
            spans.append((start, end))
    return Hit(
        video_id=stored["video_id"], title=stored.get("title", ""), start=stored["start"],
        end=until, text=text, highlight=mark(text, spans), continued=continued,
        language=stored["language"],
        entities=[e for e in stored.get("entities", "").split(",") if e],
        score=round(score or 0.0, 4), date=stored.get("date", ""),
        speaker=stored.get("speaker", ""), source=stored.get("source", "asr"),
    )
