"""An official text given at indexing (--official-text, or a sidecar), stored as the
transcript's second layer (schema 2) and indexed in place of the machine transcript.

Real model, real audio, real Whoosh index: the fixtures and their texts.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import FIXTURES

from indexer.cli import main
from indexer.config import Settings
from indexer.pipeline import Indexer, official_sidecar
from indexer.records import SCHEMA_VERSION, Transcript
from indexer.search_index import query_index
from indexer.store import load_transcript, transcript_path

OTAN = ("Le Conseil OTAN-Russie a décidé de renforcer la coopération en Afghanistan et la "
        "lutte contre le terrorisme.")
OTHER_SPEECH = ("Mesdames et messieurs, la séance est ouverte. Nous examinons aujourd'hui le "
                "budget de l'agriculture pour l'année prochaine et les crédits de la pêche.")


@pytest.fixture
def talk(tmp_path: Path) -> Path:
    """The French fixture as `talk.flac` in a folder of its own."""
    folder = tmp_path / "media"
    folder.mkdir()
    return Path(shutil.copy(FIXTURES / "fr_otan.flac", folder / "talk.flac"))


def index(data_dir: Path, *args: str):
    return CliRunner().invoke(main, ["--data-dir", str(data_dir), "index", *args],
                              catch_exceptions=False)


def saved(data_dir: Path) -> Transcript:
    (path,) = (data_dir / "transcripts").glob("*.json")
    return load_transcript(data_dir / "transcripts", path.stem)


def test_official_text_is_the_layer_searched_and_the_machine_transcript_is_kept(
        data_dir: Path, talk: Path, tmp_path: Path, gazetteer) -> None:
    text = tmp_path / "statement.txt"
    text.write_text(OTAN + "\n", encoding="utf-8")
    result = index(data_dir, str(talk), "--official-text", str(text))
    assert result.exit_code == 0, result.output
    assert "official text statement.txt attached" in result.output
    transcript = saved(data_dir)
    assert transcript.schema == SCHEMA_VERSION == 3
    layer = transcript.official
    assert layer is not None and layer.source == "statement.txt" and layer.format == "text"
    assert [word.word for word in layer.words] == OTAN.split()
    assert all(0 <= w.start <= w.end <= transcript.duration for w in layer.words)
    assert all(0 <= w.confidence <= 1 for w in layer.words)
    assert " ".join(s.text for s in transcript.reading()) == OTAN
    assert {s.source for s in transcript.reading()} == {"official"}
    assert {s.source for s in transcript.segments} == {"asr"}  # kept beside it, never overwritten
    assert transcript.segments and transcript.segments[0].words
    # The official words are what the index holds and returns.
    hits = query_index(data_dir / "index", '"lutte contre le terrorisme"', gazetteer).hits
    assert hits and "OTAN-Russie" in hits[0].text
    on_disk = json.loads(transcript_path(data_dir / "transcripts",
                                         transcript.video_id).read_text())
    assert on_disk["schema"] == 3 and on_disk["official"]["words"][0]["word"] == "Le"


def test_sidecar_text_is_attached_later_without_transcribing_again(
        data_dir: Path, talk: Path) -> None:
    assert index(data_dir, str(talk)).exit_code == 0
    machine = saved(data_dir)
    assert machine.official is None
    talk.with_suffix(".txt").write_text(OTAN, encoding="utf-8")
    assert official_sidecar(talk) == talk.with_suffix(".txt")
    outcome = Indexer(Settings(data_dir=data_dir)).index_file(talk)
    assert outcome.status == "indexed", outcome.reason
    assert not outcome.transcribed and "attached" in outcome.reason
    assert outcome.stages["align"] > 0 and "transcription" not in outcome.stages
    transcript = saved(data_dir)
    assert transcript.created == machine.created  # the same machine transcript
    assert transcript.official is not None and transcript.official.source == "talk.txt"
    # The same text again: nothing to do.
    again = Indexer(Settings(data_dir=data_dir)).index_file(talk)
    assert again.status == "skipped"


def test_text_of_another_speech_leaves_the_machine_transcript_indexed(
        data_dir: Path, talk: Path, tmp_path: Path, gazetteer) -> None:
    text = tmp_path / "other.txt"
    text.write_text(OTHER_SPEECH, encoding="utf-8")
    result = index(data_dir, str(talk), "--official-text", str(text))
    assert result.exit_code == 0, result.output
    assert "not attached" in result.output and "another speech" in result.output
    transcript = saved(data_dir)
    assert transcript.official is None
    assert query_index(data_dir / "index", "terrorisme", gazetteer).hits


@pytest.mark.parametrize("content, reason", [(b"", "empty"), (b"\x00\x01\x02\xff" * 40, "")])
def test_unreadable_text_fails_the_file_before_anything_is_stored(
        data_dir: Path, talk: Path, tmp_path: Path, content: bytes, reason: str) -> None:
    text = tmp_path / "bad.txt"
    text.write_bytes(content)
    result = index(data_dir, str(talk), "--official-text", str(text))
    assert result.exit_code == 1
    assert "bad.txt" in result.output and reason in result.output
    assert not list(data_dir.glob("transcripts/*.json"))


def test_official_text_is_for_one_file(data_dir: Path, talk: Path, tmp_path: Path) -> None:
    text = tmp_path / "statement.txt"
    text.write_text(OTAN, encoding="utf-8")
    shutil.copy(FIXTURES / "en_nato.mp3", talk.parent / "other.mp3")
    result = index(data_dir, str(talk.parent), "--official-text", str(text))
    assert result.exit_code == 2 and "one speech" in result.output


def test_delivery_command_lists_departures_as_json(data_dir: Path, talk: Path,
                                                   tmp_path: Path) -> None:
    # The text says a sentence nobody said: an omitted passage.
    text = tmp_path / "statement.txt"
    text.write_text(OTAN + " Les ministres se retrouveront à Moscou au printemps prochain "
                    "pour en parler.", encoding="utf-8")
    assert index(data_dir, str(talk), "--official-text", str(text)).exit_code == 0
    video_id = saved(data_dir).video_id
    runner = CliRunner()
    result = runner.invoke(main, ["--data-dir", str(data_dir), "delivery", video_id, "--json"])
    assert result.exit_code == 0, result.output
    found = json.loads(result.output)
    assert [d["kind"] for d in found] == ["omitted"]
    assert set(found[0]) == {"kind", "start", "end", "official", "said"}
    assert "Moscou" in found[0]["official"] and found[0]["said"] == ""
    human = runner.invoke(main, ["--data-dir", str(data_dir), "delivery", video_id])
    assert "omitted" in human.output and "Moscou" in human.output


def test_delivery_without_a_text_says_how_to_attach_one(indexed: Indexer) -> None:
    outcome = indexed.transcribe_file(FIXTURES / "en_nato.mp3")
    result = CliRunner().invoke(main, ["--data-dir", str(indexed.settings.data_dir),
                                       "delivery", outcome.video_id])
    assert result.exit_code == 1 and "speechsearch official" in result.output


def test_schema_1_transcript_loads_without_an_official_text(indexed: Indexer) -> None:
    outcome = indexed.transcribe_file(FIXTURES / "en_nato.mp3")
    data = json.loads(transcript_path(indexed.settings.transcripts_dir,
                                      outcome.video_id).read_text())
    data["schema"] = 1
    data.pop("official")
    for segment in data["segments"]:
        segment.pop("source")
    old = Transcript.from_dict(data)
    assert old.official is None and old.schema == SCHEMA_VERSION
    assert old.reading() == old.segments and {s.source for s in old.segments} == {"asr"}

