"""A small real archive built from transcripts written here, without transcribing audio: its
transcripts saved and indexed for real, in seconds (the search and API tests that need words
to find, not Whisper)."""

from __future__ import annotations

from pathlib import Path

from test_search_index import EN, FR, transcript

from indexer.config import Settings
from indexer.entities import EntityTagger
from indexer.gazetteer import Gazetteer
from indexer.search_index import add_many
from indexer.store import save_transcript

FR_ID, EN_ID, MORE_ID = "aaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbb", "cccccccccccccccc"
# Short and common words, so that most typed words (and fuzzed ones) have a spelling
# suggestion within two edits: the suggestion path runs on nearly every query that finds nothing.
MORE = [
    "Une alerte sur le site a été donnée en ligne, avec le son et la voix.",
    "The alert was on the radio at ten: a load of news, all of it new.",
    "Le dossier de la sécurité est ouvert et la séance est levée.",
]


def build_archive(data_dir: Path, gazetteer: Gazetteer) -> Settings:
    """`data_dir` with three videos' transcripts and their index (French, English, both)."""
    settings = Settings(data_dir=data_dir)
    tagger = EntityTagger(gazetteer)
    transcripts = [
        transcript(FR_ID, FR, "fr", tagger, title="Conseil", date="2009-12-04",
                   speaker="Rasmussen"),
        transcript(EN_ID, EN, "en", tagger, title="Council", date="2010-01-02"),
        transcript(MORE_ID, MORE, "fr", tagger, title="Alerte", date="2011-05-06"),
    ]
    for item in transcripts:
        save_transcript(settings.transcripts_dir, item)
    add_many(settings.index_dir, transcripts, gazetteer, settings.languages)
    return settings
