"""One page of hits: stored fields, highlighted words and entities, as `results.Hit`."""

from __future__ import annotations

from collections.abc import Callable

from whoosh.fields import Schema

from ..gazetteer import Gazetteer
from ..results import Hit, mark
from .schema import PAIRS, _folding_analyzer, stem_field


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
            else:
                terms.setdefault(fieldname, set()).add(text)
    return terms


def entity_matcher(gazetteer: Gazetteer, matched: dict[str, set[str]]):
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


def make_hit(schema: Schema, stored: dict, score: float | None, matched: dict[str, set[str]],
         is_wanted_entity: Callable[[str], bool]) -> Hit:
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
        score=round(score or 0.0, 4), date=stored.get("date", ""),
        speaker=stored.get("speaker", ""), source=stored.get("source", "asr"),
    )
