"""Speech chunks: silence never reaches the engine; long pauses end a chunk."""

from __future__ import annotations

import numpy as np
from conftest import FIXTURES

from indexer.chunking import (
    PACK_GAP,
    Chunk,
    ChunkingOptions,
    Window,
    group_spans,
    pack_chunks,
    speech_chunks,
)
from indexer.decode import load_audio


def test_group_spans_joins_short_pauses_and_cuts_long_ones() -> None:
    spans = [Chunk(0.0, 4.0), Chunk(4.5, 9.0), Chunk(11.0, 14.0), Chunk(14.2, 15.0)]
    chunks = group_spans(spans, ChunkingOptions(turn_pause=1.5))
    assert chunks == [Chunk(0.0, 9.0), Chunk(11.0, 15.0)]


def test_group_spans_never_exceeds_max_chunk() -> None:
    spans = [Chunk(i * 10.0, i * 10.0 + 9.8) for i in range(10)]
    chunks = group_spans(spans, ChunkingOptions(max_chunk=30.0))
    assert all(c.duration <= 30.0 for c in chunks)
    assert chunks[0] == Chunk(0.0, 29.8)
    assert sum(c.duration for c in chunks) > 90


def test_silence_gives_no_chunks() -> None:
    assert speech_chunks(load_audio(FIXTURES / "silence.wav")) == []
    assert speech_chunks(np.zeros(16000 * 3, dtype=np.float32)) == []


def test_language_switch_pause_splits_the_mixed_file() -> None:
    chunks = speech_chunks(load_audio(FIXTURES / "mixed_fr_en.ogg"))
    assert len(chunks) == 2
    gap = chunks[1].start - chunks[0].end
    assert gap > 1.5


def test_short_chunks_are_packed_into_windows_of_at_most_30_s() -> None:
    chunks = [Chunk(0.0, 6.0), Chunk(20.0, 33.0), Chunk(60.0, 62.0), Chunk(80.0, 90.0)]
    windows = pack_chunks(chunks, 30.0)
    assert [w.chunks for w in windows] == [tuple(chunks[:3]), (chunks[3],)]
    assert windows[0].duration == 6.0 + PACK_GAP + 13.0 + PACK_GAP + 2.0
    assert all(w.duration <= 30.0 for w in windows)
    assert pack_chunks([]) == []


def test_window_audio_and_times_map_back_to_the_file() -> None:
    audio = np.arange(16000 * 40, dtype=np.float32)
    window = Window((Chunk(1.0, 3.0), Chunk(30.0, 31.5)))
    samples = window.samples(audio)
    assert len(samples) == round(window.duration * 16000)
    (_, end_a), (start_b, _) = window.spans
    assert samples[0] == 16000 and samples[int(start_b * 16000)] == 30 * 16000  # second chunk
    assert not samples[int(end_a * 16000):int(start_b * 16000)].any()  # silence between
    assert window.chunk_at(0.5) == 0 and window.chunk_at(start_b + 1.0) == 1
    assert window.chunk_at(end_a + 0.1) == 0 and window.chunk_at(start_b - 0.1) == 1
    assert window.file_time(start_b + 1.0, 1) == 31.0
    assert window.file_time(end_a + 0.3, 0) == 3.0  # kept inside its chunk
