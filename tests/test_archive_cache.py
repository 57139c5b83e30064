"""The site's transcript cache (search_app/transcript_cache.py) as the Archive uses it: bounded
by size, invalidated when a transcript is saved again, safe from many threads; and the
listings (home page, /api/videos) that read a transcript only when it changed."""

from __future__ import annotations

import gc
import threading
import weakref
from pathlib import Path

import pytest
from conftest import app_over

from indexer.config import Settings
from indexer.records import MediaInfo, Metadata, Segment, Transcript
from indexer.store import iter_video_ids, load_transcript, save_transcript, transcript_path
from search_app.archive import Archive, VideoSummary
from search_app.transcript_cache import SizedLRU, Stamp

VIDEOS = 12


def make_transcript(number: int, title: str = "") -> Transcript:
    video_id = f"{number:016x}"
    segments = [Segment(i * 5.0, i * 5.0 + 4.0, f"Passage {i} of video {number}.")
                for i in range(60)]
    media = MediaInfo(f"/archive/{video_id}.mp4", video_id * 4, 1, "mp4", 300.0 + number, True)
    meta = Metadata(title=title or f"Video {number}", date=f"2020-01-{number + 1:02d}",
                    speaker="A. Speaker", event="Briefing")
    return Transcript(video_id, media, meta, "faster-whisper", "base", "fr", ["fr", "en"],
                      segments, "2026-01-01")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    settings = Settings(data_dir=tmp_path)
    for number in range(VIDEOS):
        save_transcript(settings.transcripts_dir, make_transcript(number))
    return settings


def file_size(settings: Settings, number: int) -> int:
    return transcript_path(settings.transcripts_dir, f"{number:016x}").stat().st_size


def test_the_bound_is_kept_and_evicted_transcripts_are_freed(settings: Settings) -> None:
    bound = 3 * max(file_size(settings, n) for n in range(VIDEOS))
    archive = Archive(settings, cache_bytes=bound)
    alive = []
    for number in range(VIDEOS):
        transcript = archive.transcript(f"{number:016x}")
        assert transcript.metadata.title == f"Video {number}"
        alive.append(weakref.ref(transcript))
        del transcript
        assert archive._cache.size <= bound
    gc.collect()
    held = [ref() for ref in alive if ref() is not None]
    assert 0 < len(held) <= 3 and len(archive._cache) == len(held)
    # The most recently read are the ones kept.
    assert {t.video_id for t in held} <= {f"{n:016x}" for n in range(VIDEOS - 3, VIDEOS)}


def test_least_recently_used_goes_first() -> None:
    cache: SizedLRU[str] = SizedLRU(max_bytes=30)
    for key in "abc":
        cache.put(key, Stamp(1, 10, 1), key.upper())
    assert cache.get("a", Stamp(1, 10, 1)) == "A"  # a is now the most recent
    cache.put("d", Stamp(1, 10, 1), "D")
    assert cache.get("b", Stamp(1, 10, 1)) is None
    assert [cache.get(k, Stamp(1, 10, 1)) for k in "acd"] == ["A", "C", "D"]
    cache.put("huge", Stamp(1, 31, 1), "too big")  # larger than the bound: not kept at all
    assert cache.get("huge", Stamp(1, 31, 1)) is None and len(cache) == 3
    with pytest.raises(ValueError):
        SizedLRU(-1)


def test_the_listing_parses_each_transcript_once_and_does_not_fill_the_cache(
        settings: Settings, monkeypatch) -> None:
    archive = Archive(settings, cache_bytes=10 * 1024 * 1024)
    read: list[str] = []

    def counting_load(transcripts_dir: Path, video_id: str) -> Transcript:
        read.append(video_id)
        return load_transcript(transcripts_dir, video_id)

    monkeypatch.setattr("search_app.archive.load_transcript", counting_load)
    first = archive.videos()
    assert len(first) == VIDEOS and len(read) == VIDEOS and len(archive._cache) == 0
    assert first[0] == VideoSummary.of(make_transcript(VIDEOS - 1))  # newest date first
    assert archive.videos() == first and len(read) == VIDEOS  # nothing changed: nothing read
    save_transcript(settings.transcripts_dir, make_transcript(4, title="Renamed"))
    transcript_path(settings.transcripts_dir, f"{7:016x}").unlink()
    after = archive.videos()
    assert read[VIDEOS:] == [f"{4:016x}"]
    assert [v.title for v in after if v.video_id == f"{4:016x}"] == ["Renamed"]
    assert f"{7:016x}" not in {v.video_id for v in after} and len(after) == VIDEOS - 1
    assert len(archive._summaries) == VIDEOS - 1


