"""Check against delivery: departures of the speech from its official text (issue 15).

Real model, real audio: the synthetic statements fr_minister.ogg and en_budget.mp3
(scripts/make_delivery_fixtures.py, with the text said in `<name>.ref.txt`) and the corpus
read-along fr_readalong_ej.m4a, transcribed by Whisper base, then texts with departures
planted through both alignment stages. Planted times come from the text said, aligned the
same way.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import FIXTURES

from indexer.decode import load_audio
from indexer.official.align import AlignedWord, Alignment, align
from indexer.official.delivery import Departure, departures
from indexer.official.forced import force_align
from indexer.pipeline import Indexer
from indexer.store import load_transcript

TOLERANCE = 0.5  # s
MAX_OMITTED_SECONDS = 1.5

# Per statement: (sentence said, taken out of the text), (where a sentence not said is put in,
# that sentence), (number said, number written).
PLANTS = {
    "fr_minister.ogg": ("Bonjour à tous.",
                        ("La réunion", "Les journalistes pourront poser leurs questions."),
                        ("15", "16")),
    "en_budget.mp3": ("Good morning everyone.",
                      ("The work", "Questions will follow afterwards."), ("28", "29")),
}
NUMBERS_AS_WORDS = {"fr_minister.ogg": ("15", "quinze"), "en_budget.mp3": ("28", "twenty-eight")}
EJ_REMOVED = ("Ce corpus permettra d'entraîner la TA, neuronale ou statistique, ainsi que "
              "d'autres applications de traitement du langage naturel.")
EJ_PLANTED = "Le comité se réunira de nouveau à Ottawa au mois de juin."


class Speech:
    """A recording, the words said in it, and a way to align any text to it."""

    def __init__(self, indexer: Indexer, media: Path, said: Path, model) -> None:
        outcome = indexer.transcribe_file(media)
        assert outcome.status in ("transcribed", "skipped"), outcome.reason
        self.transcript = load_transcript(indexer.settings.transcripts_dir, outcome.video_id)
        self.audio = load_audio(media)
        self.model = model
        self.words = said.read_text(encoding="utf-8").split()
        self.reference = self.forced(self.text)

    @property
    def text(self) -> str:
        return " ".join(self.words)

    def forced(self, text: str) -> Alignment:
        return force_align(align(text.split(), self.transcript), self.audio, self.model)

    def span(self, passage: str) -> tuple[float, float]:
        """Where the words of `passage` (once in the text said) are said."""
        target = passage.split()
        at = next(i for i in range(len(self.words))
                  if self.words[i:i + len(target)] == target)
        timed = self.reference.words[at:at + len(target)]
        return timed[0].start, timed[-1].end


@pytest.fixture(scope="module", params=sorted(PLANTS))
def statement(request, session_indexer: Indexer, engine) -> tuple[str, Speech]:
    media = FIXTURES / request.param
    return request.param, Speech(session_indexer, media,
                                 media.with_name(media.name.split(".")[0] + ".ref.txt"),
                                 engine.model)


@pytest.fixture(scope="module")
def readalong(session_indexer: Indexer, corpus: Path, engine) -> Speech:
    return Speech(session_indexer, corpus / "fr_readalong_ej.m4a",
                  corpus / "fr_readalong_ej.ref.txt", engine.model)


def near(departure: Departure, start: float, end: float) -> bool:
    return abs(departure.start - start) <= TOLERANCE and abs(departure.end - end) <= TOLERANCE


def at_point(departure: Departure, point: float) -> bool:
    """An omitted passage is said nowhere: it starts where the text puts it, and is short
    (the forced alignment gives its words a little of their neighbours' audio, up to 0.9 s
    on these recordings)."""
    return (abs(departure.start - point) <= TOLERANCE
            and departure.end - departure.start <= MAX_OMITTED_SECONDS)


def of_kind(found: list[Departure], kind: str) -> list[Departure]:
    return [departure for departure in found if departure.kind == kind]


def test_the_text_said_gives_no_departure(statement) -> None:
    """Whisper mishears some words ("enfoncer", "termine à peu plus" in the French, "free
    schools" in the English): the audio does not disagree with the text, nothing to report."""
    _, speech = statement
    assert departures(speech.reference) == []


def test_a_number_in_digits_said_in_words_is_no_departure(statement) -> None:
    name, speech = statement
    digits, words = NUMBERS_AS_WORDS[name]
    assert digits in speech.words
    assert departures(speech.forced(speech.text.replace(digits, words))) == []


def test_planted_departures_are_found_where_they_are(statement) -> None:
    name, speech = statement
    removed, (before, inserted), (said, written) = PLANTS[name]
    text = (speech.text.replace(removed + " ", "").replace(before, f"{inserted} {before}")
            .replace(f" {said} ", f" {written} "))
    found = departures(speech.forced(text))
    assert [departure.start for departure in found] == sorted(d.start for d in found)
    assert sorted(departure.kind for departure in found) == ["added", "changed", "omitted"]
    added, = of_kind(found, "added")
    assert added.official == "" and added.said.split()[0] == removed.split()[0]
    assert near(added, *speech.span(removed)), (added, speech.span(removed))
    omitted, = of_kind(found, "omitted")
    assert (omitted.official, omitted.said) == (inserted, "")
    point = speech.span(before)[0]  # said where the text puts it: just before `before`
    assert at_point(omitted, point), (omitted, point)
    changed, = of_kind(found, "changed")
    assert (changed.official, changed.said) == (written, said)
    assert near(changed, *speech.span(said)), (changed, speech.span(said))


def test_misheard_names_of_a_real_recording_are_not_changes(readalong: Speech) -> None:
    heard = {word.text: word.heard for word in readalong.reference.words}
    assert all(0.0 < word.heard_probability <= 1.0 for word in readalong.reference.words
               if word.status != "interpolated")
    assert heard["Joanis."] != "Joanis." and heard["Nunavut"] != "Nunavut"  # misheard
    found = departures(readalong.reference)
    reported = " ".join(departure.official for departure in found)
    assert "Joanis" not in reported and "Nunavut" not in reported, found
    assert not of_kind(found, "omitted") and not of_kind(found, "added"), found
    # The reader says "applications du traitement" (Whisper sure of "du", the decoder refusing
    # the written "de"): the one word reported is a real change.
    assert [(d.official, d.said) for d in found] in ([], [("de", "du")])


def test_planted_departures_in_a_real_recording(readalong: Speech) -> None:
    assert EJ_REMOVED in readalong.text
    text = (readalong.text.replace(EJ_REMOVED + " ", "")
            .replace("Bonjour. ", f"Bonjour. {EJ_PLANTED} ")
            .replace("une bonne partie", "une grande partie"))
    found = [d for d in departures(readalong.forced(text)) if d.official != "de"]
    assert sorted(departure.kind for departure in found) == ["added", "changed", "omitted"]
    added, = of_kind(found, "added")
    assert added.said.split()[:2] == ["Ce", "corpus"]
    assert near(added, *readalong.span(EJ_REMOVED)), added
    omitted, = of_kind(found, "omitted")
    assert omitted.official == EJ_PLANTED
    point = readalong.span("Je m'appelle")[0]
    assert at_point(omitted, point), (omitted, point)
    changed, = of_kind(found, "changed")
    assert (changed.official, changed.said) == ("grande", "bonne")
    assert near(changed, *readalong.span("bonne")), changed


def test_consecutive_changed_words_are_one_departure() -> None:
    """Two written words the audio refuses, one Whisper word heard for both; then a mishearing
    (the official word about as likely as the heard one), which is not a change."""
    words = [*heard_as_written(["Le", "conseil", "se", "réunit"], -2.0),
             AlignedWord("le", 0.0, 0.2, 0.9, "matched", heard="le", heard_probability=0.9),
             AlignedWord("29", 0.2, 0.5, 0.001, "substituted", heard="28",
                         heard_probability=0.8),
             AlignedWord("juin", 0.5, 0.9, 0.0, "substituted", heard="mars",
                         heard_probability=0.9),
             AlignedWord("Joanis", 0.9, 1.3, 0.45, "substituted", heard="Joannis",
                         heard_probability=0.5),
             *heard_as_written(["a", "dit", "à", "Ottawa"], 1.3)]
    alignment = Alignment(words, 0.25, 0.0, [], [], [], "fr")
    found, = departures(alignment)
    assert found.to_dict() == {"kind": "changed", "start": 0.2, "end": 0.9,
                               "official": "29 juin", "said": "28 mars"}


def heard_as_written(texts: list[str], start: float) -> list[AlignedWord]:
    return [AlignedWord(text, start + n * 0.4, start + n * 0.4 + 0.3, 0.9, "matched",
                        heard=text, heard_probability=0.9) for n, text in enumerate(texts)]


def test_a_refused_word_amid_misheard_words_is_not_a_change() -> None:
    """Where Whisper could not follow the speech (its neighbours misheard too), the decoder's
    refusal of the written word is no evidence that the speaker said another."""
    misheard = [AlignedWord(text, 1.0 + n * 0.4, 1.3 + n * 0.4, 0.3, "substituted",
                            heard="x", heard_probability=0.4)
                for n, text in enumerate(["productive", "à", "long", "terme"])]
    words = [*heard_as_written(["une", "relation"], 0.0), misheard[0], misheard[1],
             AlignedWord("vers", 1.8, 2.0, 0.0005, "substituted", heard="mais",
                         heard_probability=0.98),
             misheard[2], misheard[3], *heard_as_written(["avec", "la", "Russie"], 3.0)]
    alignment = Alignment(words, 0.5, 0.5, [], [], [], "fr")
    assert departures(alignment) == []
    # The same word amid words heard as written is reported.
    clear = [*heard_as_written(["une", "relation", "plus", "stable"], 0.0), words[4],
             *heard_as_written(["avec", "la", "Russie", "demain"], 3.0)]
    assert [d.official for d in departures(Alignment(clear, 0.9, 0.9, [], [], [], "fr"))] == [
        "vers"]


@pytest.mark.parametrize("name, said, written", [("en_budget.mp3", "March.", "April.")])
def test_a_changed_word_before_a_full_stop_is_found(session_indexer: Indexer, engine, name: str,
                                                    said: str, written: str) -> None:
    """The "." token, near certain after any word, must not lift the written word's
    probability into the mishearings' range. (The French "juin." for the last word "mars."
    is still missed: after "au mois de" the decoder finds any month likely, 0.40; see
    delivery.py.)"""
    media = FIXTURES / name
    speech = Speech(session_indexer, media, media.with_name(name.split(".")[0] + ".ref.txt"),
                    engine.model)
    assert said in speech.words
    found = departures(speech.forced(speech.text.replace(said, written)))
    assert [(d.kind, d.official, d.said) for d in found] == [("changed", written, said)], found


def test_heard_words_split_at_an_elision_are_joined_as_written() -> None:
    """Whisper writes "c'était" as " c" + "'était": the report says what was heard."""
    words = [*heard_as_written(["Le", "conseil", "a", "dit"], -2.0),
             AlignedWord("cette", 0.0, 0.2, 0.001, "substituted", heard="c",
                         heard_probability=0.9),
             AlignedWord("décision", 0.2, 0.8, 0.001, "substituted", heard="'était",
                         heard_probability=0.8),
             *heard_as_written(["avec", "la", "Russie", "hier"], 1.0)]
    found, = departures(Alignment(words, 0.8, 0.8, [], [], [], "fr"))
    assert (found.official, found.said) == ("cette décision", "c'était")


def refused_once(official: str, heard: str, forced: float = 0.001, whisper: float = 0.95,
                 in_context: float | None = None) -> list[str]:
    """The changes reported for one substituted word amid words heard as written: `forced` its
    forced probability, `whisper` Whisper's of the heard word, `in_context` the heard word's
    forced in the written one's place."""
    word = AlignedWord(official, 0.0, 0.4, forced, "substituted", heard=heard,
                       heard_probability=whisper, heard_in_context=in_context)
    words = [*heard_as_written(["Le", "conseil", "a", "dit"], -2.0), word,
             *heard_as_written(["avec", "la", "Russie", "hier"], 1.0)]
    return [d.official for d in departures(Alignment(words, 0.9, 0.9, [], [], [], "fr"))]


@pytest.mark.parametrize("official, heard", [
    ("de", "du"),  # the read-along: "de traitement", Whisper sure of "du" (0.98)
    ("ces", "c"),  # the demo: "ces désaccords" heard "c'était"
    ("deserv’d", "deserved"),  # Sonnet 2: the text's spelling, not another word
    ("tangible.", "'île."),  # the demo: "de l'île." for "tangible.", its head "l" unpaired
])
def test_substitutions_that_cannot_show_a_change_are_not_reported(official: str,
                                                                   heard: str) -> None:
    """Unmodified texts read aloud: Whisper's reading and the decoder's refusal of the written
    word, but the pair cannot show that the speaker said another word (delivery.comparable)."""
    assert refused_once(official, heard) == []


@pytest.mark.parametrize("official, heard", [
    ("16", "15"), ("29", "28"), ("vie", "carrière"), ("state", "city"),
    ("président", "ministre"), ("grande", "bonne"), ("April.", "March."),
])
def test_planted_changes_are_still_reported(official: str, heard: str) -> None:
    assert refused_once(official, heard) == [official]


def test_the_heard_word_in_the_texts_place_must_refuse_it_too() -> None:
    """Whisper heard "'était" after its own misheard words; forced after the official ones,
    the audio gives "'était" 0.000 too: no evidence for either (demo, "désaccords")."""
    assert refused_once("désaccords", "était", forced=0.013, whisper=0.78) == ["désaccords"]
    assert refused_once("désaccords", "était", forced=0.013, whisper=0.78,
                        in_context=0.0001) == []


def test_an_omitted_sentence_beside_a_change_does_not_hide_it() -> None:
    """Unheard words (the omitted sentence) say nothing of how well the speech was heard."""
    omitted = [AlignedWord(text, 0.0, 0.0, 0.0, "interpolated")
               for text in ["Merci", "d'être", "venus", "si", "nombreux."]]
    words = [*omitted,
             AlignedWord("président", 0.0, 0.4, 0.001, "substituted", heard="ministre",
                         heard_probability=0.9),
             *heard_as_written(["a", "parlé", "pendant", "15", "minutes"], 0.4)]
    found, = departures(Alignment(words, 0.5, 0.5, [], [], [], "fr"))
    assert (found.official, found.said) == ("président", "ministre")


def test_words_said_but_not_written_by_whisper_are_not_omitted(session_indexer: Indexer,
                                                                engine, corpus: Path) -> None:
    """Spontaneous French: Whisper drops the stammer "j- j- je je" the human reference has.
    Those words were said: the audio has room for them, where a sentence nobody said is
    squeezed into a fraction of a second."""
    import csv

    rows = list(csv.reader((corpus / "fr_tcof_separation.ref_segments.tsv").open(
        encoding="utf-8"), delimiter="\t"))
    media = corpus / "fr_tcof_separation.wav"
    outcome = session_indexer.transcribe_file(media)
    transcript = load_transcript(session_indexer.settings.transcripts_dir, outcome.video_id)
    text = " ".join(row[3] for row in rows).split()
    found = departures(force_align(align(text, transcript), load_audio(media), engine.model))
    assert not of_kind(found, "omitted"), found


def test_passages_do_not_overlap_an_added_passage(session_indexer: Indexer, engine) -> None:
    """The text leaves out a sentence that is said: the official words around it keep to their
    own audio, so the reading (and the subtitles made from it) never says two things at once."""
    from indexer.official.passages import reading_passages

    media = FIXTURES / "en_budget.mp3"
    speech = Speech(session_indexer, media, media.with_name("en_budget.ref.txt"), engine.model)
    removed = "We will build three schools and a swimming pool."
    alignment = speech.forced(speech.text.replace(removed + " ", ""))
    passages = reading_passages(alignment, speech.transcript)
    assert [p.source for p in passages].count("asr") == 1
    for before, after in zip(passages, passages[1:]):
        assert after.start >= before.end - 0.05, (before, after)
