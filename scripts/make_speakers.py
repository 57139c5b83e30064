#!/usr/bin/env python3
"""Synthesize the speaker fixtures: two short French press conferences with known turns.

    tests/fixtures/fr_press_conference.ogg + .rttm   an official's statement, then questions
                                                      from two journalists and her answers
    tests/fixtures/fr_press_briefing.ogg + .rttm     the same official's voice, and a third
                                                      journalist's (a voice not in the first)

Three distinct espeak-ng voices in each (see VOICES); the RTTM reference is written from the
synthesized lengths, so it is exact. Used by tests/test_speakers.py and bench/diarization.py.
Run `python scripts/make_speakers.py`; the output depends only on the texts and tool versions.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_media import (  # noqa: E402  (a sibling script, not a package)
    FIXTURE_RATE,
    FIXTURES_DIR,
    MediaBuildError,
    Tools,
    Voice,
    silence,
)

logger = logging.getLogger("make_speakers")

VOICES = {
    "official": Voice("fr+m2", 125, 4),
    "journalist_a": Voice("fr+f3", 135, 4),
    "journalist_b": Voice("fr+anika", 125, 4),
    "journalist_c": Voice("fr+Andy", 125, 4),
}
GAP = 0.6  # silence between turns
EDGE = 0.3  # silence at the start and the end

CONFERENCE = [
    ("official", "Bonjour à tous. Le conseil s'est réuni ce matin à Bruxelles. "
                 "Nous avons parlé de la sécurité en Europe et de l'Afghanistan."),
    ("journalist_a", "Merci. Une question sur l'Afghanistan. Combien de soldats "
                     "supplémentaires seront envoyés cette année ?"),
    ("official", "Plusieurs pays ont promis des renforts. Les chiffres seront publiés "
                 "la semaine prochaine, après la réunion des ministres."),
    ("journalist_b", "Et la Russie ? Le dialogue va-t-il reprendre au printemps ?"),
    ("official", "Oui. Nous voulons un dialogue franc avec la Russie, "
                 "même quand nous ne sommes pas d'accord."),
]
BRIEFING = [
    ("official", "Bonsoir. Je voudrais dire quelques mots sur le budget de l'organisation "
                 "pour l'année prochaine."),
    ("journalist_c", "Le budget va-t-il augmenter, et de combien ?"),
    ("official", "Il restera stable. Nous ferons des économies sur les bâtiments."),
]
FIXTURES = {"fr_press_conference": CONFERENCE, "fr_press_briefing": BRIEFING}


def build(tools: Tools, name: str, turns: list[tuple[str, str]], out_dir: Path) -> None:
    pieces, rttm, position = [silence(EDGE, FIXTURE_RATE)], [], EDGE
    for number, (who, text) in enumerate(turns):
        samples, rate = tools.speak(text, VOICES[who])
        # Resample to the fixture rate here, so the reference times are exact.
        samples = np.interp(np.arange(round(len(samples) * FIXTURE_RATE / rate)) * rate
                            / FIXTURE_RATE, np.arange(len(samples)), samples).astype(np.int16)
        length = len(samples) / FIXTURE_RATE
        rttm.append(f"SPEAKER {name} 1 {position:.3f} {length:.3f} <NA> <NA> {who} <NA> <NA>")
        pieces += [samples, silence(GAP if number < len(turns) - 1 else EDGE, FIXTURE_RATE)]
        position += length + GAP
    audio = np.concatenate(pieces)
    out = out_dir / f"{name}.ogg"
    tools.encode_audio(audio, FIXTURE_RATE, out, ["-c:a", "libvorbis", "-q:a", "1"])
    (out_dir / f"{name}.rttm").write_text("\n".join(rttm) + "\n", encoding="utf-8")
    logger.info("wrote %s (%.1f s, %.1f KB) and its RTTM", out.name, len(audio) / FIXTURE_RATE,
                out.stat().st_size / 1024)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fixtures-dir", type=Path, default=FIXTURES_DIR)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    try:
        with tempfile.TemporaryDirectory(prefix="make_speakers-") as workdir:
            tools = Tools(Path(workdir))
            for name, turns in FIXTURES.items():
                build(tools, name, turns, args.fixtures_dir)
    except MediaBuildError as exc:
        logger.error("%s", exc)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
