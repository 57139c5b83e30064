"""Aligning an official text's words to Whisper's words (issue 15, first stage: anchors).

Real machine transcripts only: the fixtures transcribed by the session `indexed` fixture, and
the corpus recording fr_readalong_ej.m4a (a script read aloud by its author) transcribed once.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from conftest import FIXTURES

from indexer.errors import UsageError
from indexer.official.align import Alignment, AlignmentError, align, is_addition
from indexer.official.normalise import tokens
from indexer.official.pairing import MAX_REALIGN_CELLS, pair_tokens
from indexer.pipeline import Indexer
from indexer.records import MediaInfo, Metadata, Segment, Transcript, Word
from indexer.store import load_transcript

FR_OTAN = ("Le Conseil OTAN-Russie a décidé de renforcer la coopération en Afghanistan et la "
           "lutte contre le terrorisme.")
EN_NATO = ("NATO foreign ministers met in Brussels to discuss cooperation with Russia on "
           "Afghanistan.")
# An unrelated French text of about the corpus recording's length.
UNRELATED_FR = (
    "Le ministre des Affaires étrangères a reçu hier son homologue pour parler du budget de la "
    "défense. Les deux pays veulent renforcer leurs échanges commerciales et culturelles dans "
    "les années qui viennent. La conférence de presse a eu lieu dans la grande salle du "
    "ministère, devant une centaine de journalistes venus de toute l'Europe. Il a rappelé que "
    "la sécurité du continent dépend de la coopération entre les alliés et de la confiance "
    "entre les peuples, et il a promis une nouvelle rencontre avant la fin de l'année."
)
REMOVED = ("Ce corpus permettra d'entraîner la TA, neuronale ou statistique, ainsi que d'autres "
           "applications de traitement du langage naturel.")
PLANTED = "Le comité se réunira de nouveau à Ottawa au mois de juin."


def transcript_of(indexer: Indexer, name: str) -> Transcript:
    outcome = indexer.transcribe_file(FIXTURES / name)  # already done: "skipped", with its id
    return load_transcript(indexer.settings.transcripts_dir, outcome.video_id)


@pytest.fixture(scope="module")
def readalong(session_indexer: Indexer, corpus: Path) -> tuple[list[str], Transcript]:
    """The corpus recording's reference words and its real Whisper transcript."""
    outcome = session_indexer.transcribe_file(corpus / "fr_readalong_ej.m4a")
    assert outcome.status in ("transcribed", "skipped"), outcome.reason
    transcript = load_transcript(session_indexer.settings.transcripts_dir, outcome.video_id)
    reference = (corpus / "fr_readalong_ej.ref.txt").read_text(encoding="utf-8")
    return reference.split(), transcript


def asr_words(transcript: Transcript) -> list[Word]:
    return [word for segment in transcript.segments for word in segment.words]


def assert_well_timed(alignment: Alignment, transcript: Transcript) -> None:
    previous = 0.0
    for word in alignment.words:
        assert 0.0 <= word.start <= word.end <= transcript.duration, word
        assert word.start >= previous, word
        previous = word.start


def test_numbers_elisions_accents_and_punctuation_normalise_alike() -> None:
    assert tokens("29", "fr") == tokens("vingt-neuf", "fr") == ["vingt", "neuf"]
    assert tokens("29", "en") == tokens("twenty-nine", "en") == ["twenty", "nine"]
    assert tokens("l'OTAN,", "fr") == tokens("l’otan", "fr") == ["l", "otan"]
    assert tokens("Éric", "fr") == tokens("eric.", "fr") == ["eric"]
    assert tokens("«", "fr") == []


def test_roman_numerals_read_as_the_numbers_said() -> None:
    """Texts write "XXIe siècle", "Sonnet II", "Louis XIV"; Whisper writes digits or words."""
    assert tokens("XXIe", "fr") == tokens("21e", "fr") == tokens("vingt-et-unième", "fr")
    assert tokens("II", "en") == tokens("2.", "en") == ["two"]
    assert tokens("XIV", "fr") == tokens("quatorze", "fr")
    assert tokens("I", "en") == ["i"] and tokens("Xi", "en") == ["xi"]  # a word, a name


def test_a_long_passage_with_no_word_in_common_pairs_nothing() -> None:
    """Too big for the similarity re-alignment: a passage left out and another said instead."""
    size = int(MAX_REALIGN_CELLS ** 0.5) + 1
    text = ["debut", *(f"texte{n}" for n in range(size)), "fin"]
    heard = ["debut", *(f"entendu{n}" for n in range(size)), "fin"]
    partner = pair_tokens(text, heard)
    assert partner[0] == 0 and partner[-1] == size + 1
    assert partner[1:-1] == [None] * size


def test_the_right_text_aligns_with_every_word_timed(indexed: Indexer) -> None:
    transcript = transcript_of(indexed, "fr_otan.flac")
    alignment = align(FR_OTAN.split(), transcript)
    assert alignment.coverage >= 0.9
    assert [word.text for word in alignment.words] == FR_OTAN.split()
    assert_well_timed(alignment, transcript)
    otan = alignment.words[2]
    # Whisper base once heard "autant aussi"; whatever it hears, the word gets its times.
    assert otan.text == "OTAN-Russie" and otan.status in ("matched", "substituted")
    assert not alignment.omitted_spans and not alignment.added_spans
    assert len(alignment.said_spans) == 1


