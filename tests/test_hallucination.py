"""Repetition loops and stock phrases are removed; real speech is left alone."""

from __future__ import annotations

from indexer.hallucination import clean_segments, collapse_loops
from indexer.records import Segment, Word


def words(text: str) -> list[Word]:
    return [Word(i, i + 1, f" {w}", 0.9) for i, w in enumerate(text.split())]


def segment(text: str, **kwargs) -> Segment:
    return Segment(0, len(text.split()), text, words=words(text), **kwargs)


def test_collapses_a_phrase_loop_to_one_instance() -> None:
    loop = words("de la FM et de la FM et de la FM et de la FM et de la FM")
    kept = "".join(w.word for w in collapse_loops(loop)).split()
    assert kept[:4] == ["de", "la", "FM", "et"]
    assert kept == ["de", "la", "FM", "et", "de", "la", "FM"]


def test_keeps_natural_repetition() -> None:
    text = "nous devons, nous devons lutter ensemble très très fort"
    assert len(collapse_loops(words(text))) == len(text.split())


def test_drops_stock_phrases_and_silent_windows_but_keeps_speech() -> None:
    kept = clean_segments([
        segment("Sous-titres réalisés par la communauté d'Amara.org"),
        segment("Thank you for watching!"),
        segment("hmm", no_speech_prob=0.9, avg_logprob=-1.5),
        segment("Le Conseil OTAN-Russie s'est réuni."),
        segment(""),
    ])
    assert [s.text for s in kept] == ["Le Conseil OTAN-Russie s'est réuni."]


def test_drops_a_sentence_repeated_across_segments() -> None:
    kept = clean_segments([segment("Merci."), segment("Merci."), segment("Merci."),
                           segment("Merci."), segment("Bonne soirée.")])
    assert [s.text for s in kept] == ["Merci.", "Merci.", "Bonne soirée."]


def test_collapsed_segment_text_and_end_follow_the_kept_words() -> None:
    seg = segment("OTAN OTAN OTAN OTAN OTAN OTAN")
    cleaned = clean_segments([seg])[0]
    assert cleaned.text == "OTAN"
    assert cleaned.end == cleaned.words[-1].end == 1
