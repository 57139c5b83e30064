"""Lanes (indexer/engines/lanes.py): the cores split between models that decode side by side.
The plan and the dealing on their own, then the real Whisper base model on real speech: a
file's windows and the files indexed at once spread over the lanes, and give what one lane
gives."""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import FIXTURES, indexer_sharing_models

from indexer.cli import main
from indexer.decode import load_audio
from indexer.engines import EngineOptions, load_engine
from indexer.engines.lanes import MAX_AUTO_LANES, in_lanes, lane_plan, window_groups
from indexer.index_many import ManyFiles
from indexer.store import load_transcript
from indexer.transcribe import transcribe_audio

LANGS = ("fr", "en")


def test_lane_plan_splits_the_threads() -> None:
    assert lane_plan(2, 0) == (2, 1)  # this machine's default: two lanes of one thread
    assert lane_plan(8, 0) == (MAX_AUTO_LANES, 8 // MAX_AUTO_LANES)
    assert lane_plan(2, 1) == (1, 2)  # one lane: every thread in one model, as before
    assert lane_plan(1, 0) == (1, 1)
    assert lane_plan(3, 8) == (3, 1)  # never more lanes than threads
    assert lane_plan(6, 4) == (4, 1)
    count, threads = lane_plan(0, 0)  # 0: the cores this process may run on
    assert 1 <= count <= MAX_AUTO_LANES and threads >= 1


def test_window_groups() -> None:
    def sizes(count, batch, lanes):
        groups = window_groups(count, batch, lanes)
        assert [i for g in groups for i in g] == list(range(count))  # in order, each once
        return [len(g) for g in groups]

    assert sizes(20, 8, 1) == [8, 8, 4]  # one lane: batches as they always were
    assert sizes(0, 8, 2) == []
    assert sizes(1, 8, 2) == [1]
    assert sizes(2, 8, 2) == [1, 1]  # one window a lane rather than both on one
    assert sizes(8, 8, 2) == [4, 4]
    # batch_size windows in all the lanes at once: at most 4 a group, 6 groups (3 a lane)
    assert sizes(20, 8, 2) == [3, 4, 3, 3, 4, 3]
    assert sizes(3, 1, 2) == [1, 1, 1]
    assert max(sizes(100, 8, 3)) == 2 and len(window_groups(100, 8, 3)) % 3 == 0


def test_in_lanes_deals_in_turn_and_yields_in_order() -> None:
    seen = []

    def work(item, lane):
        time.sleep(0.01 * (item % 3))  # finish out of order
        seen.append((item, lane, threading.current_thread().name))
        return item * 10

    assert list(in_lanes(list(range(7)), ["a", "b"], work)) == [i * 10 for i in range(7)]
    assert sorted((item, lane) for item, lane, _ in seen) == [
        (i, "ab"[i % 2]) for i in range(7)]
    assert {name for _, lane, name in seen if lane == "a"} == {"lane-0"}
    assert list(in_lanes([5], ["a", "b"], lambda item, lane: (item, lane))) == [(5, "a")]


def test_in_lanes_raises_a_failure_in_its_turn_and_starts_nothing_after() -> None:
    started = []
    release = threading.Event()

    def work(item, lane):
        started.append(item)
        if item == 1:
            raise ValueError("bad window")
        if item == 0:
            release.wait(5)  # lane 0 is still on item 0 when item 1 fails
        return item

    results = in_lanes(list(range(6)), ["a", "b"], work)
    release_later = threading.Timer(0.2, release.set)
    release_later.start()
    assert next(results) == 0
    with pytest.raises(ValueError, match="bad window"):
        next(results)
    assert 3 not in started and 5 not in started  # lane 1 stopped at its failure
    assert len(started) <= 3  # lane 0 may have begun item 2 before it learnt of it


def test_in_lanes_a_lane_that_stopped_early_does_not_hang_the_reader() -> None:
    # Lane 1 fails on item 3 while lane 0 is still on item 0; lane 0 then sees the stop and
    # never runs item 2. The reader, waiting for item 2, must get item 3's failure.
    failed = threading.Event()

    def work(item, lane):
        if item == 3:
            failed.set()
            raise RuntimeError("lane 1 broke")
        if item == 0:
            assert failed.wait(5)
        return item

    results = in_lanes([0, 1, 2, 3], ["a", "b"], work)
    assert [next(results), next(results)] == [0, 1]
    with pytest.raises(RuntimeError, match="lane 1 broke"):
        next(results)


@pytest.fixture(scope="module")
def two_lanes(models_dir: Path):
    return load_engine("faster-whisper", "base", models_dir,
                       EngineOptions(cpu_threads=2, lanes=2))


def test_an_engine_has_its_lanes_each_a_model_on_its_share_of_the_threads(two_lanes) -> None:
    assert len(two_lanes.lanes) == 2 and two_lanes.lanes[0] is two_lanes
    first, second = two_lanes.lanes
    assert first.model is not second.model
    assert first.options.cpu_threads == second.options.cpu_threads == 1
    assert second.lanes == [second]  # a lane does not deal work on


@pytest.mark.corpus
def test_a_files_windows_are_decoded_on_both_lanes_and_give_the_same_words(
        two_lanes, engine, corpus: Path) -> None:
    # A 53 s sonnet, two windows: one a lane, each decoded alone, at the same time. One lane
    # at batch size 1 decodes them alone too, one after the other: the same words, in the
    # same order, each window's times in the file where they were.
    audio = load_audio(corpus / "en_sonnet001.mp3")
    first, second = two_lanes.lanes
    calls = first.encoder_calls, second.encoder_calls
    side_by_side = transcribe_audio(two_lanes, audio, LANGS)
    assert first.encoder_calls > calls[0] and second.encoder_calls > calls[1]
    options = engine.options
    engine.options = options.__class__(**{**options.__dict__, "batch_size": 1})
    try:
        one_lane = transcribe_audio(engine, audio, LANGS)
    finally:
        engine.options = options
    a = [w for s in one_lane for w in s.words]
    b = [w for s in side_by_side for w in s.words]
    assert [w.word for w in a] == [w.word for w in b]
    assert max(abs(x.start - y.start) + abs(x.end - y.end) for x, y in zip(a, b)) <= 0.04
    assert [s.start for s in side_by_side] == sorted(s.start for s in side_by_side)
    assert "fairest creatures" in " ".join(s.text for s in side_by_side).lower()


def test_files_indexed_at_once_are_dealt_to_the_lanes(session_indexer, tmp_path) -> None:
    # session_indexer has two lanes: members 0 and 2 decode on the first, 1 and 3 on the
    # second, each lane's members together, and every file is indexed.
    indexer = indexer_sharing_models(session_indexer, tmp_path)
    assert len(indexer.engine.lanes) == 2
    media = tmp_path / "media"
    media.mkdir()
    names = ("en_nato.mp3", "fr_minister.ogg", "en_budget.mp3", "fr_minister.ogg")
    files = [Path(shutil.copyfile(FIXTURES / name, media / f"{i}-{name}"))
             for i, name in enumerate(names)]
    run = ManyFiles(indexer, files, 4)
    outcomes = list(run)
    assert [o.status for o in outcomes] == ["indexed", "indexed", "indexed", "skipped"]
    first, second = run.coalescers
    assert first.engine is indexer.engine.lanes[0] and second.engine is indexer.engine.lanes[1]
    # The copy of file 1 (file 3) went to file 1's member, on lane 1, and was skipped there.
    assert first.rounds[0] == {0: 1, 1: 1} and second.rounds[0] == {0: 1}
    texts = [" ".join(s.text for s in load_transcript(
        indexer.settings.transcripts_dir, o.video_id).segments).lower() for o in outcomes[:3]]
    assert "afghanistan" in texts[0] and "budget" in texts[2]


def test_lanes_option_reaches_the_engine(tmp_path: Path, models_dir: Path, monkeypatch) -> None:
    from indexer import pipeline

    seen = []
    real = pipeline.Indexer.index_file

    def spy(self, path, *args, **kwargs):
        outcome = real(self, path, *args, **kwargs)
        seen.append([lane.options.cpu_threads for lane in self.engine.lanes])
        return outcome

    monkeypatch.setattr(pipeline.Indexer, "index_file", spy)
    monkeypatch.setattr("os.sched_getaffinity", lambda pid: {0, 1})  # two cores, anywhere
    data = tmp_path / "data"
    data.mkdir()
    (data / "models").symlink_to(models_dir.resolve(), target_is_directory=True)
    for lanes, expected in (("2", [1, 1]), ("1", [2])):
        result = CliRunner().invoke(main, ["index", str(FIXTURES / "en_nato.mp3"), "--force",
                                           "--lanes", lanes, "--no-diarize",
                                           "--data-dir", str(data)])
        assert result.exit_code == 0, result.output
        assert seen.pop() == expected
