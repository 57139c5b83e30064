"""`speechsearch official VIDEO_ID TEXT_FILE`: the text aligned by a job, run here with the real
model, on the French fixture; refusals that change nothing; `--remove`; `--queue`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from indexer.cli import main
from indexer.config import Settings
from indexer.pipeline import Indexer
from indexer.search_index import add_many, query_index
from indexer.store import load_transcript, save_transcript, transcript_path

FR = "17a1a292df1174ea"  # content hash of fr_otan.flac
SAID = ("Le Conseil OTAN-Russie a décidé de renforcer la coopération en Afghanistan et la "
        "lutte contre le terrorisme.")
ANOTHER_SPEECH = (
    "Mesdames et messieurs, la saison des vendanges s'annonce excellente dans tout le "
    "Bordelais. Les viticulteurs attendent une récolte abondante, grâce à un été chaud et "
    "sec, et les prix du raisin devraient rester stables jusqu'à l'automne prochain. Le "
    "syndicat remercie les saisonniers venus de toute l'Europe pour la cueillette.")


@pytest.fixture
def data(data_dir: Path, indexed: Indexer) -> Path:
    """The French fixture indexed in a data dir of its own (its transcript copied from the
    session's, indexed for real here); its media is tests/fixtures/fr_otan.flac."""
    settings = Settings(data_dir=data_dir)
    transcript = load_transcript(indexed.settings.transcripts_dir, FR)
    save_transcript(settings.transcripts_dir, transcript)
    add_many(settings.index_dir, [transcript], indexed.gazetteer, settings.languages)
    return data_dir


def run(data: Path, *args: str):
    return CliRunner().invoke(main, [*args, "--data-dir", str(data)],
                              env={"SPEECHSEARCH_DATABASE_URL": None,
                                   "SPEECHSEARCH_BROKER_URL": None})


def jobs(data: Path) -> list[dict]:
    result = run(data, "jobs", "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def text_file(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def official_hits(data: Path, indexed: Indexer, query: str) -> set[str]:
    results = query_index(Settings(data_dir=data).index_dir, query, indexed.gazetteer,
                          source="official")
    return {hit.video_id for hit in results.hits}


def test_attach_runs_a_job_here_then_remove(data: Path, tmp_path: Path,
                                            indexed: Indexer) -> None:
    statement = text_file(tmp_path, "statement.txt", SAID)
    assert official_hits(data, indexed, "terrorisme") == set()

    attached = run(data, "official", FR, str(statement))
    assert attached.exit_code == 0, attached.output
    assert "official text statement.txt attached" in attached.output
    assert "heard as written" in attached.output and "departure(s)" in attached.output

    transcript = load_transcript(Settings(data_dir=data).transcripts_dir, FR)
    assert transcript.official is not None and transcript.official.source == "statement.txt"
    assert [w.word for w in transcript.official.words][:3] == ["Le", "Conseil", "OTAN-Russie"]
    assert transcript.official.coverage >= 0.5
    assert transcript.segments  # the machine transcript is kept beside it
    [job] = jobs(data)
    assert job["name"] == "official text: statement.txt"
    assert job["state"] == "done" and job["percent"] == 100.0, job
    assert job["video_id"] == FR and job["error"] == ""
    assert official_hits(data, indexed, "terrorisme") == {FR}  # indexed by the job's commit
    # The job read the queue's own copy, under the data dir.
    [copy] = (data / "official").glob(f"{FR}-*/statement.txt")
    assert copy.read_text(encoding="utf-8") == SAID

    again = run(data, "official", FR, str(statement))
    assert again.exit_code == 1 and "already attached" in again.output
    assert len(jobs(data)) == 1

    removed = run(data, "official", FR, "--remove")
    assert removed.exit_code == 0, removed.output
    assert "official text statement.txt removed" in removed.output
    assert load_transcript(Settings(data_dir=data).transcripts_dir, FR).official is None
    assert official_hits(data, indexed, "terrorisme") == set()
    nothing = run(data, "official", FR, "--remove")
    assert nothing.exit_code == 0 and "nothing to remove" in nothing.output


def test_a_text_of_another_speech_is_refused_and_nothing_changes(data: Path,
                                                                  tmp_path: Path) -> None:
    stored = transcript_path(Settings(data_dir=data).transcripts_dir, FR)
    before = stored.read_bytes()
    refused = run(data, "official", FR, str(text_file(tmp_path, "vendanges.txt",
                                                      ANOTHER_SPEECH)))
    assert refused.exit_code == 1, refused.output
    assert "the official text was not attached" in refused.output
    assert "vendanges.txt not attached" in refused.output
    assert stored.read_bytes() == before
    [job] = jobs(data)
    assert job["state"] == "failed" and "not attached" in job["error"]


def test_bad_input_is_refused_before_anything_is_touched(data: Path, tmp_path: Path) -> None:
    stored = transcript_path(Settings(data_dir=data).transcripts_dir, FR)
    before = stored.read_bytes()
    binary = tmp_path / "statement.txt"
    binary.write_bytes(bytes(range(256)) * 8)
    for args, reason in [
        ((FR, str(binary)), "statement.txt"),
        ((FR, str(text_file(tmp_path, "empty.txt", "  \n\n"))), "empty.txt"),
        ((FR, str(tmp_path / "missing.txt")), "missing.txt"),
        (("0123456789abcdef", str(text_file(tmp_path, "ok.txt", SAID))), "no video"),
        ((FR,), "TEXT_FILE"),
    ]:
        result = run(data, "official", *args)
        assert result.exit_code in (1, 2), result.output
        assert reason in result.output, result.output
        assert "Traceback" not in result.output
    assert stored.read_bytes() == before
    assert not (data / "speechsearch.db").exists() or jobs(data) == []


def test_queue_leaves_the_job_to_the_workers(data: Path, tmp_path: Path) -> None:
    queued = run(data, "official", FR, str(text_file(tmp_path, "statement.html",
                                                     f"<html><body><p>{SAID}</p></body>"
                                                     "</html>")), "--queue")
    assert queued.exit_code == 0, queued.output
    assert "queued job" in queued.output
    [job] = jobs(data)
    assert job["state"] == "queued" and job["name"] == "official text: statement.html"
    busy = run(data, "official", FR, str(text_file(tmp_path, "other.txt", SAID)))
    assert busy.exit_code == 1 and f"job {job['id']} is queued" in busy.output
    remove = run(data, "official", FR, "--remove")
    assert remove.exit_code == 0 and "nothing to remove" in remove.output
    assert load_transcript(Settings(data_dir=data).transcripts_dir, FR).official is None
