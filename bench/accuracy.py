"""Accuracy: word error rate per corpus file and engine, language detection per file and per
segment, and entity recall on hand-checked lists.

    .venv/bin/python -m bench.accuracy      # this section alone (same as --only accuracy)

WER is scored only against HUMAN references (`<name>.ref.txt`), never SILVER ones. Both sides
get the same normalisation: Unicode NFC, lower case, digits spelled out in the file's
language (num2words: "26" -> "vingt-six"), apostrophes and punctuation to spaces (so French
elisions "l'OTAN" -> "l otan" on both sides), hyphens split, spaces collapsed.
"""

from __future__ import annotations

import re
import sys
import unicodedata

import jiwer
from num2words import num2words

from bench import corpus_runs
from bench.corpus_runs import MIXED, Config, ConfigRun, FileRun
from bench.report import BenchContext, Section, pyplot, save_figure, table, target
from bench.transcription import BARE, OPENAI, PIPELINE, runs
from indexer.chunking import speech_chunks
from indexer.decode import load_audio

NO_PROMPT = Config("pipeline, no prompt", prompt=False)

# Names a listener would index, checked by hand against the references and the sample texts.
# A name counts as found when a tagged entity has it as its id or as its text (case and
# accents folded). Files without a name (sonnets, children's speech) are not listed.
EXPECTED_ENTITIES = {
    "en_jfk.flac": ["Americans"],
    "en_librispeech_quilter.wav": ["Quilter"],
    "fr_picovoice_cheetah.wav": ["mer jaune"],
    "fr_readalong_ej.m4a": ["Éric Joanis", "CNRC", "Nunavut"],
    "otan-russie-2009-12-04.fr.mp4": ["org:nato-russia-council", "org:nato", "country:ru",
                                      "country:af", "loc:brussels", "org:osce", "per:lavrov",
                                      "per:medvedev"],
    "nato-russia-2009-12-04.en.mp4": ["org:nato-russia-council", "org:nato", "country:ru",
                                      "country:af", "loc:brussels", "org:osce", "per:lavrov",
                                      "per:medvedev"],
    "mixed_fr_en.ogg": ["org:nato-russia-council", "country:af"],
    "fr_otan.flac": ["org:nato-russia-council", "country:af"],  # the quick run's file
}


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).strip()


def normalise(text: str, language: str) -> str:
    text = unicodedata.normalize("NFC", text).lower().replace("’", "'")
    text = re.sub(r"\d+(?:[.,]\d+)?",
                  lambda m: " " + num2words(float(m.group().replace(",", "."))
                                            if any(c in m.group() for c in ".,")
                                            else int(m.group()), lang=language) + " ", text)
    text = re.sub(r"[^\w\s]|_", " ", text)
    return " ".join(text.split())


def expected_language(path_name: str) -> str:
    """fr_x.wav / x.fr.mp4 -> fr. The mixed fixture is per segment (see segment_truth)."""
    head = path_name.split("_", 1)[0]
    return head if head in ("fr", "en") else path_name.split(".")[-2]


def segment_truth(ctx: BenchContext):
    """Language of a segment of the mixed fixture: French before its second VAD chunk."""
    switch = speech_chunks(load_audio(MIXED))[1].start if not ctx.quick else float("inf")
    return lambda start: "fr" if start < switch else "en"


def human_references(ctx: BenchContext) -> dict[str, str]:
    if ctx.quick:
        return {"fr_otan": _sample_sentence()}
    found = {}
    for reference in sorted(ctx.corpus.glob("*.ref.txt")):
        found[reference.name[: -len(".ref.txt")]] = reference.read_text(encoding="utf-8")
    return found


def _sample_sentence() -> str:
    return ("Le Conseil OTAN-Russie a décidé de renforcer la coopération en Afghanistan et la "
            "lutte contre le terrorisme.")


def wer_table(results: dict[str, ConfigRun], references: dict[str, str]):
    by_stem = {f.name.rsplit(".", 1)[0]: f.name for f in next(iter(results.values())).files}
    texts = {label: {f.name: f.text for f in r.files} for label, r in results.items()}
    rows, pooled = [], {label: [0.0, 0] for label in results}
    for stem, reference in references.items():
        name = by_stem.get(stem)
        if name is None:
            continue
        language = expected_language(name)
        ref = normalise(reference, language)
        row = [name, str(len(ref.split()))]
        for label in results:
            score = jiwer.wer(ref, normalise(texts[label][name], language))
            pooled[label][0] += score * len(ref.split())
            pooled[label][1] += len(ref.split())
            row.append(f"{score:.1%}")
        rows.append(row)
    totals = {label: s / n for label, (s, n) in pooled.items()}
    rows.append(["**all (word-weighted)**", str(next(iter(pooled.values()))[1])]
                + [f"**{v:.1%}**" for v in totals.values()])
    return rows, totals


