"""Official transcripts (issue 15): the text searched once the published text is attached, what
attaching it costs, and the departures reported for texts said exactly as written.

    .venv/bin/python -m bench.official      # this section alone (same as --only official)

Each recording with a HUMAN reference (the corpus, never its SILVER file) and each demo video
with its `.txt` text is indexed once, `speechsearch index --force --official-text TEXT` as the
pipeline does it (`Indexer.index_file`), the model loaded once and warmed up on
tests/fixtures/en_budget.mp3 with its text first. From that one run:

- searched text: `" ".join(s.text for s in transcript.reading())`, the words the index holds,
  scored against the reference with the accuracy section's WER (same normalisation, jiwer),
  once for the machine transcript alone (the layer kept beside the text) and once with the
  text attached, whose words it should be (target <= 1 %);
- attaching to an indexed video: `attach.official_layer` again on the saved machine transcript
  and the decoded audio (stage 1, forced alignment, passages, entities), without transcription,
  decoding or model loading, as a multiple of real time (target >= 20x);
- the text given at indexing: the pipeline's "align" stage against transcribing (its "vad",
  "language" and "transcription" stages; the "language" pass is the encoder pass that
  transcription reuses) on the recordings of 30 s or more (target <= 15 %);
- departures: the reference *is* what was said, so every omitted, added or changed passage
  reported is a false one (target 0).
"""

from __future__ import annotations

import multiprocessing
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

import jiwer

from bench.accuracy import expected_language, normalise
from bench.report import ROOT, BenchContext, Section, pyplot, save_figure, table, target

HUMAN = ("en_jfk.flac", "en_librispeech_quilter.wav", "en_sonnet001.mp3", "en_sonnet002.mp3",
         "en_sonnet003.mp3", "fr_picovoice_cheetah.wav", "fr_picovoice_leopard.wav",
         "fr_readalong_ej.m4a", "fr_tcof_separation.wav")
FIXTURES = ROOT / "tests" / "fixtures"
WARM_UP = (FIXTURES / "en_budget.mp3", FIXTURES / "en_budget.ref.txt")
QUICK = [(FIXTURES / "fr_minister.ogg", FIXTURES / "fr_minister.ref.txt")]
KINDS = ("omitted", "added", "changed")
LONG = 30.0  # s: the align/transcription ratio is read on files this long or longer
TRANSCRIBING = ("vad", "language", "transcription")


@dataclass
class FileResult:
    name: str
    duration: float
    reference: str
    machine: str  # the searched text without the official text
    official: str  # with it
    stages: dict[str, float]
    attach_seconds: float  # official_layer alone, on the saved transcript
    coverage: float
    asr_passages: int  # passages of the machine transcript inside the reading
    departures: list[dict] = field(default_factory=list)

    @property
    def align_share(self) -> float:
        return self.stages.get("align", 0.0) / sum(self.stages.get(s, 0.0) for s in TRANSCRIBING)


def cases(ctx: BenchContext) -> list[tuple[Path, Path]]:
    """(media, the text said in it)."""
    if ctx.quick:
        return QUICK
    corpus = [(ctx.corpus / name, ctx.corpus / (name.rsplit(".", 1)[0] + ".ref.txt"))
              for name in HUMAN]
    samples = [(media, media.with_suffix(".txt"))
               for media in sorted((ROOT / "data" / "samples").glob("*.mp4"))]
    return corpus + samples


def word_errors(reference: str, hypothesis: str, language: str) -> tuple[int, int, list[str]]:
    """(errors, reference words, each error as "ref -> hyp"), both sides normalised."""
    ref, hyp = normalise(reference, language), normalise(hypothesis, language)
    if not hyp:
        return len(ref.split()), len(ref.split()), [f"{ref} -> (nothing)"] if ref else []
    output = jiwer.process_words(ref, hyp)
    ref_words, hyp_words = output.references[0], output.hypotheses[0]
    listed = [f"{' '.join(ref_words[c.ref_start_idx:c.ref_end_idx]) or '(nothing)'} -> "
              f"{' '.join(hyp_words[c.hyp_start_idx:c.hyp_end_idx]) or '(nothing)'}"
              for c in output.alignments[0] if c.type != "equal"]
    errors = output.substitutions + output.deletions + output.insertions
    return errors, len(ref_words), listed


