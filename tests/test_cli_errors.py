"""Every documented failure of `speechsearch` is one line and an exit code, never a traceback.

The command runs as users run it (a real process), on a real data dir: its stderr is what a
user would see.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FIXTURES

from indexer.search_index import open_index


def speechsearch(data_dir: Path, *args: str, env: dict[str, str] | None = None,
                 stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "indexer", "--data-dir", str(data_dir), *args],
                          capture_output=True, text=True, timeout=300, input=stdin,
                          env={**os.environ, **(env or {})})


def assert_one_line_error(result: subprocess.CompletedProcess, *words: str) -> None:
    assert result.returncode == 1, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr + result.stdout, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("Error: ")]
    assert len(errors) == 1, result.stderr
    for word in words:
        assert word in errors[0], errors[0]


@pytest.fixture
def archive(data_dir: Path, indexed) -> Path:
    """A data dir with real transcripts (of the real model) and their index."""
    shutil.copytree(indexed.settings.transcripts_dir, data_dir / "transcripts")
    assert speechsearch(data_dir, "reindex").returncode == 0
    return data_dir


def test_a_broken_model_folder_for_openai_whisper(data_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "broken-model"
    folder.mkdir()
    (folder / "model.bin").write_bytes(b"not a CTranslate2 model" * 10)
    (folder / "config.json").write_text("{}")
    result = speechsearch(data_dir, "index", str(FIXTURES / "fr_otan.flac"),
                          "--engine", "openai-whisper", "--model", str(folder))
    assert_one_line_error(result, str(folder / "model.bin"))


def test_a_locked_index(archive: Path) -> None:
    """Another program holds Whoosh's own write lock and never lets go."""
    video_id = sorted(p.stem for p in (archive / "transcripts").glob("*.json"))[0]
    writer = open_index(archive / "index").writer()  # holds the lock until cancelled
    try:
        result = speechsearch(archive, "remove", video_id, "--yes",
                              env={"SPEECHSEARCH_INDEX_LOCK_SECONDS": "0.5"})
    finally:
        writer.cancel()
    assert_one_line_error(result, "locked by another program")
    assert (archive / "transcripts" / f"{video_id}.json").is_file()  # nothing was removed


@pytest.mark.parametrize("query, message", [
    ('"Conseil OTAN', "Unbalanced quote"), ("colour:red", "Unknown field 'colour'"),
])
def test_a_bad_query(archive: Path, query: str, message: str) -> None:
    assert_one_line_error(speechsearch(archive, "search", query), message)


@pytest.mark.parametrize("args", [("export", "0123456789abcdef"),
                                  ("remove", "0123456789abcdef", "--yes"),
                                  ("jobs", "retry", "999")])
def test_an_unknown_id(data_dir: Path, args: tuple[str, ...]) -> None:
    wanted = "no job 999" if args[0] == "jobs" else "0123456789abcdef"
    assert_one_line_error(speechsearch(data_dir, *args), wanted)


def test_a_bad_date(data_dir: Path) -> None:
    result = speechsearch(data_dir, "index", str(FIXTURES / "fr_otan.flac"),
                          "--date", "2009-13-45")
    assert result.returncode == 2 and "Traceback" not in result.stderr  # click's usage error
    assert "Invalid value for '--date'" in result.stderr


@pytest.mark.parametrize("content", [b"{not json", b"\xff\xfe\x00garbage", b"[1, 2]",
                                     b'{"entities": [{"id": "x"}]}'])
def test_an_unreadable_gazetteer(data_dir: Path, content: bytes) -> None:
    (data_dir / "gazetteer.json").write_bytes(content)
    result = speechsearch(data_dir, "search", "NATO")
    assert_one_line_error(result, "gazetteer")


def test_reindex_rebuilds_the_index_from_the_transcripts(archive: Path) -> None:
    """The index lost: `reindex` makes it again, with every transcript's segments."""
    shutil.rmtree(archive / "index")
    result = speechsearch(archive, "reindex")
    assert result.returncode == 0, result.stderr
    count = len(list((archive / "transcripts").glob("*.json")))
    assert f"from {count} transcript(s)" in result.stdout
    assert speechsearch(archive, "search", "OTAN").stdout.count("id ") >= 1
    assert not (archive / "index.rebuilding").exists()