def test_a_restarted_site_lists_from_the_saved_summaries(settings: Settings,
                                                         monkeypatch) -> None:
    listed = Archive(settings).videos()
    read: list[str] = []

    def counting_load(transcripts_dir: Path, video_id: str) -> Transcript:
        read.append(video_id)
        return load_transcript(transcripts_dir, video_id)

    monkeypatch.setattr("search_app.archive.load_transcript", counting_load)
    assert Archive(settings).videos() == listed and read == []
    # Changed while the site was down: that one transcript is read again.
    save_transcript(settings.transcripts_dir, make_transcript(5, title="Edited offline"))
    again = Archive(settings).videos()
    assert read == [f"{5:016x}"]
    assert [v.title for v in again if v.video_id == f"{5:016x}"] == ["Edited offline"]
    # A summaries file cut short (or of another format) is ignored, then written anew.
    summaries = settings.data_dir / "video-summaries.json"
    summaries.write_text(summaries.read_text(encoding="utf-8")[:100], encoding="utf-8")
    assert Archive(settings).videos() == again and len(read) == 1 + VIDEOS
    assert Archive(settings).videos() == again and len(read) == 1 + VIDEOS


def test_an_updated_transcript_is_read_again(settings: Settings) -> None:
    archive = Archive(settings)
    video_id = f"{2:016x}"
    assert archive.transcript(video_id).metadata.title == "Video 2"
    # Same size, saved at once: the inode still tells the new file from the old.
    save_transcript(settings.transcripts_dir, make_transcript(2, title="Video X"))
    assert archive.transcript(video_id).metadata.title == "Video X"
    assert [v.title for v in archive.videos() if v.video_id == video_id] == ["Video X"]


def test_concurrent_reads_and_saves_are_safe(settings: Settings) -> None:
    bound = 4 * file_size(settings, 0)
    archive = Archive(settings, cache_bytes=bound)
    errors: list[BaseException] = []
    stop = threading.Event()

    def reader(offset: int) -> None:
        try:
            for i in range(300):
                number = (i * 7 + offset) % VIDEOS
                transcript = archive.transcript(f"{number:016x}")
                assert transcript.video_id == f"{number:016x}"
                assert transcript.metadata.title in (f"Video {number}", f"Saved {number}")
                if i % 50 == 0:
                    assert len(archive.videos()) == VIDEOS
        except BaseException as exc:  # handed to the main thread, which fails the test
            errors.append(exc)

    def saver() -> None:
        try:
            turn = 0
            while not stop.is_set():
                number = turn % VIDEOS
                title = f"Saved {number}" if turn // VIDEOS % 2 == 0 else f"Video {number}"
                save_transcript(settings.transcripts_dir, make_transcript(number, title))
                turn += 1
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=reader, args=(n,)) for n in range(8)]
    writer = threading.Thread(target=saver)
    writer.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stop.set()
    writer.join()
    assert errors == []
    assert archive._cache.size <= bound and len(archive._cache) <= 4
    # Once the saves stop, every read gives what is on disk.
    for number in range(VIDEOS):
        video_id = f"{number:016x}"
        on_disk = load_transcript(settings.transcripts_dir, video_id)
        assert archive.transcript(video_id) == on_disk
        assert [v for v in archive.videos() if v.video_id == video_id] == \
            [VideoSummary.of(on_disk)]


def test_the_bound_comes_from_the_app_config(settings: Settings, tmp_path_factory) -> None:
    app = app_over(settings.data_dir, tmp_path_factory, TRANSCRIPT_CACHE_MB=0.5)
    assert app.extensions["archive"]._cache.max_bytes == 512 * 1024
    assert app_over(settings.data_dir, tmp_path_factory).extensions["archive"]._cache \
        .max_bytes == 256 * 1024 * 1024


def test_the_listing_skips_what_is_not_a_transcript(settings: Settings) -> None:
    folder = settings.transcripts_dir
    (folder / "notes.json").write_text("{}", encoding="utf-8")
    (folder / f"{1:016x}.json.bak").write_text("{}", encoding="utf-8")
    (folder / f".{1:016x}.json.tmp1234").write_text("{", encoding="utf-8")  # a save under way
    (folder / f"{99:016x}.json").mkdir()  # not even a file
    assert list(iter_video_ids(folder)) == [f"{n:016x}" for n in range(VIDEOS)] + [f"{99:016x}"]
    assert [v.video_id for v in Archive(settings).videos()] == \
        [f"{n:016x}" for n in reversed(range(VIDEOS))]
    assert list(iter_video_ids(settings.data_dir / "nowhere")) == []
    assert list(iter_video_ids(folder / "notes.json")) == []
