"""A process killed (SIGKILL) between the transcript write and the index commit: the next
start finishes the job. Real subprocesses of the `speechsearch` command, real index."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from conftest import FIXTURES, ROOT
from corrections_support import FR, found, indexed_copy

from indexer.corrections import Edit, RevisionStore, save_edits
from indexer.pipeline import Indexer
from indexer.reindex_journal import PAUSE_ENV, pending
from indexer.store import load_transcript


def speechsearch(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "indexer", *args],
                            env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def wait_for(path: Path, process: subprocess.Popen, seconds: float = 120) -> int:
    deadline = time.monotonic() + seconds
    while not path.is_file():
        assert process.poll() is None, process.stdout.read()
        assert time.monotonic() < deadline, "the process never reached the pause"
        time.sleep(0.1)
    return int(path.read_text())


def test_killed_between_transcript_and_index_is_repaired_at_next_start(
        tmp_path: Path, indexed: Indexer, gazetteer) -> None:
    settings = indexed_copy(tmp_path, indexed)
    data = str(settings.data_dir)
    text = load_transcript(settings.transcripts_dir, FR).reading()[0].text
    save_edits(settings, gazetteer, FR, [Edit("text", 0, text=text.replace("Afghanistan",
                                                                          "Nunavut"))],
               base=0, author="archivist@example.org")
    assert found(settings, gazetteer, "Nunavut") == {FR}

    marker = tmp_path / "paused"
    reverting = speechsearch("revert", FR, "0", "--data-dir", data,
                             env={PAUSE_ENV: str(marker)})
    pid = wait_for(marker, reverting)
    assert pid == reverting.pid
    os.kill(pid, signal.SIGKILL)
    assert reverting.wait(30) == -signal.SIGKILL
    # The crash: the transcript says revision 2 (the machine's words), the index does not.
    on_disk = load_transcript(settings.transcripts_dir, FR)
    assert on_disk.revision == 2 and "Afghanistan" in on_disk.reading()[0].text
    assert found(settings, gazetteer, "Nunavut") == {FR}
    assert found(settings, gazetteer, "Afghanistan") == set()
    assert [note.video_id for note in pending(settings.data_dir)] == [FR]
    assert RevisionStore(settings.data_dir, FR).head() == 1

    # The next start (here `index`, which skips the file it already has) repairs it first.
    starting = speechsearch("index", str(FIXTURES / "fr_otan.flac"), "--data-dir", data)
    output, _ = starting.communicate(timeout=300)
    assert starting.returncode == 0, output
    assert "skipped" in output
    assert found(settings, gazetteer, "Afghanistan") == {FR}
    assert found(settings, gazetteer, "Nunavut") == set()
    assert pending(settings.data_dir) == []
    revisions = RevisionStore(settings.data_dir, FR).revisions()
    assert [(r.number, r.kind, r.reverts) for r in revisions][-1] == (2, "revert", 0)


def crashed_revert(tmp_path: Path, indexed: Indexer, gazetteer):
    """An archive whose `revert` was killed between the transcript write and the index."""
    settings = indexed_copy(tmp_path, indexed)
    text = load_transcript(settings.transcripts_dir, FR).reading()[0].text
    save_edits(settings, gazetteer, FR, [Edit("text", 0, text=text.replace("Afghanistan",
                                                                          "Nunavut"))],
               base=0, author="archivist@example.org")
    marker = tmp_path / "paused"
    reverting = speechsearch("revert", FR, "0", "--data-dir", str(settings.data_dir),
                             env={PAUSE_ENV: str(marker)})
    os.kill(wait_for(marker, reverting), signal.SIGKILL)
    reverting.wait(30)
    assert found(settings, gazetteer, "Nunavut") == {FR}  # stale
    return settings


def test_serve_and_reindex_starts_repair_too(tmp_path: Path, indexed: Indexer,
                                             gazetteer) -> None:
    import json
    import urllib.request

    from conftest import serving

    settings = crashed_revert(tmp_path / "serve", indexed, gazetteer)
    with serving(settings.data_dir) as base:
        with urllib.request.urlopen(f"{base}/api/search?q=Afghanistan") as response:
            hits = json.load(response)["hits"]
    assert {h["video_id"] for h in hits} == {FR}
    assert pending(settings.data_dir) == []
    assert RevisionStore(settings.data_dir, FR).head() == 2

    settings = crashed_revert(tmp_path / "reindex", indexed, gazetteer)
    rebuilt = speechsearch("reindex", "--data-dir", str(settings.data_dir))
    assert rebuilt.wait(300) == 0
    assert found(settings, gazetteer, "Afghanistan") == {FR}
    assert pending(settings.data_dir) == [] and \
        RevisionStore(settings.data_dir, FR).head() == 2
