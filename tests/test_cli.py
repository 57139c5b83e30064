"""`speechsearch` end to end: real engine, real spaCy, real Whoosh index in a temp data dir."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ROOT, copy_fixture

from indexer.cli import main
from indexer.store import load_transcript


def run(*args: str, data_dir: Path) -> "click.testing.Result":  # noqa: F821
    result = CliRunner().invoke(main, ["--data-dir", str(data_dir), *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


@pytest.fixture
def media(tmp_path: Path) -> Path:
    folder = tmp_path / "media"
    copy_fixture("fr_otan.flac", folder / "2009")
    copy_fixture("en_nato.mp3", folder)
    copy_fixture("silence.wav", folder)
    (folder / "broken.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"garbage" * 500)
    (folder / "notes.txt").write_text("not media, not picked up")
    return folder


def test_index_a_folder_reports_each_file_and_fails_at_the_end(media: Path,
                                                               data_dir: Path) -> None:
    result = run("index", str(media), str(media / "missing.mp4"), data_dir=data_dir)
    assert result.exit_code == 1
    out = result.output
    assert "indexed " in out and "fr_otan.flac" in out and "en_nato.mp3" in out
    assert "silence.wav: only silence or noise" in out
    assert "broken.mp4: not a media file, or corrupt" in out
    assert "missing.mp4: file not found" in out
    assert "notes.txt" not in out
    assert "5 file(s): 2 indexed, 0 skipped, 3 failed" in out
    assert "x real time" in out
    assert len(list((data_dir / "transcripts").glob("*.json"))) == 2

    again = run("index", str(media / "2009"), str(media / "en_nato.mp3"), data_dir=data_dir)
    assert again.exit_code == 0
    assert "2 file(s): 0 indexed, 2 skipped, 0 failed" in again.output

    # A renamed copy is the same content: never indexed twice.
    shutil.copyfile(media / "en_nato.mp3", media / "copy-of-nato.mp3")
    assert "skipped" in run("index", str(media / "copy-of-nato.mp3"),
                            data_dir=data_dir).output


def test_search_and_export_after_indexing(media: Path, data_dir: Path) -> None:
    run("index", str(media / "2009"), str(media / "en_nato.mp3"), data_dir=data_dir)
    found = json.loads(run("search", "NATO", "--json", data_dir=data_dir).output)
    assert set(found) >= {"query", "total", "hits"}
    assert {h["language"] for h in found["hits"]} == {"fr", "en"}  # OTAN said in French
    hit = found["hits"][0]
    assert set(hit) >= {"video_id", "title", "start", "end", "text", "highlight", "language",
                        "entities"}
    french = json.loads(run("search", "coopérations", "--lang", "fr", "--json",
                            data_dir=data_dir).output)
    assert french["total"] == 1 and "coopération" in french["hits"][0]["text"]
    assert "<mark>coopération</mark>" in french["hits"][0]["highlight"]

    only_fr = json.loads(run("search", "afghanistan", "--entity", "OTAN", "--lang", "fr",
                             "--json", data_dir=data_dir).output)
    assert only_fr["total"] == 1

    plain = run("search", "afghanistan", "--limit", "1", data_dir=data_dir).output
    assert "2 segment(s) match; showing 1-1" in plain

    video_id = french["hits"][0]["video_id"]
    srt = run("export", video_id, "--format", "srt", data_dir=data_dir).output
    assert srt.startswith("1\n00:00:0") and " --> " in srt and "Afghanistan" in srt
    vtt = run("export", video_id, "--format", "vtt", data_dir=data_dir).output
    assert vtt.startswith("WEBVTT\n\n00:00:0")
    txt = run("export", video_id, "--format", "txt", data_dir=data_dir).output
    assert "[0:0" in txt
    exported = json.loads(run("export", video_id, "--format", "json", data_dir=data_dir).output)
    assert exported["video_id"] == video_id and exported["engine"] == "faster-whisper"
    assert exported["segments"][0]["words"] and exported["segments"][0]["entities"]


def test_metadata_from_sidecar_and_options(tmp_path: Path, data_dir: Path) -> None:
    folder = tmp_path / "m"
    media = copy_fixture("en_nato.mp3", folder, "press.mp3")
    (folder / "press.json").write_text(json.dumps(
        {"title": "Press point", "date": "2009-12-04", "speaker": "Spokesperson"}))
    run("index", str(media), "--speaker", "Secretary General", "--event", "NRC",
        data_dir=data_dir)
    found = json.loads(run("search", "brussels", "--json", data_dir=data_dir).output)
    meta = load_transcript(data_dir / "transcripts", found["hits"][0]["video_id"]).metadata
    assert (meta.title, meta.date, meta.speaker, meta.event) == (
        "Press point", "2009-12-04", "Secretary General", "NRC")
    assert found["hits"][0]["title"] == "Press point"


def test_bad_metadata_is_refused_clearly(tmp_path: Path, data_dir: Path) -> None:
    media = copy_fixture("en_nato.mp3", tmp_path / "m", "talk.mp3")
    result = run("index", str(media), "--date", "4 Dec 2009", data_dir=data_dir)
    assert result.exit_code == 2 and "is not a date like 2009-12-04" in result.output
    (tmp_path / "m" / "talk.json").write_text("{oops")
    result = run("index", str(media), data_dir=data_dir)
    assert result.exit_code == 1 and "sidecar talk.json is not valid JSON" in result.output


def test_interrupted_run_is_finished_from_the_transcript(media: Path, data_dir: Path) -> None:
    run("index", str(media / "en_nato.mp3"), data_dir=data_dir)
    shutil.rmtree(data_dir / "index")  # as if the run died between transcript and index
    result = run("index", str(media / "en_nato.mp3"), data_dir=data_dir)
    assert "from saved transcript" in result.output and result.exit_code == 0
    assert json.loads(run("search", "brussels", "--json", data_dir=data_dir).output)["total"]


def test_force_transcribes_again(media: Path, data_dir: Path) -> None:
    run("index", str(media / "en_nato.mp3"), data_dir=data_dir)
    result = run("index", str(media / "en_nato.mp3"), "--force", "--language", "en",
                 data_dir=data_dir)
    assert "1 indexed" in result.output and "x real time" in result.output
    found = json.loads(run("search", "brussels", "--json", data_dir=data_dir).output)
    assert found["total"] == 1  # replaced, not duplicated


@pytest.mark.parametrize("query, message", [
    ('"Conseil OTAN', "Unbalanced quote"), ("colour:red", "Unknown field 'colour'"),
    ("", "The query is empty"),
])
def test_search_errors_are_messages_not_tracebacks(data_dir: Path, query: str,
                                                   message: str) -> None:
    result = run("search", query, data_dir=data_dir)
    assert result.exit_code == 1 and message in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("video_id", ["0123456789abcdef", "../../etc/passwd", "x" * 300])
def test_export_unknown_or_hostile_ids(data_dir: Path, video_id: str) -> None:
    result = run("export", video_id, data_dir=data_dir)
    assert result.exit_code == 1 and "no transcript for video id" in result.output


def test_no_media_found_is_an_error(tmp_path: Path, data_dir: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = run("index", str(tmp_path / "empty"), data_dir=data_dir)
    assert result.exit_code == 1 and "No media files found" in result.output


def test_data_dir_from_environment(media: Path, data_dir: Path) -> None:
    result = CliRunner().invoke(main, ["search", "nato"],
                                env={"SPEECHSEARCH_DATA_DIR": str(data_dir)})
    assert result.exit_code == 0 and "No results" in result.output


def test_every_option_has_help() -> None:
    for name, command in main.commands.items():
        for param in command.params:
            if param.param_type_name == "option":
                assert param.help, f"speechsearch {name} {param.opts[0]} has no help"


def test_python_dash_m_indexer() -> None:
    result = subprocess.run([sys.executable, "-m", "indexer", "index", "--help"], cwd=ROOT,
                            capture_output=True, text=True, check=True)
    assert "Usage: python -m indexer index" in result.stdout
    assert "--engine [faster-whisper|openai-whisper]" in result.stdout
