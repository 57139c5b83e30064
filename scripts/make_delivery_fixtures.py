#!/usr/bin/env python3
"""Synthesize the "check against delivery" fixtures (issue 15): a short speech per language.

    python scripts/make_delivery_fixtures.py [--fixtures-dir tests/fixtures]

Each clip is one espeak-ng reading of a four-sentence statement, written next to it as
`<name>.ref.txt` (not `<name>.txt`, which the indexer would attach as the clip's official
text): the text that was said, from which the tests (tests/test_official_delivery.py) and the
benchmark (bench/official_departures.py) make "official" texts with planted departures.
Numbers are said as digits so that the texts can change them.

French: make_media.py's fr+m2 at 125 wpm made Whisper base hear half the words of a budget
speech wrong, and espeak-ng's "vingt-huit" came out as "un blink", "20 lits" or "ma cliente"
at any speed; at 115 wpm with a longer word gap, plainer words and "15" (heard as 15) it hears
nearly all, still mishearing a few ("enfoncer", "termine à peu plus de"): the noise the
detector must not report. English: make_media.py's voice ("three" heard as "free").
Neither the tests nor CI need espeak-ng: the files are committed.

    fr_minister.ogg   Ogg Vorbis q1, 19.5 s (Opus: Whisper base heard synthetic French as Finnish)
    en_budget.mp3     MP3 32 kb/s, 13.9 s
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
from pathlib import Path

from make_media import EN_VOICE, FIXTURE_PAD, FIXTURES_DIR, MediaBuildError, Tools, Voice, pad

logger = logging.getLogger("make_delivery_fixtures")

FR_VOICE = Voice("fr+m2", 115, 8)
SPEECHES = {
    "fr_minister.ogg": (
        FR_VOICE, ["-c:a", "libvorbis", "-q:a", "1"],
        "Bonjour à tous. Le ministre a parlé pendant 15 minutes devant la presse. Il a décidé "
        "de renforcer la coopération avec la Russie. La réunion se terminera au mois de mars."),
    "en_budget.mp3": (
        EN_VOICE, ["-c:a", "libmp3lame", "-b:a", "32k", "-write_xing", "1"],
        "Good morning everyone. The city budget will grow by 28 million dollars next year. We "
        "will build three schools and a swimming pool. The work will start in March."),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fixtures-dir", type=Path, default=FIXTURES_DIR)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    args.fixtures_dir.mkdir(parents=True, exist_ok=True)
    try:
        with tempfile.TemporaryDirectory(prefix="make_delivery-") as workdir:
            tools = Tools(Path(workdir))
            for name, (voice, codec, text) in SPEECHES.items():
                samples, rate = tools.speak(text, voice)
                samples = pad(samples, rate, FIXTURE_PAD, FIXTURE_PAD)
                out = args.fixtures_dir / name
                tools.encode_audio(samples, rate, out, codec)
                out.with_name(out.stem + ".ref.txt").write_text(text + "\n", encoding="utf-8")
                logger.info("wrote %s (%.2f s, %.1f KB) and its text", name,
                            len(samples) / rate, out.stat().st_size / 1024)
    except MediaBuildError as error:
        logger.error("%s", error)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
