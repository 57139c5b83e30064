"""Audio language ID and text detection combined per segment; video languages."""

from __future__ import annotations

import pytest

from indexer.language import (
    best,
    label_segment,
    restrict,
    text_probabilities,
    video_languages,
)
from indexer.records import Segment

LANGS = ("fr", "en")


def test_restrict_renormalises_over_archive_languages() -> None:
    probs = restrict({"fr": 0.3, "en": 0.1, "ca": 0.6}, LANGS)
    assert best(probs) == ("fr", pytest.approx(0.75))
    assert restrict({"de": 1.0}, LANGS) == {"fr": 0.5, "en": 0.5}


def test_short_segment_full_of_names_keeps_the_audio_language() -> None:
    # langdetect alone calls such lines Danish or Afrikaans
    seg = Segment(0, 2, "OTAN, Afghanistan, Medvedev.")
    label_segment(seg, {"fr": 0.9, "en": 0.1}, LANGS)
    assert seg.language == "fr"


def test_long_text_outvotes_an_unsure_audio_guess() -> None:
    seg = Segment(0, 8, "We have decided to launch a joint review of the challenges and "
                        "threats of the twenty-first century, and to work together.")
    label_segment(seg, {"fr": 0.6, "en": 0.4}, LANGS)
    assert seg.language == "en"


def test_text_detection_says_nothing_outside_the_archive_languages() -> None:
    assert text_probabilities("Das ist ein deutscher Satz über die Zusammenarbeit.",
                              LANGS) is None


def test_video_languages_by_speaking_time() -> None:
    segs = [Segment(0, 50, "a", language="fr"), Segment(50, 60, "b", language="en"),
            Segment(60, 61, "c", language="de")]
    assert video_languages(segs) == ("fr", ["fr", "en"])
    assert video_languages([]) == ("", [])
