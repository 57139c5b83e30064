"""Several files indexed at once (indexer/index_many.py, engines/coalesce.py): the real
Whisper base model, spaCy and Whoosh on real and synthesized speech. Their windows meet in
one batched decoder call, and give what the files give indexed one by one."""

from __future__ import annotations

import dataclasses
import shutil
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import FIXTURES, indexer_sharing_models

from indexer.cli import main
from indexer.decode import load_audio
from indexer.engines import Request
from indexer.index_many import ManyFiles, members_of
from indexer.store import load_transcript

# Short speech of each kind: English, French, a French-English switch, a budget fixture.
SPEECH = ("en_nato.mp3", "fr_minister.ogg", "mixed_fr_en.ogg", "en_budget.mp3")


def speech_files(folder: Path, names=SPEECH) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    return [Path(shutil.copyfile(FIXTURES / name, folder / name)) for name in names]


def transcripts(indexer, outcomes):
    return [load_transcript(indexer.settings.transcripts_dir, o.video_id) for o in outcomes]


def words(transcript):
    return [w for s in transcript.segments for w in s.words]


def one_lane(session_indexer, engine, root: Path):
    """An indexer whose engine has one lane, so that every file meets in one coalescer
    (two lanes: test_lanes.py)."""
    indexer = indexer_sharing_models(session_indexer, root)
    indexer.__dict__["engine"] = engine
    return indexer


def test_an_encoder_output_cached_by_one_thread_survives_another_threads_batch(engine,
                                                                             monkeypatch):
    # Regression: transcribe_batch dropped every cached language-ID encoder output when it
    # ended, also those another thread had cached meanwhile for its own next batch, which
    # then encoded its windows again.
    english, french = load_audio(FIXTURES / "en_nato.mp3"), load_audio(FIXTURES /
                                                                      "fr_minister.ogg")
    decoding, cached = threading.Event(), threading.Event()
    real = engine._transcribe

    def held(*args):  # the other thread's decoding waits until this one has cached its window
        decoding.set()
        assert cached.wait(120)
        return real(*args)

    monkeypatch.setattr(engine, "_transcribe", held)
    other = threading.Thread(target=engine.transcribe_batch, args=([Request(french, "fr",
                                                                            None)],))
    other.start()
    assert decoding.wait(120)
    engine.detect_languages(english, [(0.0, len(english) / 16000)])
    cached.set()
    other.join()
    monkeypatch.setattr(engine, "_transcribe", real)
    reuses, calls = engine.encoder_reuses, engine.encoder_calls
    engine.transcribe_batch([Request(english, "en", None)])
    assert engine.encoder_reuses == reuses + 1 and engine.encoder_calls == calls
    assert engine._encoded == []  # and nothing is left behind


@pytest.fixture
def one_by_one(session_indexer, tmp_path_factory):
    """The speech files indexed one after the other (the path as it was)."""
    root = tmp_path_factory.mktemp("one-by-one")
    indexer = indexer_sharing_models(session_indexer, root)
    files = speech_files(root / "media")
    run = ManyFiles(indexer, files, 1)
    outcomes = list(run)
    assert run.coalescer is None  # at_once 1: no threads, no coalescer
    assert [o.status for o in outcomes] == ["indexed"] * len(files)
    return transcripts(indexer, outcomes)