def measure_all(files: list[tuple[Path, Path]], models_dir: Path,
                scratch: Path) -> list[FileResult]:
    """In a spawned child: no model stays in the suite's process, nothing shares the cores."""
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=spawn) as pool:
        return pool.submit(_child, files, models_dir, scratch).result()


def _child(files: list[tuple[Path, Path]], models_dir: Path, scratch: Path) -> list[FileResult]:
    from indexer.config import Settings
    from indexer.pipeline import Indexer, IndexOptions

    data_dir = scratch / "data"
    data_dir.mkdir(parents=True, exist_ok=True)
    if not (data_dir / "models").exists():
        (data_dir / "models").symlink_to(models_dir.resolve(), target_is_directory=True)
    indexer = Indexer(Settings(data_dir=data_dir), IndexOptions(force=True))
    indexer.engine, indexer.tagger  # loaded before any clock starts
    _measure(indexer, *WARM_UP)  # first-call costs (VAD model, tokenizer merge, allocations)
    return [_measure(indexer, media, text) for media, text in files]


def _measure(indexer, media: Path, text_path: Path) -> FileResult:
    from indexer.decode import load_audio
    from indexer.official import read_official_text
    from indexer.official.attach import official_layer
    from indexer.store import load_transcript

    # `speechsearch index --force --official-text TEXT`: the option, as the CLI sets it.
    indexer.options = replace(indexer.options, official_text=text_path)
    outcome = indexer.index_file(media)
    if outcome.status != "indexed" or "attached" not in outcome.reason:
        raise RuntimeError(f"{media.name}: {outcome.status}, {outcome.reason or 'no text'}")
    transcript = load_transcript(indexer.settings.transcripts_dir, outcome.video_id)
    machine = replace(transcript, official=None)
    text, audio = read_official_text(text_path), load_audio(media)
    started = time.perf_counter()
    official_layer(machine, text, text_path.name, audio, indexer.engine.model, indexer.tagger,
                   indexer.settings.languages)
    attach_seconds = time.perf_counter() - started
    layer = transcript.official
    return FileResult(
        name=media.name, duration=outcome.duration,
        reference=text_path.read_text(encoding="utf-8"),
        machine=" ".join(s.text for s in machine.reading()),
        official=" ".join(s.text for s in transcript.reading()),
        stages=dict(outcome.stages), attach_seconds=attach_seconds, coverage=layer.coverage,
        asr_passages=sum(s.source == "asr" for s in layer.segments),
        departures=[{"kind": d.kind, "start": d.start, "end": d.end, "official": d.official,
                     "said": d.said} for d in layer.departures])


def wer_rows(results: list[FileResult]):
    rows, pooled, errors_listed = [], {"machine": [0, 0], "official": [0, 0]}, []
    for result in results:
        language = expected_language(result.name)
        scores = {}
        for label in pooled:
            errors, words, listed = word_errors(result.reference, getattr(result, label),
                                                language)
            pooled[label][0] += errors
            pooled[label][1] += words
            scores[label] = f"{errors / max(words, 1):.1%}"
        if listed:  # the last label's: what is left with the official text
            errors_listed.append([result.name, "; ".join(listed)])
        rows.append([result.name, str(words), scores["machine"], scores["official"],
                     str(result.asr_passages)])
    totals = {label: errors / max(words, 1) for label, (errors, words) in pooled.items()}
    rows.append(["**all (word-weighted)**", str(pooled["official"][1]),
                 f"**{totals['machine']:.1%}**", f"**{totals['official']:.1%}**", ""])
    return rows, totals, errors_listed


