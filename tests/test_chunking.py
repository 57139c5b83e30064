"""Speech chunks: silence never reaches the engine; long pauses end a chunk."""

from __future__ import annotations

import numpy as np
from conftest import FIXTURES

from indexer.chunking import Chunk, ChunkingOptions, group_spans, speech_chunks
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
