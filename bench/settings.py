"""Settings that trade speed for accuracy: beam size, VAD, batched inference, int8 vs float32.
The default is picked from this table by a rule written down before the run.

    .venv/bin/python -m bench.settings      # this section alone (same as --only settings)
"""

from __future__ import annotations

import sys

from bench import corpus_runs
from bench.accuracy import human_references, wer_table
from bench.corpus_runs import Config, ConfigRun
from bench.report import BenchContext, Section, pyplot, save_figure, table
from bench.transcription import BARE, PIPELINE, on_corpus, runs
from indexer.engines import EngineOptions

VARIANTS = [
    Config("pipeline, beam 1", beam_size=1),
    Config("pipeline, float32", compute_type="float32"),
    Config("bare faster-whisper, no VAD", kind="bare", vad=False),
    Config("batched faster-whisper (batch 8)", kind="batched"),
]
# The rule: only the pipeline gives each chunk its own language, so the default is a pipeline
# setting; it must keep issue 5's speed target; among those, the most accurate, and of
# settings within half a point of it, the fastest.
SPEED_TARGET = 7.5
WER_TOLERANCE = 0.005

READING = """
Every variant transcribes the same corpus files, each in its own child process, one after
the other. The pipeline variants run `speechsearch index` with `--beam-size` or another
compute type; "bare" and "batched" are faster-whisper's own `WhisperModel.transcribe` and
`BatchedInferencePipeline.transcribe` on whole files, one language per file, shown because
they are the other ways to spend the same two cores: dropping the VAD, or batching 30 s
windows through the encoder and decoder together.
"""


def run(ctx: BenchContext) -> Section:
    shared = runs(ctx, openai=False)  # the same runs as the transcription section's
    files = corpus_runs.corpus_media(ctx.corpus, ctx.quick)
    results: dict[str, ConfigRun] = {
        "pipeline, beam 5, int8 (default)": on_corpus(shared[PIPELINE.label], ctx),
        "bare faster-whisper, VAD": on_corpus(shared[BARE.label], ctx),
    }
    for config in VARIANTS:
        results[config.label] = corpus_runs.run(config, files, ctx.models_dir,
                                                ctx.scratch("settings"))
    _, wer = wer_table(results, human_references(ctx))
    default = "pipeline, beam 5, int8 (default)"
    rows = [[label, f"{r.speed():.2f}x", f"{wer[label]:.1%}",
             f"{r.speed() / results[default].speed():.2f}x, "
             f"{(wer[label] - wer[default]) * 100:+.1f} pt", f"{r.peak_rss_mb:.0f}"]
            for label, r in results.items()]
    pipelines = [label for label in results if label.startswith("pipeline")]
    fast_enough = [label for label in pipelines
                   if results[label].speed() >= SPEED_TARGET] or pipelines
    best = min(wer[label] for label in fast_enough)
    eligible = [label for label in fast_enough if wer[label] <= best + WER_TOLERANCE]
    chosen = max(eligible, key=lambda label: results[label].speed())
    product = EngineOptions()
    body = "\n\n".join([
        READING.strip(),
        table(["setting", "speed", "WER", "against the default", "peak RSS (MB)"], rows,
              {1, 2, 3, 4}),
        f"Rule: among the pipeline settings (the only ones that give each chunk its own "
        f"language) that keep the {SPEED_TARGET}x speed target, the most accurate; of those "
        f"within {WER_TOLERANCE * 100:.1f} point of it, the fastest. This run picks "
        f"**{chosen}**. The product's default is beam {product.beam_size}, "
        f"{product.compute_type}.",
        "faster-whisper's batched pipeline transcribes a whole file in one language, so it "
        "cannot be the default as it is; if it is faster at a similar WER, batching the "
        "pipeline's chunks of one language together is the way to take that speed.",
    ])
    data = {"targets": [], "speed": {k: r.speed() for k, r in results.items()}, "wer": wer,
            "chosen": chosen}
    return Section("settings", "Speed against accuracy: settings",
                   "python -m bench --only settings", body, data,
                   [_plot(ctx, results, wer)])


def _plot(ctx: BenchContext, results: dict[str, ConfigRun], wer: dict[str, float]) -> str:
    plt = pyplot()
    figure, axis = plt.subplots(figsize=(7, 3.4))
    for label, result in results.items():
        axis.scatter(result.speed(), wer[label] * 100, s=40)
        axis.annotate(label, (result.speed(), wer[label] * 100), fontsize="small",
                      xytext=(4, 3), textcoords="offset points")
    axis.set_xlabel("speed (x real time, higher is faster)")
    axis.set_ylabel("WER % (lower is better)")
    return save_figure(figure, ctx, "settings-speed-wer.png")


def main(argv: list[str] | None = None) -> int:
    from bench.__main__ import main as bench_main

    return bench_main(["--only", "settings", *(argv or sys.argv[1:])])


if __name__ == "__main__":
    raise SystemExit(main())
