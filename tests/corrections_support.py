"""Shared by the corrections tests: a data dir of its own with the French fixture indexed
for real, and a one-off search of it."""

from __future__ import annotations

from pathlib import Path

from indexer.config import Settings
from indexer.gazetteer import Gazetteer
from indexer.pipeline import Indexer
from indexer.search_index import add_many, query_index
from indexer.store import load_transcript, save_transcript

FR = "17a1a292df1174ea"  # fr_otan.flac: "Le Conseil OTAN-Russie a décidé de renforcer la
# coopération en Afghanistan et la lutte contre le terrorisme."


def indexed_copy(root: Path, indexed: Indexer, *video_ids: str) -> Settings:
    settings = Settings(data_dir=root / "data")
    transcripts = [load_transcript(indexed.settings.transcripts_dir, v)
                   for v in video_ids or (FR,)]
    for transcript in transcripts:
        save_transcript(settings.transcripts_dir, transcript)
    add_many(settings.index_dir, transcripts, indexed.gazetteer, settings.languages)
    return settings


def found(settings: Settings, gazetteer: Gazetteer, query: str) -> set[str]:
    return {hit.video_id for hit in query_index(settings.index_dir, query, gazetteer).hits}
