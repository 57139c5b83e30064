"""Transcription speed: the whole `speechsearch index` pipeline, files at once and one at a
time, on lanes and on one, batched and unbatched, with speakers and an official text on and
off, bare faster-whisper batched and unbatched, and the openai-whisper engine, on the same real
recordings in one run, with peak memory, word error rate, and the time of each pipeline stage.

    .venv/bin/python -m bench.transcription      # this section alone (same as --only)
"""

from __future__ import annotations

import os
import sys
import wave
from dataclasses import replace
from pathlib import Path

import numpy as np

from bench import corpus_runs
from bench.corpus_runs import Config, ConfigRun, FileRun, corpus_media, evaluation_media
from bench.report import BenchContext, Section, pyplot, save_figure, table, target
from indexer.config import DEFAULT_FILES_AT_ONCE
from indexer.decode import SAMPLE_RATE, load_audio
from indexer.engines import DEFAULT_BATCH_SIZE
from indexer.timing import STAGES

PIPELINE = Config("pipeline, one file at a time")
ONE_LANE = Config("pipeline, one file at a time, one lane (before)", lanes=1)
UNBATCHED = Config("pipeline, unbatched, one lane (before batching)", batch_size=1, lanes=1)
FULL = Config("pipeline with speakers and official text, one file at a time", diarize=True,
              official=True)
# `speechsearch index` given the corpus: its defaults, files at once and lanes. The targets.
AT_ONCE = Config(f"speechsearch index --no-diarize (defaults: {DEFAULT_FILES_AT_ONCE} files at "
                 f"once, lanes)", files_at_once=DEFAULT_FILES_AT_ONCE)
AT_ONCE_ONE_LANE = Config(f"speechsearch index --no-diarize --lanes 1 ({DEFAULT_FILES_AT_ONCE} "
                          f"files at once, one lane: before)",
                          files_at_once=DEFAULT_FILES_AT_ONCE, lanes=1)
FULL_AT_ONCE = Config(f"speechsearch index with speakers and official text (defaults: "
                      f"{DEFAULT_FILES_AT_ONCE} files at once, lanes)", diarize=True,
                      official=True, files_at_once=DEFAULT_FILES_AT_ONCE)
BARE = Config("bare faster-whisper", kind="bare")
BATCHED = Config(f"bare faster-whisper batched ({DEFAULT_BATCH_SIZE})", kind="batched")
OPENAI = Config("openai-whisper engine (pipeline)", engine="openai-whisper")
BATCH_SIZES = (1, 2, 4, 8, 16)  # the pipeline's batch-size table (1: the unbatched run)
SPEED_TARGET, FULL_TARGET, WER_TOLERANCE = 15.0, 12.0, 0.5
# The corpus as one recording: what a long file (an archive's usual hour) does, its windows
# many enough to fill batches.
ONE_RECORDING = (PIPELINE, ONE_LANE, UNBATCHED, BARE)
TOGETHER = (AT_ONCE, AT_ONCE_ONE_LANE, FULL_AT_ONCE)  # runs whose files' times overlap

READING = """
How it is measured: each configuration runs in its own child process, one after the other,
models loaded and warmed up on a short clip first. The pipeline is what `speechsearch index
--force` does to a file: decode, Silero VAD chunks cut at 1.5 s pauses, consecutive chunks
packed into windows of at most 30 s, Whisper's language ID per chunk, transcription with the
gazetteer prompt and word timestamps, langdetect per segment, spaCy entities, transcript saved,
Whoosh index updated. Its windows are decoded up to `--batch-size` at a time (default
{batch}): each window keeps faster-whisper's own decoding (temperature fallback, seek,
hallucination-silence skip, the prompt retry) in a thread of its own, and the windows'
`generate` and `align` calls meet in one batched CTranslate2 call
(`indexer/engines/batching.py`). The engine has *lanes* (`--lanes`, default one a core, at
most 4: two here): copies of the model, each on its share of the cores, that decode side by
side, because Whisper's decoder does not get faster with a second thread
(`indexer/engines/lanes.py`). A file's groups of windows, and the files indexed at once, are
dealt to the lanes. "One lane" is the engine as it was before lanes: one model on both cores.
The first rows are `speechsearch index` given all the corpus files, as it runs by default:
{at_once} files at once (`--files-at-once`), each on a lane, the windows of a lane's files
decoded together (`indexer/engines/coalesce.py`); the files' times overlap, so the speed is
the whole run's (audio over wall time), and there is no per-file or per-stage row. These
rows are the targets'. "One file at a time" gives each file alone to the same pipeline.
"Unbatched" is batch size 1 on one lane: the pipeline before batching. "With speakers and
official text" adds diarization and the forced alignment of each file's reference text
(`--official-text` one at a time, a sidecar `name.txt` at once; the silver text where there
is no human one).
"Bare faster-whisper" is `WhisperModel.transcribe(vad_filter=True, word_timestamps=True)` on
the decoded file, one language for the whole file; "batched" is its `BatchedInferencePipeline`
(one temperature, no timestamp tokens, word timestamps on). Beam 5 and int8 everywhere;
openai-whisper runs the same weights in float32 PyTorch. Peak memory is the child's maximum
resident set size. WER: jiwer against the corpus' HUMAN references, normalised as in the
accuracy section.
"""