def test_a_misheard_word_is_a_substitution_not_an_omission() -> None:
    """Whisper base heard "autant aussi" for "OTAN-Russie" before the gazetteer prompt (it now
    hears it right, so these words are written out: the start of fr_otan.flac as it heard it)."""
    said = [(0.2, 0.5, " Le"), (0.5, 1.0, " Conseil"), (1.0, 1.5, " autant"),
            (1.5, 2.0, " aussi"), (2.0, 2.2, " a"), (2.2, 2.8, " décidé")]
    segment = Segment(0.2, 2.8, "".join(text for _, _, text in said),
                      [Word(start, end, text, 0.9) for start, end, text in said], "fr")
    transcript = dataclasses.replace(_empty_transcript(), segments=[segment])
    alignment = align("Le Conseil OTAN-Russie a décidé".split(), transcript, min_anchored=0)
    otan = alignment.words[2]
    assert otan.status == "substituted"
    assert (otan.start, otan.end) == (1.0, 2.0)
    assert not alignment.omitted_spans and not alignment.added_spans


def _empty_transcript() -> Transcript:
    media = MediaInfo("x.wav", "0" * 64, 1, "wav", 3.0, False)
    return Transcript("0" * 16, media, Metadata(), "faster-whisper", "base", "fr", ["fr"], [],
                      "2026-01-01T00:00:00+00:00")


def test_corpus_reference_aligns(readalong) -> None:
    words, transcript = readalong
    alignment = align(words, transcript)
    assert alignment.coverage >= 0.7
    assert_well_timed(alignment, transcript)
    assert not alignment.omitted_spans and not alignment.added_spans
    by_text = {word.text: word for word in alignment.words}
    # Whisper base: "programmateur", "non-céannercies.": misheard, still timed from them
    assert by_text["programmeur"].status == "substituted"
    assert by_text["CNRC."].status == "substituted"


def test_planted_changes_give_exactly_the_planted_spans(readalong) -> None:
    words, transcript = readalong
    text = " ".join(words)
    assert REMOVED in text
    changed = (text.replace(REMOVED + " ", "")
               .replace("Bonjour. ", f"Bonjour. {PLANTED} ")
               .replace("une bonne partie", "3 bonnes parties"))
    alignment = align(changed.split(), transcript)
    assert [span.text for span in alignment.omitted_spans] == [PLANTED]
    assert len(alignment.added_spans) == 1
    added = alignment.added_spans[0]
    assert added.text.split()[:2] == ["Ce", "corpus"]
    assert added.text.split()[-1] == "naturel."
    said = asr_words(transcript)[added.first:added.stop]
    assert (added.start, added.end) == (said[0].start, said[-1].end)
    three = alignment.words[changed.split().index("3")]
    assert three.status == "substituted"  # "3" = "trois", Whisper heard "une"


def test_a_statement_followed_by_more_speech_leaves_the_tail_added(indexed: Indexer) -> None:
    transcript = transcript_of(indexed, "mixed_fr_en.ogg")  # the French, then the English
    alignment = align(FR_OTAN.split(), transcript)
    assert alignment.coverage >= 0.9
    assert [span.text.split()[0] for span in alignment.added_spans] == ["NATO"]
    assert alignment.added_spans[0].start >= 10.0


def test_a_last_word_said_again_far_later_is_not_pulled_there(indexed: Indexer) -> None:
    """The statement's last word is said again at the end of the recording (a closing "merci"
    after the questions): that later word is a chance match, not where the text ends."""
    transcript = transcript_of(indexed, "mixed_fr_en.ogg")  # ends with "... on Afghanistan."
    alignment = align([*FR_OTAN.split(), "Afghanistan."], transcript)
    last = alignment.words[-1]
    assert last.status == "interpolated"
    assert last.start == alignment.words[-2].end < 10.0
    assert [span.text.split()[-1] for span in alignment.added_spans] == ["Afghanistan."]


def test_english_text_against_french_audio_is_another_language(indexed: Indexer) -> None:
    transcript = transcript_of(indexed, "fr_otan.flac")
    with pytest.raises(AlignmentError, match="English.*French") as caught:
        align(EN_NATO.split(), transcript)
    assert isinstance(caught.value, UsageError)


def test_a_short_text_of_names_is_not_judged_by_its_language(indexed: Indexer) -> None:
    transcript = transcript_of(indexed, "fr_otan.flac")  # langdetect calls these Afrikaans
    alignment = align(["Afghanistan", "terrorisme."], transcript)
    assert [word.status for word in alignment.words] == ["matched", "matched"]


def test_unrelated_french_text_is_another_speech(readalong) -> None:
    _, transcript = readalong
    with pytest.raises(AlignmentError, match="another speech"):
        align(UNRELATED_FR.split(), transcript)


def test_an_hour_long_text_aligns(readalong) -> None:
    words, transcript = readalong
    copies = 9000 // len(words) + 1
    long_words = words * copies
    duration = transcript.duration
    segments = [dataclasses.replace(
        segment, start=segment.start + k * duration, end=segment.end + k * duration,
        words=[dataclasses.replace(word, start=word.start + k * duration,
                                   end=word.end + k * duration) for word in segment.words])
        for k in range(copies) for segment in transcript.segments]
    media = dataclasses.replace(transcript.media, duration=duration * copies)
    long_transcript = dataclasses.replace(transcript, segments=segments, media=media)
    alignment = align(long_words, long_transcript)
    assert len(alignment.words) == len(long_words) >= 9000
    assert alignment.coverage >= 0.7
    assert_well_timed(alignment, long_transcript)


def test_short_unsure_heard_runs_are_garbling_not_additions() -> None:
    garbled = [Word(0.0, 0.2, " munt", 0.14), Word(0.2, 0.4, " et", 0.71),
               Word(0.4, 0.5, " l", 0.19)]
    assert not is_addition(garbled)
    assert is_addition([Word(w.start, w.end, w.word, 0.8) for w in garbled])
    assert is_addition(garbled * 2)  # a sentence is said, however unsurely it was heard
