"""Speed of both engines on the same corpus files, in one run (multiple of real time).

    .venv/bin/python -m bench.engines [--files fr_readalong_ej.m4a en_sonnet001.mp3]

Each engine is loaded and warmed up first, then times `transcribe_audio` (VAD chunks, language
ID per chunk, word timestamps, beam 5): the same path `speechsearch index` uses. Bare
faster-whisper (its own VAD, one language per file) is measured beside it as a reference.
Results are printed as a Markdown table and written to bench/results/engines.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import time
from pathlib import Path

from bench.report import publish
from indexer.decode import load_audio
from indexer.engines import load_engine
from indexer.gazetteer import Gazetteer
from indexer.transcribe import transcribe_audio

ROOT = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("SPEECHSEARCH_CORPUS", ROOT.parent / "shared" / "corpus"))
DEFAULT_FILES = ["fr_readalong_ej.m4a", "en_sonnet001.mp3"]


def timed(function, *args, **kwargs) -> tuple[object, float]:
    started = time.perf_counter()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", nargs="+", default=DEFAULT_FILES, help="corpus file names")
    parser.add_argument("--models-dir", type=Path, default=ROOT / "data" / "models")
    args = parser.parse_args()

    audios = {name: load_audio(CORPUS / name) for name in args.files}
    prompts = {code: Gazetteer.load().prompt(code) for code in ("fr", "en")}
    rows = []
    for engine_name in ("faster-whisper", "openai-whisper"):
        engine, load_seconds = timed(load_engine, engine_name, "base", args.models_dir)
        transcribe_audio(engine, audios[args.files[0]][: 16000 * 5], ("fr", "en"))  # warm-up
        for name, audio in audios.items():
            _, seconds = timed(transcribe_audio, engine, audio, ("fr", "en"), None, prompts)
            rows.append((f"{engine_name} (pipeline path)", name, len(audio) / 16000, seconds))
        if engine_name == "faster-whisper":
            for name, audio in audios.items():
                def bare():
                    segments, _ = engine.model.transcribe(audio, beam_size=5, vad_filter=True,
                                                          word_timestamps=True)
                    return list(segments)
                _, seconds = timed(bare)
                rows.append(("bare faster-whisper (reference)", name, len(audio) / 16000,
                             seconds))
        print(f"{engine_name}: loaded in {load_seconds:.1f} s")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    lines = [
        f"Machine: {os.cpu_count()} cores, {platform.processor() or platform.machine()}, "
        f"Python {platform.python_version()}; peak RSS of the run {peak:.0f} MB.",
        "",
        "| engine | file | audio (s) | wall (s) | speed (x real time) |",
        "|---|---|---:|---:|---:|",
    ]
    lines += [f"| {e} | {f} | {a:.1f} | {w:.1f} | {a / w:.2f}x |" for e, f, a, w in rows]
    publish("engines", "\n".join(lines))


if __name__ == "__main__":
    main()
