"""How the recognition prompt changes what Whisper base hears (the gazetteer's `prompt` flag).

    .venv/bin/python -m bench.prompts

Transcribes three French clips (the French half of tests/fixtures/mixed_fr_en.ogg,
tests/fixtures/fr_otan.flac, the first 14 s of the corpus' fr_readalong_ej.m4a) with no prompt,
a list of seven names, a prose sentence, faster-whisper hotwords, and the single name the
gazetteer uses now. Prints a Markdown table (written to bench/results/prompts.md).
"""

from __future__ import annotations

from bench.engines import CORPUS, ROOT
from bench.report import publish
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
    "gazetteer prompt (now)": {"initial_prompt": Gazetteer.load().prompt("fr")},
}


def clips() -> dict[str, object]:
    mixed = load_audio(FIXTURES / "mixed_fr_en.ogg")
    return {
        "mixed_fr_en.ogg (French half)": speech_chunks(mixed)[0].samples(mixed),
        "fr_otan.flac": load_audio(FIXTURES / "fr_otan.flac"),
        "fr_readalong_ej.m4a (0-14 s)": load_audio(CORPUS / "fr_readalong_ej.m4a")[: 16000 * 14],
    }


def main() -> None:
    engine = load_engine("faster-whisper", "base", ROOT / "data" / "models")
    rows = ["| prompt | clip | transcript |", "|---|---|---|"]
    for variant, options in VARIANTS.items():
        for name, audio in clips().items():
            segments, _ = engine.model.transcribe(audio, language="fr", beam_size=5,
                                                  word_timestamps=True,
                                                  condition_on_previous_text=False, **options)
            text = " ".join(s.text.strip() for s in segments).replace("|", "/")
            rows.append(f"| {variant} | {name} | {text} |")
    publish("prompts", "\n".join(rows))


if __name__ == "__main__":
    main()