def runs(ctx: BenchContext, openai: bool = True) -> dict[str, ConfigRun]:
    """Pipeline and bare over every evaluation file (the accuracy section reuses them), the
    slow openai-whisper engine over the corpus only (when `openai`)."""
    everything = evaluation_media(ctx.corpus, ctx.quick)
    plan = [(PIPELINE, everything), (BARE, everything)]
    if openai:
        plan.append((OPENAI, corpus_media(ctx.corpus, ctx.quick)))
    scratch = ctx.scratch("transcription")
    return {c.label: corpus_runs.run(c, files, ctx.models_dir, scratch) for c, files in plan}


def on_corpus(result: ConfigRun, ctx: BenchContext) -> ConfigRun:
    """The same run restricted to the real recordings (speeds are measured on real speech)."""
    names = {p.name for p in corpus_media(ctx.corpus, ctx.quick)}
    return replace(result, files=[f for f in result.files if f.name in names])


def _one_recording(files: list[Path], references: dict[str, str], scratch: Path
                   ) -> tuple[Path, str]:
    """The files that have a reference, end to end in one WAV file (a second of silence
    between them), and their references joined in the same order."""
    chosen = [f for f in files if f.name.rsplit(".", 1)[0] in references]
    # Named "en_": the WER normalisation spells numbers out in English, on both sides alike.
    path = scratch / "en_corpus_joined.wav"
    gap = np.zeros(SAMPLE_RATE, dtype=np.float32)
    audio = np.concatenate([part for f in chosen for part in (load_audio(f), gap)])
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(SAMPLE_RATE)
        out.writeframes((np.clip(audio, -1, 1) * 32767).astype("<i2").tobytes())
    return path, "\n".join(references[f.name.rsplit(".", 1)[0]] for f in chosen)


def _totals(files: list[FileRun]) -> tuple[float, float]:
    return sum(f.audio_seconds for f in files), sum(f.wall for f in files)