def run(ctx: BenchContext) -> Section:
    results = measure_all(cases(ctx), ctx.models_dir, ctx.scratch("official"))
    rows, totals, errors_listed = wer_rows(results)

    audio = sum(r.duration for r in results)
    attach_speed = audio / sum(r.attach_seconds for r in results)
    long = [r for r in results if r.duration >= LONG] or results
    align = sum(r.stages.get("align", 0.0) for r in long)
    transcribing = sum(r.stages.get(s, 0.0) for r in long for s in TRANSCRIBING)
    speed_rows = [[r.name, f"{r.duration:.1f}", f"{r.attach_seconds:.2f}",
                   f"{r.duration / r.attach_seconds:.1f}x", f"{r.stages.get('align', 0):.2f}",
                   f"{sum(r.stages.get(s, 0.0) for s in TRANSCRIBING):.2f}",
                   f"{r.align_share:.1%}"] for r in results]

    found = [dict(d, file=r.name) for r in results for d in r.departures]
    counts = {kind: sum(d["kind"] == kind for d in found) for kind in KINDS}
    departure_rows = [[d["file"], d["kind"], f"{d['start']:.2f}-{d['end']:.2f}",
                       d["official"] or "-", d["said"] or "-"] for d in found]

    targets = [
        target("searched text WER with the official text", totals["official"] * 100, 1, False,
               " %", 2),
        target("attaching a text to an indexed video (x real time)", attach_speed, 20, True,
               "x"),
        target("aligning at indexing, share of transcription time", align / transcribing * 100,
               15, False, " %"),
        target("departures reported on texts said as written", len(found), 0, False, "", 0),
    ]
    body = "\n\n".join([
        __doc__.split("\n\n", 2)[2].strip(),
        "Word error rate of the searched text against the text said (\"asr passages\": "
        "passages of the machine transcript kept in the reading, where the text does not "
        "cover the audio):",
        table(["file", "ref. words", "machine transcript", "with the official text",
               "asr passages"], rows, {1, 2, 3, 4}),
        f"With the text attached the index holds **{totals['official']:.2%}** wrong words "
        f"(**{totals['machine']:.1%}** without it). What is left, per file (normalised "
        f"reference -> searched text):",
        table(["file", "errors"], errors_listed) if errors_listed else "No error left.",
        f"Attaching a text to an indexed video: {audio:.0f} s of audio in "
        f"{sum(r.attach_seconds for r in results):.1f} s, **{attach_speed:.1f}x** real time. "
        f"Aligning at indexing, on {', '.join(r.name for r in long)}: "
        f"{align:.1f} s against {transcribing:.1f} s of transcribing, "
        f"**{align / transcribing:.1%}**.",
        table(["file", "audio (s)", "attach (s)", "attach speed", "align stage (s)",
               "transcribing (s)", "align share"], speed_rows, {1, 2, 3, 4, 5, 6}),
        f"Departures reported on the unmodified texts, each counted as false (the references "
        f"are the texts read): **{len(found)}** "
        f"({', '.join(f'{counts[kind]} {kind}' for kind in KINDS)}).",
        table(["file", "kind", "time (s)", "official", "said"], departure_rows)
        if departure_rows else "",
    ])
    data = {"targets": targets, "wer": totals, "attach_speed": attach_speed,
            "align_share": align / transcribing, "departures": counts,
            "files": [{"name": r.name, "duration": r.duration, "stages": r.stages,
                       "attach_seconds": r.attach_seconds, "coverage": r.coverage,
                       "departures": r.departures} for r in results]}
    return Section("official", "Official transcripts: searched text, cost, departures",
                   "python -m bench --only official", body, data, [_wer_plot(ctx, rows)])


def _wer_plot(ctx: BenchContext, rows: list[list[str]]) -> str:
    plt = pyplot()
    names = [row[0].strip("*") for row in rows]
    values = [[float(row[column].strip("*%")) for row in rows] for column in (2, 3)]
    figure, axis = plt.subplots(figsize=(7, 0.35 * len(rows) + 1.2))
    positions = range(len(rows))
    axis.barh([p - 0.2 for p in positions], values[0], height=0.4, color="#999999",
              label="machine transcript")
    axis.barh([p + 0.2 for p in positions], values[1], height=0.4, color="#3a6ea5",
              label="with the official text")
    axis.set_yticks(list(positions), names, fontsize="small")
    axis.axvline(1, color="#c0392b", linestyle="--", label="target 1 %")
    axis.set_xlabel("word error rate of the searched text, % (lower is better)")
    axis.invert_yaxis()
    axis.legend(loc="lower right", fontsize="small")
    return save_figure(figure, ctx, "official-wer.png")


def main(argv: list[str] | None = None) -> int:
    from bench.__main__ import main as bench_main

    return bench_main(["--only", "official", *(argv or sys.argv[1:])])


if __name__ == "__main__":
    raise SystemExit(main())
