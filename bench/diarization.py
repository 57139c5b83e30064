"""Speakers: diarization error rate, identification across videos, and what it costs.

- DER (pyannote.metrics, collar 0.25 s, overlaps scored) of the pipeline's own output (the
  transcript's passages after diarization, as exported to RTTM) against a human reference: the
  corpus' two-speaker call, and the project's synthesized French press conference.
- identification: the cosine similarity of each speaker's voice in one fixture to the other's.
- cost: the same files indexed with diarization and without, side by side in this run.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterable
from pathlib import Path

from pyannote.core import Annotation, Segment
from pyannote.metrics.diarization import DiarizationErrorRate

from bench import report
from bench.report import ROOT, BenchContext, Section

COLLAR = 0.25
FIXTURES = ROOT / "tests" / "fixtures"
TARGET_CALL_DER, TARGET_FIXTURE_DER, TARGET_COST = 15.0, 10.0, 15.0  # per cent (issue 17)


def annotation(turns: Iterable[tuple[float, float, str]]) -> Annotation:
    result = Annotation()
    for start, end, speaker in turns:
        if end > start:
            result[Segment(start, end)] = speaker
    return result


def diarization_error_rate(reference: Iterable[tuple[float, float, str]],
                           hypothesis: Iterable[tuple[float, float, str]]) -> float:
    metric = DiarizationErrorRate(collar=COLLAR)
    return float(metric(annotation(reference), annotation(hypothesis)))


def optimal_mapping(reference, hypothesis) -> dict[str, str]:
    """Each hypothesis speaker's reference speaker (pyannote's optimal assignment)."""
    metric = DiarizationErrorRate(collar=COLLAR)
    return dict(metric.optimal_mapping(annotation(reference), annotation(hypothesis)))


def _files(ctx: BenchContext) -> list[tuple[str, Path, Path]]:
    """(name, media, reference RTTM) of each recording scored."""
    files = [("fr_press_conference", FIXTURES / "fr_press_conference.ogg",
              FIXTURES / "fr_press_conference.rttm"),
             ("fr_press_briefing", FIXTURES / "fr_press_briefing.ogg",
              FIXTURES / "fr_press_briefing.rttm")]
    call = ctx.corpus / "en_twospeakers_pyannote.wav"
    if call.is_file():
        files.append(("en_twospeakers_pyannote", call, call.with_suffix(".rttm")))
    return files


def _indexers(ctx: BenchContext):
    from indexer.config import Settings
    from indexer.pipeline import Indexer, IndexOptions

    made = {}
    for label, diarize in (("off", False), ("on", True)):
        data = ctx.scratch("diarization") / f"data-{label}"
        shutil.rmtree(data, ignore_errors=True)
        data.mkdir(parents=True)
        (data / "models").symlink_to(ctx.models_dir.resolve(), target_is_directory=True)
        made[label] = Indexer(Settings(data_dir=data), IndexOptions(diarize=diarize))
    # One Whisper model and one spaCy for both (cached properties): the same work but the
    # diarization, so the ratio is the diarization's cost alone.
    made["on"].__dict__.update(engine=made["off"].engine, tagger=made["off"].tagger)
    return made


def run(ctx: BenchContext) -> Section:
    from indexer.speakers.profiles import MATCH_THRESHOLD, similarity
    from indexer.speakers.rttm import read_rttm, speaker_turns
    from indexer.store import load_transcript

    indexers = _indexers(ctx)
    files = _files(ctx)[:1] if ctx.quick else _files(ctx)
    rounds = 1 if ctx.quick else 2
    seconds = {"on": 0.0, "off": 0.0}
    audio_seconds, diarizing = 0.0, 0.0
    transcripts = {}
    for round_number in range(rounds):
        # Off then on, then on then off: neither is always the one after a cold cache.
        order = ("off", "on") if round_number % 2 == 0 else ("on", "off")
        for name, media, _ in files:
            for label in order:
                indexers[label].options.force = round_number > 0
                outcome = indexers[label].index_file(media)
                if outcome.status != "indexed":
                    raise RuntimeError(f"{name} ({label}): {outcome.status} {outcome.reason}")
                seconds[label] += outcome.seconds
                if label == "on":
                    audio_seconds += outcome.duration
                    diarizing += outcome.stages.get("speakers", 0.0)
                    transcripts[name] = load_transcript(
                        indexers["on"].settings.transcripts_dir, outcome.video_id)
    load = os.getloadavg()
    # The cost is the diarization stage's own time over the rest of the same runs' indexing:
    # on this shared machine the two whole runs differ by more than that from load alone
    # (they are given too, side by side).
    cost = diarizing / (seconds["on"] - diarizing) * 100
    side_by_side = (seconds["on"] / seconds["off"] - 1) * 100
    rows, targets, ders, voices = [], [], {}, {}
    for name, _, rttm in files:
        transcript, reference = transcripts[name], read_rttm(rttm)
        hypothesis = speaker_turns(transcript.reading())
        ders[name] = diarization_error_rate(reference, hypothesis) * 100
        mapping = optimal_mapping(reference, hypothesis)
        for speaker in transcript.speakers:
            voices[(name, mapping.get(speaker.id, speaker.id))] = speaker.voice
        rows.append([name, len({who for _, _, who in reference}), len(transcript.speakers),
                     f"{ders[name]:.1f}"])
    if "en_twospeakers_pyannote" in ders:
        targets.append(report.target("Speakers: DER, two-speaker call (corpus)",
                                     ders["en_twospeakers_pyannote"], TARGET_CALL_DER,
                                     higher_is_better=False, unit=" %"))
    conference = transcripts["fr_press_conference"]
    targets.append(report.target("Speakers: DER, French press conference fixture",
                                 ders["fr_press_conference"], TARGET_FIXTURE_DER,
                                 higher_is_better=False, unit=" %"))
    targets.append(report.target("Speakers: voice count error, press conference (3 voices)",
                                 abs(len(conference.speakers) - 3), 0, higher_is_better=False,
                                 digits=0))
    targets.append(report.target("Speakers: indexing time added by diarization", cost,
                                 TARGET_COST, higher_is_better=False, unit=" %"))
    identification = _identification(voices, similarity, MATCH_THRESHOLD)
    body = "\n\n".join([
        __doc__.split("\n\n", 1)[1].strip(),
        report.table(["recording", "speakers (reference)", "speakers found", "DER %"], rows,
                     right={1, 2, 3}),
        identification["text"],
        f"Cost: {len(files)} file(s), {rounds} round(s), {audio_seconds:.0f} s of audio. "
        f"The diarization stage took {diarizing:.1f} s, {cost:.1f} % of the rest of the "
        f"indexing of the same runs ({seconds['on'] - diarizing:.1f} s). Indexed side by "
        f"side, the runs took {seconds['off']:.1f} s without diarization and "
        f"{seconds['on']:.1f} s with it ({side_by_side:+.1f} %): on this shared machine the "
        "load moves whole runs by more than the diarization costs. Load average at the end "
        f"of the run: {load[0]:.2f}, {load[1]:.2f}, {load[2]:.2f}.",
    ])
    return Section(key="diarization", title="Speakers: diarization and identification",
                   command="python -m bench --only diarization", body=body,
                   data={"targets": targets + identification["targets"], "der": ders,
                         "seconds": seconds, "cost_percent": cost,
                         "side_by_side_percent": side_by_side, "load": load,
                         "similarities": identification["scores"]})


def _identification(voices, similarity, threshold: float) -> dict:
    """The official's voice in the briefing against the conference's voices."""
    pairs = [("official", "official", True), ("official", "journalist_a", False),
             ("official", "journalist_b", False), ("journalist_c", "official", False),
             ("journalist_c", "journalist_a", False), ("journalist_c", "journalist_b", False)]
    rows, scores, targets = [], {}, []
    for briefing, conference, same in pairs:
        one = voices.get(("fr_press_briefing", briefing))
        other = voices.get(("fr_press_conference", conference))
        if not one or not other:
            continue
        score = similarity(one, other)
        scores[f"{briefing}~{conference}"] = score
        rows.append([briefing, conference, "same" if same else "different", f"{score:.3f}",
                     "match" if score >= threshold else "no match"])
    same_scores = [scores[f"{b}~{c}"] for b, c, same in pairs if same and f"{b}~{c}" in scores]
    other_scores = [scores[f"{b}~{c}"] for b, c, same in pairs
                    if not same and f"{b}~{c}" in scores]
    if same_scores and other_scores:
        right = sum(s >= threshold for s in same_scores) + sum(s < threshold
                                                               for s in other_scores)
        targets.append(report.target("Speakers: voices identified across two fixtures",
                                     right / len(pairs) * 100, 100.0, higher_is_better=True,
                                     unit=" %", digits=0))
    text = ("Identification: each voice of the briefing fixture against the conference's, "
            f"cosine similarity of their mean embeddings; a match is ≥ {threshold} "
            "(indexer/speakers/profiles.py).\n\n"
            + report.table(["briefing voice", "conference voice", "truth", "similarity",
                            "verdict"], rows, right={3}))
    return {"text": text, "scores": scores, "targets": targets}


def main(argv: list[str] | None = None) -> int:
    from bench.__main__ import main as bench_main

    return bench_main(["--only", "diarization", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    raise SystemExit(main())