def run(ctx: BenchContext) -> Section:
    from bench.accuracy import human_references, wer_table  # accuracy imports this module

    load_before = os.getloadavg()
    files, scratch = corpus_media(ctx.corpus, ctx.quick), ctx.scratch("transcription")
    shared = runs(ctx)
    results = {label: on_corpus(r, ctx) for label, r in shared.items()}
    for config in (ONE_LANE, UNBATCHED, *TOGETHER, FULL, BATCHED):
        results[config.label] = corpus_runs.run(config, files, ctx.models_dir, scratch)
    results = {c.label: results[c.label]
               for c in (*TOGETHER, PIPELINE, ONE_LANE, UNBATCHED, FULL, BARE, BATCHED, OPENAI)}
    # The batch sizes on one long recording: the files with a human reference, joined (a
    # corpus file is one or two windows, too few to fill a batch).
    references = human_references(ctx)
    joined, joined_reference = _one_recording(files, references, scratch)
    long_runs = {c.label: corpus_runs.run(c, [joined], ctx.models_dir, scratch)
                 for c in ONE_RECORDING}
    sizes = {size: long_runs[UNBATCHED.label] if size == 1
             else long_runs[ONE_LANE.label] if size == DEFAULT_BATCH_SIZE
             else corpus_runs.run(Config(f"pipeline, batch {size}", batch_size=size, lanes=1),
                                  [joined], ctx.models_dir, scratch)
             for size in BATCH_SIZES}
    load_after = os.getloadavg()
    _, wer = wer_table(results, references)
    joined_refs = {joined.stem: joined_reference}
    _, size_wer = wer_table({str(s): r for s, r in sizes.items()}, joined_refs)
    _, long_wer = wer_table(long_runs, joined_refs)

    engine_rows = []
    for label, result in results.items():
        audio, wall = _totals(result.files)
        engine_rows.append([label, f"{audio:.0f}", f"{wall:.1f}", f"{audio / wall:.2f}x",
                            f"{wer[label]:.1%}", f"{result.peak_rss_mb:.0f}",
                            f"{result.load_seconds:.1f}"])
    base = sizes[1].speed()
    size_rows = [[str(size), f"{r.speed():.2f}x", f"{r.speed() / base:.2f}x",
                  f"{size_wer[str(size)]:.1%}", f"{r.peak_rss_mb:.0f}",
                  f"{r.peak_rss_mb - sizes[1].peak_rss_mb:+.0f}"] for size, r in sizes.items()]
    names = [f.name for f in results[PIPELINE.label].files]
    per_file = {label: r for label, r in results.items()
                if label not in {c.label for c in TOGETHER}}
    file_rows = [[name, f"{results[PIPELINE.label].files[i].audio_seconds:.1f}"]
                 + [f"{r.files[i].audio_seconds / r.files[i].wall:.2f}x"
                    for r in per_file.values()]
                 for i, name in enumerate(names)]
    staged = (PIPELINE, ONE_LANE, UNBATCHED, FULL)
    stage_totals = {c.label: {s: sum(f.stages.get(s, 0.0) for f in results[c.label].files)
                              for s in STAGES} for c in staged}
    stage_rows = [[s] + [f"{stage_totals[c.label][s]:.2f} "
                         f"({stage_totals[c.label][s] / sum(stage_totals[c.label].values()):.0%})"
                         for c in staged] for s in STAGES]

    speed, full_speed = results[AT_ONCE.label].speed(), results[FULL_AT_ONCE.label].speed()
    one_by_one, one_lane = results[PIPELINE.label].speed(), results[ONE_LANE.label].speed()
    before, bare_speed = results[UNBATCHED.label].speed(), results[BARE.label].speed()
    openai_speed = results[OPENAI.label].speed()
    lanes_before = results[AT_ONCE_ONE_LANE.label].speed()
    lanes_memory = (results[AT_ONCE.label].peak_rss_mb
                    - results[AT_ONCE_ONE_LANE.label].peak_rss_mb)
    wer_gap = (wer[AT_ONCE.label] - wer[UNBATCHED.label]) * 100
    full_gap = (wer[FULL_AT_ONCE.label] - wer[UNBATCHED.label]) * 100
    long_speed = long_runs[PIPELINE.label].speed()
    targets = [
        target("pipeline, speakers and official text off (x real time)", speed, SPEED_TARGET,
               True, "x", 2),
        target("pipeline with speakers and official text (x real time)", full_speed,
               FULL_TARGET, True, "x", 2),
        target("WER, pipeline minus the unbatched pipeline (points)", wer_gap, WER_TOLERANCE,
               False, " pt", 2),
        target("WER with speakers and official text, minus the unbatched pipeline (points)",
               full_gap, WER_TOLERANCE, False, " pt", 2),
        target("pipeline vs openai-whisper engine (speed ratio)", speed / openai_speed, 4, True,
               "x", 2),
        # Issue 5's: what the pipeline adds, decoding to the index, beyond bare faster-whisper.
        target("pipeline overhead beyond bare faster-whisper, one file at a time",
               (bare_speed / one_by_one - 1) * 100, 10, False, " %"),
    ]
    body = "\n\n".join([
        READING.format(batch=DEFAULT_BATCH_SIZE, at_once=DEFAULT_FILES_AT_ONCE).strip(),
        f"Load average (1, 5, 15 min) when the run started: "
        f"{', '.join(f'{v:.2f}' for v in load_before)}; when it ended: "
        f"{', '.join(f'{v:.2f}' for v in load_after)}. The machine is shared: read the ratios "
        f"between rows, measured side by side, before the absolute speeds.",
        table(["configuration", "audio (s)", "wall (s)", "speed", "WER", "peak RSS (MB)",
               "load (s)"], engine_rows, {1, 2, 3, 4, 5, 6}),
        f"`speechsearch index` given the corpus files, as it runs by default "
        f"({DEFAULT_FILES_AT_ONCE} files at once, lanes): **{speed:.2f}x** real time, and "
        f"**{full_speed:.2f}x** with speakers and official text. Its lanes make it "
        f"**{speed / lanes_before:.2f}x** as fast as the same run on one lane "
        f"({lanes_before:.2f}x), for {lanes_memory:+.0f} MB of peak RSS. WER "
        f"{wer_gap:+.2f} points from the unbatched pipeline "
        f"({full_gap:+.2f} with speakers and official text).",
        f"One file at a time, the corpus' files are one or two windows each, too few to share "
        f"out: {one_by_one:.2f}x with lanes, {one_lane:.2f}x on one lane, {before:.2f}x "
        f"unbatched. A long recording has windows for every lane: the corpus joined into one "
        f"file runs at **{long_speed:.2f}x** with lanes, "
        f"{long_speed / long_runs[ONE_LANE.label].speed():.2f}x its speed on one lane (table "
        f"below). Bare faster-whisper: {bare_speed:.2f}x; openai-whisper engine "
        f"{openai_speed:.2f}x.",
        f"Batch size, on the corpus files that have a human reference joined into one "
        f"recording ({sizes[1].files[0].audio_seconds:.0f} s, a second of silence between "
        f"them; pipeline without speakers or official text; WER against their references "
        f"joined; peak RSS of the whole process, model included, and its growth over batch "
        f"size 1):",
        table(["batch size", "speed", "vs batch 1", "WER", "peak RSS (MB)", "added (MB)"],
              size_rows, {1, 2, 3, 4, 5}),
        "The same recording, bare faster-whisper beside the pipeline, batched and not:",
        table(["configuration", "speed", "vs unbatched", "WER"],
              [[label, f"{r.speed():.2f}x",
                f"{r.speed() / long_runs[UNBATCHED.label].speed():.2f}x", f"{long_wer[label]:.1%}"]
               for label, r in long_runs.items()], {1, 2, 3}),
        "Per file (speed, multiple of real time):",
        table(["file", "audio (s)"] + list(per_file), file_rows,
              set(range(1, 2 + len(per_file)))),
        "Where the time goes: seconds per stage, summed over the files (share of the run):",
        table(["stage"] + [c.label for c in staged], stage_rows, {1, 2, 3, 4}),
    ])
    figures = [_speed_plot(ctx, results), _size_plot(ctx, sizes)]
    data = {"targets": targets,
            "speeds": {label: r.speed() for label, r in results.items()},
            "peak_rss_mb": {label: r.peak_rss_mb for label, r in results.items()},
            "wer": wer, "batch_sizes": {str(s): {"speed": r.speed(), "peak_rss_mb": r.peak_rss_mb,
                                                 "wer": size_wer[str(s)]}
                                        for s, r in sizes.items()},
            "stages": stage_totals, "files": names,
            "one_recording": {label: {"speed": r.speed(), "wer": long_wer[label]}
                              for label, r in long_runs.items()},
            "lanes": {"speed": speed, "one_lane": lanes_before,
                      "long_recording": long_speed,
                      "long_recording_one_lane": long_runs[ONE_LANE.label].speed()},
            "load_average": {"start": load_before, "end": load_after}}
    return Section("transcription", "Transcription speed", "python -m bench --only "
                   "transcription", body, data, figures)


