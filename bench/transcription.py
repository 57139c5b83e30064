"""Transcription speed: the whole `speechsearch index` pipeline, bare faster-whisper and the
openai-whisper engine on the same real recordings, in one run, with peak memory and the time
of each pipeline stage.

    .venv/bin/python -m bench.transcription      # this section alone (same as --only)
"""

from __future__ import annotations

import sys
from dataclasses import replace

from bench import corpus_runs
from bench.corpus_runs import Config, ConfigRun, FileRun, corpus_media, evaluation_media
from bench.report import BenchContext, Section, pyplot, save_figure, table, target
from indexer.timing import STAGES

PIPELINE = Config("pipeline (speechsearch index)")
BARE = Config("bare faster-whisper", kind="bare")
OPENAI = Config("openai-whisper engine (pipeline)", engine="openai-whisper")

READING = """
How it is measured: each configuration runs in its own child process, one after the other,
models loaded and warmed up on a short clip first. "Pipeline" is `speechsearch index --force`
on each file: decode, Silero VAD chunks cut at 1.5 s pauses, consecutive chunks packed into
windows of at most 30 s, Whisper's language ID per chunk, transcription of each window (or of
each same-language run of it) with the gazetteer prompt and word timestamps, langdetect per
segment, spaCy entities, transcript saved, Whoosh index updated. "Bare faster-whisper" is
`WhisperModel.transcribe(vad_filter=True, word_timestamps=True)` on the decoded file, one
language for the whole file: faster-whisper as its README shows it, the reference for our
overhead. Beam 5 and int8 everywhere; openai-whisper runs the same weights in float32
PyTorch. Peak memory is the child's maximum resident set size.

Where the pipeline's time goes: the "language" stage is mostly one encoder pass per window;
transcription reuses it (`indexer/engines/faster.py`, a one-entry cache), and each chunk's
language is read from its own frames of that pass. Before windows, every short chunk paid a
full 30 s encoder pass and decoded alone, and radio-like files (en_apollo11) cost 3x bare
faster-whisper: docs/transcription-design.md.
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


def _totals(files: list[FileRun]) -> tuple[float, float]:
    return sum(f.audio_seconds for f in files), sum(f.wall for f in files)


def run(ctx: BenchContext) -> Section:
    results = {label: on_corpus(r, ctx) for label, r in runs(ctx).items()}
    pipeline, bare, openai = (results[c.label] for c in (PIPELINE, BARE, OPENAI))
    engine_rows = []
    for label, result in results.items():
        audio, wall = _totals(result.files)
        engine_rows.append([label, f"{audio:.0f}", f"{wall:.1f}", f"{audio / wall:.2f}x",
                            f"{result.peak_rss_mb:.0f}", f"{result.load_seconds:.1f}"])
    names = [f.name for f in pipeline.files]
    file_rows = [[name, f"{pipeline.files[i].audio_seconds:.1f}"]
                 + [f"{r.files[i].audio_seconds / r.files[i].wall:.2f}x" for r in results.values()]
                 for i, name in enumerate(names)]
    stage_totals = {s: sum(f.stages.get(s, 0.0) for f in pipeline.files) for s in STAGES}
    pipeline_wall = sum(stage_totals.values())
    stage_rows = [[s, f"{v:.2f}", f"{v / pipeline_wall:.1%}"] for s, v in stage_totals.items()]

    speed, bare_speed, openai_speed = pipeline.speed(), bare.speed(), openai.speed()
    overhead = bare_speed / speed - 1
    targets = [
        target("pipeline speed (x real time)", speed, 7.5, True, "x", 2),
        target("pipeline vs openai-whisper engine (speed ratio)", speed / openai_speed, 4, True,
               "x", 2),
        target("pipeline overhead beyond bare faster-whisper", overhead * 100, 10, False, " %"),
    ]
    body = "\n\n".join([
        READING.strip(),
        table(["configuration", "audio (s)", "wall (s)", "speed", "peak RSS (MB)", "load (s)"],
              engine_rows, {1, 2, 3, 4, 5}),
        "Per file (speed, multiple of real time):",
        table(["file", "audio (s)"] + list(results), file_rows,
              set(range(1, 2 + len(results)))),
        "Pipeline time by stage, summed over the files:",
        table(["stage", "seconds", "share"], stage_rows, {1, 2}),
        f"Against bare faster-whisper the whole pipeline, from decoding to the index, costs "
        f"**{overhead:+.1%}** ({speed:.2f}x against {bare_speed:.2f}x real time). It is "
        f"**{speed / openai_speed:.1f}x** faster than the openai-whisper engine "
        f"({openai_speed:.2f}x).",
    ])
    figures = [_speed_plot(ctx, results), _stage_plot(ctx, stage_totals)]
    data = {"targets": targets,
            "speeds": {label: r.speed() for label, r in results.items()},
            "peak_rss_mb": {label: r.peak_rss_mb for label, r in results.items()},
            "stages": stage_totals, "files": names}
    return Section("transcription", "Transcription speed", "python -m bench --only "
                   "transcription", body, data, figures)


def _speed_plot(ctx: BenchContext, results: dict[str, ConfigRun]) -> str:
    plt = pyplot()
    figure, axis = plt.subplots(figsize=(7, 2.8))
    labels = list(results)
    axis.barh(labels, [results[label].speed() for label in labels], color="#3a6ea5")
    axis.axvline(7.5, color="#c0392b", linestyle="--", label="target 7.5x")
    axis.set_xlabel("speed (multiple of real time, higher is faster)")
    axis.invert_yaxis()
    axis.legend(loc="lower right")
    return save_figure(figure, ctx, "transcription-speed.png")


def _stage_plot(ctx: BenchContext, stages: dict[str, float]) -> str:
    plt = pyplot()
    figure, axis = plt.subplots(figsize=(7, 1.9))
    left = 0.0
    colors = plt.get_cmap("tab10").colors
    for i, (stage, seconds) in enumerate(stages.items()):
        axis.barh(["pipeline"], [seconds], left=left, color=colors[i % 10], label=stage)
        left += seconds
    axis.set_xlabel("wall seconds over the corpus")
    axis.legend(ncol=4, fontsize="small", loc="upper center", bbox_to_anchor=(0.5, -0.45))
    return save_figure(figure, ctx, "transcription-stages.png")



def main(argv: list[str] | None = None) -> int:
    from bench.__main__ import main as bench_main

    return bench_main(["--only", "transcription", *(argv or sys.argv[1:])])


if __name__ == "__main__":
    raise SystemExit(main())