def test_files_indexed_together_decode_in_one_call_and_match_one_by_one(
        session_indexer, engine, tmp_path, one_by_one, batched_calls):
    indexer = one_lane(session_indexer, engine, tmp_path)
    files = speech_files(tmp_path / "media")
    run = ManyFiles(indexer, files, len(files))
    outcomes = list(run)
    assert [o.path for o in outcomes] == files  # in file order
    assert [o.status for o in outcomes] == ["indexed"] * len(files)
    # Every file's windows went to the engine in the first round: one window each, two
    # language runs for the mixed file. They are decoded in one batched generate call per
    # language (the French and English gazetteer prompts differ in length, and CTranslate2
    # wants a batch's prompts of one length): the three English runs of three files together.
    assert run.coalescer.rounds[0] == {0: 1, 1: 1, 2: 2, 3: 1}
    assert sorted(batched_calls[:2]) == [("generate", 2), ("generate", 3)]
    together = transcripts(indexer, outcomes)
    for alone, joint in zip(one_by_one, together):
        # The same words in the same languages; a word time may move by a frame or two
        # (float rounding in wider matrix products, as within a file: test_transcribe_batch).
        assert [(s.language, s.text) for s in joint.segments] == [
            (s.language, s.text) for s in alone.segments]
        first, second = words(alone), words(joint)
        assert [w.word for w in first] == [w.word for w in second]
        assert max(abs(a.start - b.start) + abs(a.end - b.end)
                   for a, b in zip(first, second)) <= 0.04
        assert [e.id for s in joint.segments for e in s.entities] == [
            e.id for s in alone.segments for e in s.entities]
    assert together[2].segments[0].language == "fr" and together[2].segments[-1].language == "en"
    # All four are in the index.
    from indexer.search_index import is_indexed
    assert all(is_indexed(indexer.settings.index_dir, o.video_id) for o in outcomes)


def test_the_same_files_give_the_same_batches_and_transcripts(session_indexer, engine, tmp_path,
                                                               batched_calls) -> None:
    # No timeout decides what is decoded together: two runs, the same rounds, the same
    # batched calls, the same transcripts to the millisecond.
    runs = []
    for attempt in ("first", "second"):
        indexer = one_lane(session_indexer, engine, tmp_path / attempt)
        run = ManyFiles(indexer, speech_files(tmp_path / attempt / "media", SPEECH[:3]), 3)
        outcomes = list(run)
        # (the calls of one rendezvous, French and English, may run in either order)
        calls = sorted(batched_calls)
        batched_calls.clear()
        runs.append((run.coalescer.rounds, calls,
                     [[(s.start, s.end, s.language, s.text, [(w.start, w.end, w.word)
                                                             for w in s.words])
                       for s in t.segments] for t in transcripts(indexer, outcomes)]))
    assert runs[0] == runs[1]
    assert len(runs[0][1]) >= 2


def test_a_corrupt_and_a_silent_file_fail_alone(session_indexer, engine, tmp_path) -> None:
    indexer = one_lane(session_indexer, engine, tmp_path)
    media = tmp_path / "media"
    corrupt = media / "broken.mp3"
    files = speech_files(media, SPEECH[:2])
    corrupt.write_bytes(b"ID3 not really an mp3" * 100)
    silent = Path(shutil.copyfile(FIXTURES / "silence.wav", media / "silence.wav"))
    files = [files[0], corrupt, silent, files[1]]
    run = ManyFiles(indexer, files, 4)
    outcomes = list(run)
    assert [o.path for o in outcomes] == files
    assert [o.status for o in outcomes] == ["indexed", "failed", "failed", "indexed"]
    assert "audio" in outcomes[1].reason
    assert "speech" in outcomes[2].reason
    english, french = transcripts(indexer, [outcomes[0], outcomes[3]])
    assert "afghanistan" in " ".join(s.text for s in english.segments).lower()
    assert french.language == "fr"
    # Nobody waited for the failed files: the two speech files met in the first round.
    assert run.coalescer.rounds[0] == {0: 1, 3: 1}


def test_an_unexpected_error_stops_the_run_after_the_files_begun(session_indexer,
                                                                 tmp_path) -> None:
    # A real failure nobody handles: the second file's transcript cannot be written (a
    # folder is in its place). The members stop taking files, nobody is left waiting at the
    # coalescer, what was indexed is given first, then the error.
    from indexer.decode import content_hash
    from indexer.search_index import is_indexed

    indexer = indexer_sharing_models(session_indexer, tmp_path)
    files = speech_files(tmp_path / "media", SPEECH[:3])
    blocked = content_hash(files[1])[:16]
    (indexer.settings.transcripts_dir / f"{blocked}.json").mkdir(parents=True)
    given = []
    with pytest.raises(IsADirectoryError):
        for outcome in ManyFiles(indexer, files, 2):  # members: files 0 and 2, file 1
            given.append(outcome)
    assert given[0].path == files[0] and given[0].status == "indexed"
    assert all(o.status == "indexed" and o.path != files[1] for o in given)
    assert is_indexed(indexer.settings.index_dir, given[0].video_id)
    assert not is_indexed(indexer.settings.index_dir, blocked)


