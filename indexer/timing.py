"""Where indexing time goes: wall seconds per pipeline stage, summed over a file.

Stages: decode, vad, language, transcription, entities, align (an official text), speakers
(diarization), store, index. The pipeline fills a StageClock per file (FileOutcome.stages);
the CLI prints it with --verbose and the benchmark puts it in docs/benchmarks.md. When a
file's windows are decoded on several lanes at once (engines/lanes.py), the language and
transcription stages add up each lane's time, so the stages can sum to more than the wall time.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

STAGES = ("decode", "vad", "language", "transcription", "entities", "align", "speakers", "store",
          "index")


class StageClock:
    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._lock = threading.Lock()  # the lanes of one file time their stages at once

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        if name not in STAGES:
            raise ValueError(f"unknown stage {name!r}; stages are {', '.join(STAGES)}")
        started = time.perf_counter()
        try:
            yield
        finally:
            with self._lock:
                self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - started

    def summary(self) -> str:
        total = sum(self.seconds.values()) or 1.0
        return ", ".join(f"{name} {self.seconds[name]:.1f} s ({self.seconds[name] / total:.0%})"
                         for name in STAGES if name in self.seconds)