def _speed_plot(ctx: BenchContext, results: dict[str, ConfigRun]) -> str:
    plt = pyplot()
    figure, axis = plt.subplots(figsize=(7, 3.2))
    labels = list(results)
    axis.barh(labels, [results[label].speed() for label in labels], color="#3a6ea5")
    axis.axvline(SPEED_TARGET, color="#c0392b", linestyle="--",
                 label=f"target {SPEED_TARGET:.0f}x")
    axis.axvline(FULL_TARGET, color="#e67e22", linestyle=":",
                 label=f"target with speakers and text {FULL_TARGET:.0f}x")
    axis.set_xlabel("speed (multiple of real time, higher is faster)")
    axis.invert_yaxis()
    axis.legend(loc="lower right", fontsize="small")
    return save_figure(figure, ctx, "transcription-speed.png")


def _size_plot(ctx: BenchContext, sizes: dict[int, ConfigRun]) -> str:
    plt = pyplot()
    figure, speed_axis = plt.subplots(figsize=(7, 2.8))
    xs = list(sizes)
    speed_axis.plot(xs, [sizes[s].speed() for s in xs], "o-", color="#3a6ea5")
    speed_axis.set_xscale("log", base=2)
    speed_axis.set_xticks(xs, [str(s) for s in xs])
    speed_axis.set_xlabel("batch size (windows decoded together)")
    speed_axis.set_ylabel("speed (x real time)", color="#3a6ea5")
    memory_axis = speed_axis.twinx()
    memory_axis.plot(xs, [sizes[s].peak_rss_mb for s in xs], "s--", color="#7a9e3a")
    memory_axis.set_ylabel("peak RSS (MB)", color="#7a9e3a")
    return save_figure(figure, ctx, "transcription-batch-size.png")


def main(argv: list[str] | None = None) -> int:
    from bench.__main__ import main as bench_main

    return bench_main(["--only", "transcription", *(argv or sys.argv[1:])])


if __name__ == "__main__":
    raise SystemExit(main())