def test_a_bad_request_fails_its_own_file_only(engine) -> None:
    # A pooled call that fails is decoded again member by member: the bad request's member
    # gets the error, the other its transcript.
    from indexer.engines.coalesce import Coalescer

    coalescer = Coalescer(engine, 2, 16)
    audio = load_audio(FIXTURES / "en_nato.mp3")
    results: dict[int, object] = {}

    def member(index: int, language: str) -> None:
        try:
            results[index] = coalescer.member(index).transcribe_batch(
                [Request(audio, language, None)])
        except Exception as exc:
            results[index] = exc
        finally:
            coalescer.member(index).leave()

    threads = [threading.Thread(target=member, args=(0, "en")),
               threading.Thread(target=member, args=(1, "not-a-language"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(300)
    assert coalescer.rounds == [{0: 1, 1: 1}]
    assert isinstance(results[1], Exception)
    assert "afghanistan" in " ".join(s.text for s in results[0][0].segments).lower()


def test_batch_size_one_indexes_files_one_by_one(session_indexer, engine, tmp_path) -> None:
    # --batch-size 1 turns batching off, across files too: no threads, no coalescer.
    indexer = one_lane(session_indexer, engine, tmp_path)
    engine = indexer.engine
    options = engine.options
    engine.options = dataclasses.replace(options, batch_size=1)
    try:
        run = ManyFiles(indexer, speech_files(tmp_path / "media", SPEECH[:2]), 4)
        assert [o.status for o in run] == ["indexed", "indexed"]
    finally:
        engine.options = options
    assert run.coalescer is None and run.at_once == 1


def test_copies_of_one_file_go_to_one_member(tmp_path: Path) -> None:
    files = speech_files(tmp_path, SPEECH)
    copy = Path(shutil.copyfile(files[0], tmp_path / "copy.mp3"))
    missing = tmp_path / "missing.mp3"
    assert members_of(files, 2) == [[0, 2], [1, 3]]
    assert members_of(files + [copy, missing], 3) == [[0, 3, 4], [1, 5], [2]]
    assert members_of(files[:2], 8) == [[0], [1]]


def test_copies_indexed_together_are_transcribed_once(session_indexer, tmp_path) -> None:
    indexer = indexer_sharing_models(session_indexer, tmp_path)
    files = speech_files(tmp_path / "media", SPEECH[:1])
    copy = Path(shutil.copyfile(files[0], tmp_path / "media" / "copy.mp3"))
    outcomes = list(ManyFiles(indexer, [files[0], copy], 2))
    assert [o.status for o in outcomes] == ["indexed", "skipped"]


def test_index_command_indexes_files_together_and_reports_in_order(tmp_path: Path,
                                                                   models_dir: Path,
                                                                   batched_calls) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "models").symlink_to(models_dir.resolve(), target_is_directory=True)
    files = speech_files(tmp_path / "media", SPEECH[:3])
    broken = tmp_path / "media" / "broken.mp3"
    broken.write_bytes(b"\x00" * 4000)
    result = CliRunner().invoke(
        main, ["index", *map(str, files), str(broken), "--no-diarize", "--files-at-once", "4",
               "--lanes", "1", "--data-dir", str(data)])
    assert result.exit_code == 1  # a file failed
    lines = [line for line in result.stdout.splitlines() if line.startswith("indexed")]
    assert [line.split()[1] for line in lines] == [str(f) for f in files]
    # The files' own times overlap: a speed per file would mislead; the run's is the summary's.
    assert not any("real time" in line for line in lines), lines
    assert "x real time" in result.stdout.splitlines()[-1]
    assert "broken.mp3" in result.stderr
    assert "4 file(s): 3 indexed, 0 skipped, 1 failed" in result.stdout
    # Three files, four language runs: two English runs of two files, and two French.
    assert sorted(batched_calls[:2]) == [("generate", 2), ("generate", 2)]
