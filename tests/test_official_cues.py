"""Subtitle cues as anchors for the words the machine transcript did not hear."""

from __future__ import annotations

from indexer.official import parse_official_text
from indexer.official.align import AlignedWord, Alignment
from indexer.official.cues import with_cue_times

SRT = b"""1
00:00:01,000 --> 00:00:03,000
Le Conseil a decide

2
00:00:10,000 --> 00:00:12,000
de renforcer la cooperation
"""


def alignment_of(words: list[AlignedWord]) -> Alignment:
    return Alignment(words=words, coverage=0.5, anchored=0.5, said_spans=[], omitted_spans=[],
                     added_spans=[], language="fr")


def test_unheard_words_go_inside_their_cue_and_heard_words_keep_their_times() -> None:
    text = parse_official_text(SRT, "talk.srt")
    heard = [AlignedWord(w, 1.0 + n * 0.6, 1.5 + n * 0.6, 0.9, "matched", 0)
             for n, w in enumerate("Le Conseil a decide".split())]
    # Stage 1 spread the second cue's unheard words right after the first cue.
    unheard = [AlignedWord(w, 3.0 + n * 0.1, 3.1 + n * 0.1, 0.0, "interpolated", 1)
               for n, w in enumerate("de renforcer la cooperation".split())]
    timed = with_cue_times(alignment_of(heard + unheard), text).words
    assert [w.start for w in timed[:4]] == [w.start for w in heard]
    assert all(10.0 <= w.start <= w.end <= 12.0 for w in timed[4:])
    assert [w.start for w in timed] == sorted(w.start for w in timed)


def test_a_plain_text_is_left_as_it_is() -> None:
    text = parse_official_text("Le Conseil a décidé.".encode(), "talk.txt")
    words = [AlignedWord("Le", 0.0, 0.0, 0.0, "interpolated", 0)]
    alignment = alignment_of(words)
    assert with_cue_times(alignment, text) is alignment
