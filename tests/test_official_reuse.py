"""The text given at indexing: its forced alignment reuses the transcription's encoder outputs
(issue 15, the cost at indexing; indexer/official/reuse.py).

Real model, real speech: the read-along of the corpus (two transcription windows, the second
4.7 s long) and the synthetic minister fixture, transcribed with their encoder outputs kept,
then force-aligned both ways.
"""

from __future__ import annotations

import statistics
from pathlib import Path

import numpy as np
import pytest
from conftest import FIXTURES

from indexer.chunking import PACK_GAP, Chunk, Window
from indexer.decode import load_audio, probe
from indexer.official import read_official_text
from indexer.official.align import align
from indexer.official.boundaries import Speech
from indexer.official.forced import force_align
from indexer.official.reuse import speech_frames
from indexer.pipeline import Indexer
from indexer.records import Metadata
from indexer.transcribe import FRAME_SECONDS, EncodedWindow


def test_encoded_frames_carry_their_file_times_and_none_in_packing_gaps() -> None:
    window = Window((Chunk(10.0, 11.0), Chunk(40.0, 41.0)))
    encoded = EncodedWindow.of(np.zeros((int((2 + PACK_GAP) / FRAME_SECONDS) + 5, 4)), window)
    assert encoded.times[0] == pytest.approx(10.0)
    assert encoded.times[49] == pytest.approx(10.98)
    assert np.isnan(encoded.times[50:75]).all()  # the 0.5 s of silence between the chunks
    assert encoded.times[75] == pytest.approx(40.0)
    assert np.isnan(encoded.times[-5:]).all()  # past the window's audio


def test_speech_frames_leave_out_pauses_and_map_back_to_the_file() -> None:
    frames = np.arange(100, dtype=np.float16)[:, None].repeat(2, axis=1)
    encoded = EncodedWindow(frames, 5.0 + np.arange(100) * FRAME_SECONDS)  # 5.0-7.0 s
    kept, cut = speech_frames(encoded, Speech([(5.0, 5.5), (6.5, 7.0)]))
    assert len(kept) == 50 and kept[25, 0] == 75  # the pause's 50 frames are out
    assert cut.to_original(0.0, 0.5) == pytest.approx((5.0, 5.5))
    assert cut.to_original(0.5, 1.0) == pytest.approx((6.5, 7.0))


@pytest.fixture(scope="module")
def both_ways(session_indexer: Indexer, corpus: Path):
    """For each recording: (fresh alignment, reused alignment, encoder calls while reusing)."""
    results = {}
    for media, text in [(corpus / "fr_readalong_ej.m4a", corpus / "fr_readalong_ej.ref.txt"),
                        (FIXTURES / "fr_minister.ogg", FIXTURES / "fr_minister.ref.txt")]:
        engine = session_indexer.engine
        audio, encodings = load_audio(media), []
        transcript = session_indexer.transcribe(probe(media), audio, Metadata(),
                                                encodings=encodings)
        words = read_official_text(text).words()
        first = align([word.text for word in words], transcript)
        fresh = force_align(first, audio, engine.model)
        force_align(first, audio, engine.model, encodings=encodings)  # silence encoded once
        calls = engine.encoder_calls
        reused = force_align(first, audio, engine.model, encodings=encodings)
        results[media.name] = fresh, reused, engine.encoder_calls - calls, len(encodings)
    return results


def test_aligning_with_the_transcriptions_encodings_encodes_nothing(both_ways) -> None:
    for name, (_, _, calls, windows) in both_ways.items():
        assert windows >= 1, name
        assert calls == 0, name
    assert both_ways["fr_readalong_ej.m4a"][3] == 2


def test_reused_encodings_give_the_fresh_paths_times_and_confidences(both_ways) -> None:
    for name, (fresh, reused, _, _) in both_ways.items():
        starts = [abs(a.start - b.start) for a, b in zip(fresh.words, reused.words)]
        ends = [abs(a.end - b.end) for a, b in zip(fresh.words, reused.words)]
        assert statistics.median(starts) < 0.05 and statistics.median(ends) < 0.05, name
        # Words heard as written stay likely: a short window's decoder, fed its speech frames
        # without the padding's, forced them at 0.00-0.02.
        matched = [b.confidence for a, b in zip(fresh.words, reused.words)
                   if a.status == "matched"]
        assert statistics.median(matched) > 0.8, name
        assert min(matched) > 0.05, name


def test_indexing_with_a_text_hands_the_transcriptions_encodings_to_the_aligner(
        session_indexer: Indexer, data_dir: Path, monkeypatch) -> None:
    """`speechsearch index FILE --official-text TEXT`: the pipeline keeps the encoder outputs
    and the aligner gets them; attaching later (no transcription) gets none."""
    from dataclasses import replace

    from indexer.config import Settings
    from indexer.official import attach
    from indexer.pipeline import IndexOptions

    given: list[int] = []
    real = attach.force_align

    def spy(alignment, audio, model, language=None, **options):
        given.append(len(options.get("encodings", ())))
        return real(alignment, audio, model, language, **options)

    monkeypatch.setattr(attach, "force_align", spy)
    indexer = Indexer(Settings(data_dir=data_dir), IndexOptions(
        official_text=FIXTURES / "fr_minister.ref.txt"))
    indexer.engine, indexer.tagger = session_indexer.engine, session_indexer.tagger
    outcome = indexer.index_file(FIXTURES / "fr_minister.ogg")
    assert outcome.status == "indexed" and "attached" in outcome.reason, outcome.reason
    assert given == [1]
    # The same file again with another text: aligned to the saved transcript, nothing kept.
    other = data_dir / "minister.txt"
    other.write_text((FIXTURES / "fr_minister.ref.txt").read_text(encoding="utf-8")
                     .replace("15", "quinze"), encoding="utf-8")
    indexer.options = replace(indexer.options, official_text=other)
    assert indexer.index_file(FIXTURES / "fr_minister.ogg").status in ("indexed", "skipped")
    assert given == [1, 0]
