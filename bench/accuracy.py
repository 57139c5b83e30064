"""Word error rate per corpus file, against the HUMAN references only (never SILVER).

    .venv/bin/python -m bench.accuracy

Compares, on the same files: the pipeline path with the gazetteer prompt (the default), the
pipeline path without it (--no-prompt), and bare faster-whisper (one language per file, its
own VAD). Both sides get the same normalisation: lower case, apostrophes and punctuation to
spaces (so French elisions "l'OTAN" become "l otan"), hyphens split, spaces collapsed. Numbers
are left as they are: Whisper writes digits where readers said words, which counts as an error
here. Writes bench/results/accuracy.md.
"""

from __future__ import annotations

import re
import unicodedata

import jiwer

from bench.engines import CORPUS, ROOT
from bench.report import publish
from indexer.decode import load_audio
from indexer.engines import load_engine
from indexer.gazetteer import Gazetteer
from indexer.transcribe import transcribe_audio

LANGUAGES = ("fr", "en")


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFC", text).lower().replace("’", "'")
    text = re.sub(r"[^\w\s]|_", " ", text)
    return " ".join(text.split())


def human_references() -> dict[str, str]:
    found = {}
    for reference in sorted(CORPUS.glob("*.ref.txt")):
        stem = reference.name[: -len(".ref.txt")]
        media = [p for p in CORPUS.glob(stem + ".*") if not p.name.endswith(".txt")
                 and p.suffix not in (".tsv", ".md")]
        if media:
            found[str(media[0].name)] = reference.read_text(encoding="utf-8")
    return found


def main() -> None:
    engine = load_engine("faster-whisper", "base", ROOT / "data" / "models")
    prompts = {code: Gazetteer.load().prompt(code) for code in LANGUAGES}
    rows = ["| file | pipeline, prompt (default) | pipeline, no prompt | bare faster-whisper |",
            "|---|---:|---:|---:|"]
    totals = {"prompt": [], "none": [], "bare": []}
    for name, reference in human_references().items():
        audio = load_audio(CORPUS / name)
        heard = {
            "prompt": transcribe_audio(engine, audio, LANGUAGES, None, prompts),
            "none": transcribe_audio(engine, audio, LANGUAGES),
        }
        bare, _ = engine.model.transcribe(audio, beam_size=5, vad_filter=True)
        texts = {k: " ".join(s.text for s in v) for k, v in heard.items()}
        texts["bare"] = " ".join(s.text for s in bare)
        ref = normalise(reference)
        scores = {k: jiwer.wer(ref, normalise(t)) for k, t in texts.items()}
        for key, score in scores.items():
            totals[key].append((score, len(ref.split())))
        rows.append(f"| {name} | {scores['prompt']:.1%} | {scores['none']:.1%} | "
                    f"{scores['bare']:.1%} |")
    pooled = {k: sum(s * n for s, n in v) / sum(n for _, n in v) for k, v in totals.items()}
    rows.append(f"| **all (word-weighted)** | **{pooled['prompt']:.1%}** | "
                f"**{pooled['none']:.1%}** | **{pooled['bare']:.1%}** |")
    publish("accuracy", "\n".join(rows))


if __name__ == "__main__":
    main()
