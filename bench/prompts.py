"""How the recognition prompt changes what Whisper base hears (the gazetteer's `prompt` flag).

    .venv/bin/python -m bench.prompts      # this section alone (same as --only prompts)

Transcribes three French clips (the French half of tests/fixtures/mixed_fr_en.ogg,
tests/fixtures/fr_otan.flac, the first 14 s of the corpus' fr_readalong_ej.m4a) with no prompt,
a list of seven names, a prose sentence, faster-whisper hotwords, and the single name the
gazetteer uses now.
"""

from __future__ import annotations

import sys

from bench.report import ROOT, BenchContext, Section, table
from indexer.chunking import speech_chunks
from indexer.decode import load_audio
from indexer.engines import load_engine
from indexer.gazetteer import Gazetteer

FIXTURES = ROOT / "tests" / "fixtures"
VARIANTS = {
    "none": {},
    "list of 7 names": {"initial_prompt": "Afghanistan, Russie, OTAN, Conseil OTAN-Russie, "
                                          "OSCE, Sergueï Lavrov, Dmitri Medvedev."},
    "prose sentence": {"initial_prompt": "Déclaration à la presse du Conseil OTAN-Russie sur "
                                         "l'Afghanistan et la Russie."},
    "hotwords (5 names)": {"hotwords": "OTAN, Conseil OTAN-Russie, Afghanistan, Lavrov, "
                                       "Medvedev"},
    "gazetteer prompt (the default)": {"initial_prompt": Gazetteer.load().prompt("fr")},
}


READING = """
Why the default is a prompt of one name:
- Without a prompt, "Conseil OTAN-Russie" is never recognised on synthetic speech.
- The prose sentence puts its own words into the transcript ("la lutte contre le terrorisme"
  became "la Russie" when this was first measured). For a quote archive this is the worst
  failure, since it invents words.
- The list of seven names slipped into English ("terrorism"), and on an earlier version of the
  fixtures gave an all-caps list of names instead of the speech. Whisper base is that
  sensitive to the prompt.
- Hotwords were correct here, but the offline-stack notes saw them printed instead of the
  speech.
- The single name is right on all three clips and also fixes "Eric Joannis" on real speech.
  The gazetteer uses at most three flagged names (`MAX_PROMPT_NAMES`); `--no-prompt` turns the
  prompt off. Its cost on general speech is in the accuracy section ("no prompt" column).
"""


def clips(ctx: BenchContext) -> dict[str, object]:
    mixed = load_audio(FIXTURES / "mixed_fr_en.ogg")
    found = {
        "mixed_fr_en.ogg (French half)": speech_chunks(mixed)[0].samples(mixed),
        "fr_otan.flac": load_audio(FIXTURES / "fr_otan.flac"),
    }
    if not ctx.quick:
        found["fr_readalong_ej.m4a (0-14 s)"] = load_audio(
            ctx.corpus / "fr_readalong_ej.m4a")[: 16000 * 14]
    return found


def run(ctx: BenchContext) -> Section:
    engine = load_engine("faster-whisper", "base", ctx.models_dir)
    rows = []
    variants = dict(list(VARIANTS.items())[-2:]) if ctx.quick else VARIANTS
    for variant, options in variants.items():
        for name, audio in clips(ctx).items():
            segments, _ = engine.model.transcribe(audio, language="fr", beam_size=5,
                                                  word_timestamps=True,
                                                  condition_on_previous_text=False, **options)
            rows.append([variant, name, " ".join(s.text.strip() for s in segments)])
    body = ("French clips transcribed with `language=\"fr\"`, beam 5, and different ways of "
            "biasing Whisper toward the archive's names.\n\n"
            + table(["prompt", "clip", "transcript"], rows) + "\n\n" + READING.strip())
    return Section("prompts", "Recognition prompt (gazetteer `prompt` flag)",
                   "python -m bench --only prompts", body,
                   {"targets": [], "transcripts": rows})


def main(argv: list[str] | None = None) -> int:
    from bench.__main__ import main as bench_main

    return bench_main(["--only", "prompts", *(argv or sys.argv[1:])])


if __name__ == "__main__":
    raise SystemExit(main())
