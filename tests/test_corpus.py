"""Real human recordings from ../shared/corpus: recognisable text, right language, timings."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from indexer.pipeline import Indexer

pytestmark = pytest.mark.corpus

# Every corpus file with a HUMAN reference, and its language (see the corpus MANIFEST).
LANGUAGES = {
    "fr_readalong_ej.m4a": "fr", "fr_tcof_separation.wav": "fr", "fr_picovoice_leopard.wav": "fr",
    "fr_picovoice_cheetah.wav": "fr", "en_jfk.flac": "en", "en_librispeech_quilter.wav": "en",
    "en_sonnet001.mp3": "en",
}


def words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


@pytest.fixture(scope="module")
def transcripts(session_indexer: Indexer, corpus: Path) -> dict:
    found = {}
    for name in LANGUAGES:
        outcome = session_indexer.index_file(corpus / name)
        assert outcome.status in ("indexed", "skipped"), f"{name}: {outcome.reason}"
        from indexer.store import load_transcript

        found[name] = load_transcript(session_indexer.settings.transcripts_dir,
                                      outcome.video_id)
    return found


def test_readalong_phrase_at_the_right_time(transcripts: dict) -> None:
    segments = transcripts["fr_readalong_ej.m4a"].segments
    all_words = [w for s in segments for w in s.words]
    tokens = [words(w.word)[0] if words(w.word) else "" for w in all_words]
    target = ["traduction", "automatique", "statistique"]
    at = next(i for i in range(len(tokens)) if tokens[i:i + 3] == target)
    assert 8.0 <= all_words[at].start and all_words[at + 2].end <= 11.5


@pytest.mark.parametrize("name", sorted(LANGUAGES))
def test_language_of_each_recording(transcripts: dict, name: str) -> None:
    transcript = transcripts[name]
    assert transcript.language == LANGUAGES[name]
    # per segment too: at least 90 % of speaking time in the file's language
    right = sum(s.end - s.start for s in transcript.segments if s.language == LANGUAGES[name])
    assert right / sum(s.end - s.start for s in transcript.segments) >= 0.9


@pytest.mark.parametrize("name", sorted(LANGUAGES))
def test_recognisable_against_the_human_reference(transcripts: dict, corpus: Path,
                                                  name: str) -> None:
    reference = set(words((corpus / name).with_suffix(".ref.txt").read_text()))
    heard = set(words(" ".join(s.text for s in transcripts[name].segments)))
    # Word-set recall, a loose floor (the WER tables are in docs/benchmarks.md).
    assert len(reference & heard) / len(reference) >= 0.5


def test_searchable_after_indexing(transcripts: dict, session_indexer: Indexer) -> None:
    from indexer.search_index import query_index

    results = query_index(session_indexer.settings.index_dir,
                          '"traduction automatique statistique"', session_indexer.gazetteer)
    assert results.total == 1 and results.hits[0].language == "fr"
    assert 7.0 <= results.hits[0].start <= 11.0
