"""Word times of an aligned official text against human segment boundaries (issue 15).

    .venv/bin/python -m bench.forced_alignment [--corpus /work/shared/corpus]

The corpus recording fr_tcof_separation.wav has human segments (start, end, id, text); their
texts joined are the "official" text. Whisper base transcribes the file, stage 1 (`align`) and
stage 2 (`force_align`) time the text, and each segment's start and end are compared with the
start of its first word and the end of its last. The issue's target: median <= 0.15 s,
p90 <= 0.40 s. A standalone measurement, not a section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import csv
import logging
import statistics
import tempfile
from pathlib import Path

from bench.report import ROOT
from indexer.config import Settings
from indexer.decode import load_audio
from indexer.official.align import Alignment, align
from indexer.official.forced import force_align
from indexer.pipeline import Indexer, IndexOptions
from indexer.store import load_transcript
from indexer.whisper_models import provision_base_model

logger = logging.getLogger("bench.forced_alignment")
RECORDING = "fr_tcof_separation"


def boundary_errors(alignment: Alignment, segment_of: list[int],
                    segments: list[tuple[float, float]]) -> list[float]:
    errors = []
    for index, (start, end) in enumerate(segments):
        words = [word for word, owner in zip(alignment.words, segment_of) if owner == index]
        errors += [abs(words[0].start - start), abs(words[-1].end - end)]
    return errors


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[round(share * (len(ordered) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    rows = list(csv.reader((args.corpus / f"{RECORDING}.ref_segments.tsv").open(
        encoding="utf-8"), delimiter="\t"))
    segments = [(float(start), float(end)) for start, end, _, _ in rows]
    words, segment_of = [], []
    for index, (_, _, _, text) in enumerate(rows):
        words += text.split()
        segment_of += [index] * len(text.split())
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder) / "data"
        data.mkdir()
        (data / "models").symlink_to(provision_base_model(ROOT / "data" / "models").parent)
        indexer = Indexer(Settings(data_dir=data), IndexOptions())
        media = args.corpus / f"{RECORDING}.wav"
        outcome = indexer.transcribe_file(media)
        transcript = load_transcript(indexer.settings.transcripts_dir, outcome.video_id)
        first = align(words, transcript, min_anchored=0)  # spontaneous speech: "euh", "j-"
        forced = force_align(first, load_audio(media), indexer.engine.model)
    logger.info("%s: %d segments, %d words, coverage %.2f", RECORDING, len(segments),
                len(words), first.coverage)
    for label, alignment in (("stage 1 (Whisper's times)", first), ("forced", forced)):
        errors = boundary_errors(alignment, segment_of, segments)
        logger.info("%-26s boundary error median %.3f s, p90 %.3f s", label,
                    statistics.median(errors), percentile(errors, 0.9))


if __name__ == "__main__":
    main()
