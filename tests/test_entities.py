"""Gazetteer and spaCy NER: canonical ids across languages, nested names, archivist entries."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from indexer.entities import EntityTagger
from indexer.gazetteer import Gazetteer, GazetteerError
from indexer.records import Segment


@pytest.fixture(scope="module")
def tagger(gazetteer: Gazetteer) -> EntityTagger:
    return EntityTagger(gazetteer)


def ids(tagger: EntityTagger, text: str, language: str) -> list[str]:
    seg = Segment(0, 1, text, language=language)
    tagger.tag([seg])
    return [e.id for e in seg.entities]


def test_nested_names_inside_the_council_are_tagged(tagger: EntityTagger) -> None:
    found = ids(tagger, "Je viens de présider le Conseil OTAN-Russie.", "fr")
    assert {"org:nato-russia-council", "org:nato", "country:ru"} <= set(found)
    found = ids(tagger, "vers une relation OTAN-Russie meilleure", "fr")
    assert {"org:nato", "country:ru"} <= set(found)


def test_same_canonical_id_in_french_and_english(tagger: EntityTagger) -> None:
    fr = ids(tagger, "L'OTAN et la Russie coopèrent en Afghanistan.", "fr")
    en = ids(tagger, "NATO and Russia cooperate in Afghanistan.", "en")
    assert {"org:nato", "country:ru", "country:af"} <= set(fr) & set(en)


def test_people_from_the_gazetteer_and_from_ner(tagger: EntityTagger) -> None:
    found = ids(tagger, "les propositions du président Medvedev présentées par M. Lavrov "
                        "et saluées par Angela Merkel", "fr")
    assert "per:medvedev" in found and "per:lavrov" in found
    assert found.count("per:medvedev") == 1  # not again for "Medvedev" inside the title
    assert any(i.startswith("per:") and "merkel" in i for i in found)


def test_common_words_are_not_places_or_organisations(tagger: EntityTagger) -> None:
    found = ids(tagger, "Un exemple de réunion à Bruxelles.", "fr")
    assert "country:re" not in found and "org:un" not in found
    assert "loc:brussels" in found


def test_entity_offsets_point_into_the_text(tagger: EntityTagger) -> None:
    seg = Segment(0, 1, "Le Conseil OTAN-Russie s'est réuni.", language="fr")
    tagger.tag([seg])
    for entity in seg.entities:
        assert seg.text[entity.start_char:entity.end_char] == entity.text


def test_lookup_aliases_ids_and_case(gazetteer: Gazetteer) -> None:
    assert gazetteer.lookup("NATO") == gazetteer.lookup("OTAN") == "org:nato"
    assert gazetteer.lookup("otan") == "org:nato"
    assert gazetteer.lookup("un") is None and gazetteer.lookup("UN") == "org:un"
    assert gazetteer.lookup("russie") == gazetteer.lookup("Russia") == "country:ru"
    assert gazetteer.display_name("org:nato", "fr") == "OTAN"
    assert gazetteer.display_name("org:nato", "en") == "NATO"


def test_archivists_extend_the_gazetteer(tmp_path: Path) -> None:
    path = tmp_path / "gazetteer.json"
    path.write_text(json.dumps({"entities": [
        {"id": "per:stoltenberg", "label": "PER",
         "names": {"fr": ["Jens Stoltenberg"], "en": ["Jens Stoltenberg"]}},
        {"id": "country:ru", "label": "LOC", "names": {"fr": ["la Fédération russe"]}}]}))
    gazetteer = Gazetteer.load(path)
    tagger = EntityTagger(gazetteer)
    assert "per:stoltenberg" in ids(tagger, "Jens Stoltenberg est arrivé.", "fr")
    assert gazetteer.lookup("la Fédération russe") == "country:ru"
    assert gazetteer.lookup("Russie") == "country:ru"  # pycountry's names are kept


@pytest.mark.parametrize("content, message", [
    ("{not json", "cannot read gazetteer"),
    (json.dumps({"entities": [{"names": {"fr": ["X"]}}]}), "needs an 'id'"),
    (json.dumps({"entities": [{"id": "x:y", "label": "THING", "names": {"fr": ["X"]}}]}),
     "label must be one of"),
])
def test_malformed_gazetteer_names_the_fault(tmp_path: Path, content: str,
                                             message: str) -> None:
    path = tmp_path / "gazetteer.json"
    path.write_text(content)
    with pytest.raises(GazetteerError, match=message):
        Gazetteer.load(path)


def test_prompt_lists_key_names_in_each_language(gazetteer: Gazetteer) -> None:
    assert gazetteer.prompt("fr") == "Conseil OTAN-Russie."
    assert gazetteer.prompt("en") == "NATO-Russia Council."