def language_rows(files: list[FileRun], truth):
    rows, right_files, right_segments, segments = [], 0, 0, 0
    for f in files:
        if f.name == MIXED.name:
            expected = [truth(start) for start, _ in f.segment_languages]
            file_ok = f.language in ("fr", "en")  # either is right for a half-and-half file
        else:
            expected = [expected_language(f.name)] * len(f.segment_languages)
            file_ok = f.language == expected[0]
        good = sum(e == label for e, (_, label) in zip(expected, f.segment_languages))
        rows.append([f.name, f.language, "yes" if file_ok else "**no**",
                     f"{good}/{len(expected)}"])
        right_files += file_ok
        right_segments += good
        segments += len(expected)
    return rows, right_files / len(files), right_segments / max(segments, 1)


def entity_rows(files: list[FileRun]):
    rows, found_total, expected_total = [], 0, 0
    for f in files:
        expected = EXPECTED_ENTITIES.get(f.name)
        if not expected:
            continue
        found_names = {fold(e) for e in f.entities}
        found = [name for name in expected if fold(name) in found_names]
        missed = [name for name in expected if name not in found]
        rows.append([f.name, f"{len(found)}/{len(expected)}", ", ".join(missed) or "-"])
        found_total += len(found)
        expected_total += len(expected)
    return rows, found_total / max(expected_total, 1)


def run(ctx: BenchContext) -> Section:
    shared = runs(ctx)
    no_prompt = corpus_runs.run(NO_PROMPT, corpus_runs.corpus_media(ctx.corpus, ctx.quick),
                                ctx.models_dir, ctx.scratch("accuracy"))
    results = {"pipeline (default)": shared[PIPELINE.label], NO_PROMPT.label: no_prompt,
               "bare faster-whisper, beam 5": shared[BARE.label],
               "openai-whisper engine": shared[OPENAI.label]}
    wer_rows, totals = wer_table(results, human_references(ctx))
    pipeline = shared[PIPELINE.label]
    lang_rows, file_accuracy, segment_accuracy = language_rows(pipeline.files, segment_truth(ctx))
    ent_rows, recall = entity_rows(pipeline.files)
    gap = (totals["pipeline (default)"] - totals["bare faster-whisper, beam 5"]) * 100
    targets = [target("WER, pipeline minus beam-5 faster-whisper (points)", gap, 1, False,
                      " pt", 2)]
    body = "\n\n".join([
        __doc__.split("\n\n", 2)[2].strip(),
        "Word error rate per file (HUMAN references only):",
        table(["file", "ref. words"] + list(results), wer_rows, set(range(1, 2 + len(results)))),
        f"The default pipeline is **{gap:+.2f} points** from bare faster-whisper at beam 5.",
        f"Language of each file and of each segment, default pipeline: files right "
        f"**{file_accuracy:.0%}**, segments right **{segment_accuracy:.1%}**. For "
        f"`{MIXED.name}` the truth changes at the pause between its French and its English "
        f"sentence.",
        table(["file", "detected", "file right", "segments right"], lang_rows, {3}),
        f"Entity recall on hand-checked names (the list is in `bench/accuracy.py`): "
        f"**{recall:.0%}**. A name missed is often a name misheard: the table of the prompt "
        f"section shows what Whisper base makes of them.",
        table(["file", "found", "missed"], ent_rows, {1}),
    ])
    figure = _wer_plot(ctx, totals)
    data = {"targets": targets, "wer": totals, "language_files": file_accuracy,
            "language_segments": segment_accuracy, "entity_recall": recall}
    return Section("accuracy", "Accuracy: words, languages, names",
                   "python -m bench --only accuracy", body, data, [figure])


def _wer_plot(ctx: BenchContext, totals: dict[str, float]) -> str:
    plt = pyplot()
    figure, axis = plt.subplots(figsize=(7, 2.6))
    axis.barh(list(totals), [v * 100 for v in totals.values()], color="#7a9e3a")
    axis.set_xlabel("word error rate over the corpus, % (lower is better)")
    axis.invert_yaxis()
    return save_figure(figure, ctx, "accuracy-wer.png")


def main(argv: list[str] | None = None) -> int:
    from bench.__main__ import main as bench_main

    return bench_main(["--only", "accuracy", *(argv or sys.argv[1:])])


if __name__ == "__main__":
    raise SystemExit(main())
