"""Standalone: what decoding the windows of several files together would gain (issue 19).

The pipeline batches the windows of one file (`--batch-size`); the corpus files have at most
two windows each, so a batch is rarely full. This pools the windows of every corpus file and
transcribes them 8 at a time across files, against batch 1 and per-file batches of 8, in one
process, side by side (transcription only: VAD, language ID, decoding; no prompt).

    .venv/bin/python -m bench.transcription_across [--rounds N]
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import os
import time
from pathlib import Path

from bench.corpus_runs import corpus_media
from bench.report import CORPUS, ROOT
from indexer.chunking import ChunkingOptions, pack_chunks, speech_chunks
from indexer.decode import load_audio
from indexer.engines import EngineOptions, load_engine
from indexer.timing import StageClock
from indexer.transcribe import _jobs, transcribe_audio

logger = logging.getLogger("bench.transcription_across")
LANGS = ("fr", "en")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--models-dir", default=str(ROOT / "data" / "models"))
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    engine = load_engine("faster-whisper", "base", Path(args.models_dir),
                         EngineOptions())
    audios = [load_audio(path) for path in corpus_media(CORPUS)]
    seconds = sum(len(audio) for audio in audios) / 16000
    transcribe_audio(engine, audios[0], LANGS)  # warm-up

    def per_file(size: int) -> None:
        engine.options = dataclasses.replace(engine.options, batch_size=size)
        for audio in audios:
            transcribe_audio(engine, audio, LANGS)

    def across_files() -> None:
        windows = [(audio, window) for audio in audios
                   for window in pack_chunks(speech_chunks(audio, ChunkingOptions()), 30.0)]
        for first in range(0, len(windows), 8):
            jobs = [job for audio, window in windows[first:first + 8]
                    for job in _jobs(engine, window, audio, LANGS, None, {}, False, StageClock())]
            engine.transcribe_batch([job.request for job in jobs])

    for round_ in range(args.rounds):
        for name, work in (("batch 1", lambda: per_file(1)),
                           ("per file, batch 8", lambda: per_file(8)),
                           ("across files, batch 8", across_files)):
            started = time.perf_counter()
            work()
            wall = time.perf_counter() - started
            logger.info("round %d, %s: %.1f s, %.2fx real time, load %.2f", round_, name, wall,
                        seconds / wall, os.getloadavg()[0])


if __name__ == "__main__":
    main()
