#!/usr/bin/env python3
"""Synthesize the demo videos (data/samples) and the audio test fixtures (tests/fixtures).

Speech comes from espeak-ng; everything else (resampling, encoding, muxing) from the static
ffmpeg shipped with imageio-ffmpeg. Title cards are drawn with Pillow. Outputs are small on
purpose, since the repository commits them:

    data/samples/otan-russie-2009-12-04.fr.mp4   + .fr.json   (full French statement)
    data/samples/nato-russia-2009-12-04.en.mp4   + .en.json   (English, first 4 paragraphs)
    tests/fixtures/fr_otan.flac, en_nato.mp3, mixed_fr_en.ogg, silence.wav

Run it with `make samples` or `python scripts/make_media.py [--only samples|fixtures]`.
The output depends only on the texts, the settings below and the tool versions (no clock,
a fixed seed for the noise fixture): two runs on one machine give byte-identical files.
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import shutil
import subprocess
import sys
import tempfile
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

logger = logging.getLogger("make_media")

ROOT = Path(__file__).resolve().parent.parent
SAMPLES_DIR = ROOT / "data" / "samples"
FIXTURES_DIR = ROOT / "tests" / "fixtures"

# The French statement. It is looked up next to the English text first, then in the shared
# folder of the development machine; --fr-text overrides both.
FR_TEXT_NAME = "otan-russie-2009-12-04.fr.txt"
FR_TEXT_CANDIDATES = (SAMPLES_DIR / FR_TEXT_NAME, ROOT.parent / "shared" / "samples" / FR_TEXT_NAME)
EN_TEXT = SAMPLES_DIR / "nato-russia-2009-12-04.en.txt"


@dataclass(frozen=True)
class Voice:
    """espeak-ng settings: voice+variant, speed in words per minute, word gap in 10 ms units."""

    name: str
    speed: int
    gap: int

    def args(self) -> list[str]:
        return ["-v", self.name, "-s", str(self.speed), "-g", str(self.gap)]


# Checked against Whisper base (faster-whisper, int8, beam 5) on the whole statement: the
# default `fr` voice is often detected as another language; fr+m3 at 130 wpm gave a word error
# rate of 0.6-0.8 (hallucination loops on the long paragraphs), fr+m2 at 125 wpm about 0.35.
# English: en-us+m3 at 140 wpm is around 0.05, like the other variants tried.
FR_VOICE = Voice("fr+m2", 125, 4)
EN_VOICE = Voice("en-us+m3", 140, 4)

# Written forms espeak-ng reads wrongly, rewritten for the speech only (the sidecar and the
# text file keep the original): "XXIe" is read letter by letter, "M." as the letter M,
# "OSCE" as the word "os".
FR_SPOKEN_FORMS = (
    (re.compile(r"\bXXIe\b"), "vingt-et-unième"),
    (re.compile(r"\bM\.\s+(?=[A-Z])"), "monsieur "),
    (re.compile(r"\bOSCE\b"), "O.S.C.E."),
)

FR_SENTENCE = (
    "Le Conseil OTAN-Russie a décidé de renforcer la coopération en Afghanistan "
    "et la lutte contre le terrorisme."
)
EN_SENTENCE = (
    "NATO foreign ministers met in Brussels to discuss cooperation with Russia on Afghanistan."
)

PARAGRAPH_GAP = 0.8  # seconds of silence between paragraphs of a sample
SAMPLE_LEAD_IN, SAMPLE_TAIL = 0.5, 1.0
FIXTURE_PAD = 0.2  # silence before and after the speech of a fixture
MIXED_GAP = 2.0  # silence between the French and the English sentence of mixed_fr_en.ogg
FIXTURE_RATE = 16000
SILENCE_SECONDS, SILENCE_NOISE_DBFS, SILENCE_SEED = 4.0, -60.0, 20091204


@dataclass(frozen=True)
class Sample:
    stem: str  # file name without extension, language included
    text: Path | None  # None: the French statement, resolved at run time
    voice: Voice
    metadata: dict  # the sidecar JSON, also drawn on the title card
    spoken_forms: tuple = ()


SAMPLES = (
    Sample(
        stem="otan-russie-2009-12-04.fr",
        text=None,
        voice=FR_VOICE,
        spoken_forms=FR_SPOKEN_FORMS,
        metadata={
            "title": "Déclaration à la presse après la réunion ministérielle "
            "du Conseil OTAN-Russie",
            "date": "2009-12-04",
            "speaker": "Secrétaire général de l'OTAN",
            "event": "Conseil OTAN-Russie, Bruxelles",
        },
    ),
    Sample(
        stem="nato-russia-2009-12-04.en",
        text=EN_TEXT,
        voice=EN_VOICE,
        metadata={
            "title": "Press statement after the NATO-Russia Council ministerial meeting",
            "date": "2009-12-04",
            "speaker": "NATO Secretary General",
            "event": "NATO-Russia Council, Brussels",
        },
    ),
)

# Title card.
CARD_SIZE = (640, 360)
CARD_BACKGROUND = (16, 36, 84)
CARD_TITLE = (255, 255, 255)
CARD_SUBTITLE = (190, 205, 235)
CARD_FOOTER = (140, 160, 200)
CARD_FOOTER_TEXT = "SpeechSearch demo — synthesized speech"
FONT_DIR = Path("/usr/share/fonts")

# Video: a still picture, so a low frame rate; a keyframe (~20 KB) every 30 s, since seeking
# only needs to decode at most 150 tiny frames from the previous one.
VIDEO_FPS = 5
VIDEO_GOP = 150
VIDEO_CRF = 30
AUDIO_BITRATE = "64k"
SAMPLE_SIZE_LIMIT = 3 * 1024 * 1024


class MediaBuildError(Exception):
    """A step that cannot succeed here; the message says what to install or pass."""


# --- tools -------------------------------------------------------------------------------


def find_ffmpeg() -> str:
    try:
        import imageio_ffmpeg

        return imageio_ffmpeg.get_ffmpeg_exe()
    except (ImportError, RuntimeError):
        exe = shutil.which("ffmpeg")
        if exe is None:
            raise MediaBuildError("ffmpeg not found: pip install imageio-ffmpeg") from None
        return exe


def find_espeak() -> str:
    exe = shutil.which("espeak-ng")
    if exe is None:
        raise MediaBuildError("espeak-ng not found: apt-get install espeak-ng")
    return exe


def run(cmd: list[str]) -> None:
    logger.debug("$ %s", " ".join(cmd))
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0:
        tail = (result.stderr or result.stdout).strip().splitlines()[-5:]
        raise MediaBuildError(f"{Path(cmd[0]).name} failed: {' | '.join(tail)}")


class Tools:
    def __init__(self, workdir: Path) -> None:
        self.espeak = find_espeak()
        self.ffmpeg = find_ffmpeg()
        self.workdir = workdir
        self._count = 0

    def tmp(self, suffix: str) -> Path:
        self._count += 1
        return self.workdir / f"t{self._count:04d}{suffix}"

    def speak(self, text: str, voice: Voice) -> tuple[np.ndarray, int]:
        """Synthesize `text`; returns int16 mono samples trimmed of edge silence, and the rate."""
        path = self.tmp(".wav")
        run([self.espeak, *voice.args(), "-w", str(path), text])
        samples, rate = read_wav(path)
        return trim(samples), rate

    def ffmpeg_run(self, *args: str) -> None:
        run([self.ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "error", "-y", *args])

    def encode_audio(self, samples: np.ndarray, rate: int, out: Path, codec: list[str]) -> None:
        """Resample to 16 kHz mono and encode with the given ffmpeg codec options."""
        src = self.tmp(".wav")
        write_wav(src, samples, rate)
        self.ffmpeg_run(
            "-i", str(src), "-ac", "1", "-af", f"aresample={FIXTURE_RATE}:resampler=soxr",
            *codec, "-map_metadata", "-1", "-fflags", "+bitexact", "-flags:a", "+bitexact",
            str(out),
        )


# --- audio helpers -----------------------------------------------------------------------


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    with wave.open(str(path), "rb") as handle:
        if handle.getsampwidth() != 2 or handle.getnchannels() != 1:
            raise MediaBuildError(f"{path}: expected 16-bit mono WAV from espeak-ng")
        rate = handle.getframerate()
        data = np.frombuffer(handle.readframes(handle.getnframes()), dtype="<i2")
    return data.astype(np.int16), rate


def write_wav(path: Path, samples: np.ndarray, rate: int) -> None:
    with wave.open(str(path), "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(rate)
        handle.writeframes(np.asarray(samples, dtype="<i2").tobytes())


def trim(samples: np.ndarray, threshold: int = 64) -> np.ndarray:
    """Drop the leading and trailing near-silence espeak-ng puts around an utterance."""
    loud = np.flatnonzero(np.abs(samples.astype(np.int32)) > threshold)
    if loud.size == 0:
        return samples[:0]
    return samples[loud[0] : loud[-1] + 1]


def silence(seconds: float, rate: int) -> np.ndarray:
    return np.zeros(round(seconds * rate), dtype=np.int16)


def pad(samples: np.ndarray, rate: int, before: float, after: float) -> np.ndarray:
    return np.concatenate([silence(before, rate), samples, silence(after, rate)])


# --- texts -------------------------------------------------------------------------------


def read_paragraphs(path: Path) -> list[str]:
    """Paragraphs of a sample text: `#` lines are headers, blank lines separate paragraphs."""
    paragraphs: list[str] = []
    current: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            continue
        if line.strip():
            current.append(line.strip())
        elif current:
            paragraphs.append(" ".join(current))
            current = []
    if current:
        paragraphs.append(" ".join(current))
    return [re.sub(r"\s+", " ", p) for p in paragraphs]


def spoken(text: str, forms: tuple) -> str:
    for pattern, replacement in forms:
        text = pattern.sub(replacement, text)
    return text


def resolve_fr_text(override: Path | None) -> Path:
    candidates = (override,) if override else FR_TEXT_CANDIDATES
    for path in candidates:
        if path is not None and path.is_file():
            return path
    tried = ", ".join(str(p) for p in candidates)
    raise MediaBuildError(f"French statement not found (tried {tried}); pass --fr-text PATH")


# --- title card --------------------------------------------------------------------------


def load_font(bold: bool, size: int):
    from PIL import ImageFont

    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    found = sorted(FONT_DIR.rglob(name)) if FONT_DIR.is_dir() else []
    if found:
        return ImageFont.truetype(str(found[0]), size)
    logger.warning("%s not found under %s: using Pillow's default font", name, FONT_DIR)
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow < 10.1: fixed-size bitmap font
        return ImageFont.load_default()


def wrap(draw, text: str, font, width: int) -> list[str]:
    """Greedy word wrap to `width` pixels."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}".strip()
        if line and draw.textlength(candidate, font=font) > width:
            lines.append(line)
            line = word
        else:
            line = candidate
    if line:
        lines.append(line)
    return lines


def make_card(metadata: dict, out: Path) -> None:
    from PIL import Image, ImageDraw

    width, height = CARD_SIZE
    margin = 40
    image = Image.new("RGB", CARD_SIZE, CARD_BACKGROUND)
    draw = ImageDraw.Draw(image)

    # The largest title size that fits in four lines.
    for size in (32, 28, 25, 22, 20):
        title_font = load_font(True, size)
        title_lines = wrap(draw, metadata["title"], title_font, width - 2 * margin)
        if len(title_lines) <= 4:
            break
    sub_font = load_font(False, 18)
    sub_lines = [metadata["speaker"], f"{metadata['event']} — {metadata['date']}"]
    footer_font = load_font(False, 13)

    title_step, sub_step = round(size * 1.25), 26
    block = len(title_lines) * title_step + 24 + len(sub_lines) * sub_step
    y = max(margin, (height - 40 - block) // 2)
    for line in title_lines:
        draw.text((margin, y), line, font=title_font, fill=CARD_TITLE)
        y += title_step
    y += 8
    draw.line((margin, y, margin + 80, y), fill=CARD_SUBTITLE, width=3)
    y += 16
    for line in sub_lines:
        draw.text((margin, y), line, font=sub_font, fill=CARD_SUBTITLE)
        y += sub_step
    draw.text((margin, height - 32), CARD_FOOTER_TEXT, font=footer_font, fill=CARD_FOOTER)
    image.save(out, optimize=True)


# --- outputs -----------------------------------------------------------------------------


def build_sample(tools: Tools, sample: Sample, text_path: Path, out_dir: Path) -> None:
    paragraphs = read_paragraphs(text_path)
    logger.info("%s: %d paragraphs from %s, voice %s", sample.stem, len(paragraphs),
                text_path.name, " ".join(sample.voice.args()))
    pieces: list[np.ndarray] = []
    rate = 0
    for number, paragraph in enumerate(paragraphs, 1):
        samples, rate = tools.speak(spoken(paragraph, sample.spoken_forms), sample.voice)
        logger.debug("paragraph %d: %.1f s", number, len(samples) / rate)
        if pieces:
            pieces.append(silence(PARAGRAPH_GAP, rate))
        pieces.append(samples)
    audio = pad(np.concatenate(pieces), rate, SAMPLE_LEAD_IN, SAMPLE_TAIL)
    wav = tools.tmp(".wav")
    write_wav(wav, audio, rate)

    card = tools.tmp(".png")
    make_card(sample.metadata, card)

    out = out_dir / f"{sample.stem}.mp4"
    tools.ffmpeg_run(
        "-loop", "1", "-framerate", str(VIDEO_FPS), "-i", str(card), "-i", str(wav),
        "-map", "0:v", "-map", "1:a",
        "-c:v", "libx264", "-tune", "stillimage", "-preset", "slow", "-crf", str(VIDEO_CRF),
        "-pix_fmt", "yuv420p", "-g", str(VIDEO_GOP), "-r", str(VIDEO_FPS),
        "-c:a", "aac", "-b:a", AUDIO_BITRATE, "-ac", "1",
        # An exact cut (-shortest overshoots by seconds with a looped image, and its end
        # depends on thread timing), and strict DTS interleaving, so that two runs give the
        # same bytes.
        "-t", f"{len(audio) / rate:.3f}", "-max_interleave_delta", "0",
        "-movflags", "+faststart",
        "-map_metadata", "-1", "-fflags", "+bitexact", "-flags:v", "+bitexact",
        "-flags:a", "+bitexact",
        str(out),
    )
    sidecar = out_dir / f"{sample.stem}.json"
    sidecar.write_text(json.dumps(sample.metadata, ensure_ascii=False, indent=2) + "\n",
                       encoding="utf-8")
    size = out.stat().st_size
    logger.info("wrote %s (%.1f s, %d KB) and %s", out.name, len(audio) / rate, size // 1024,
                sidecar.name)
    if size > SAMPLE_SIZE_LIMIT:
        logger.warning("%s is %.1f MB, over the %.0f MB budget", out.name, size / 2**20,
                       SAMPLE_SIZE_LIMIT / 2**20)


def build_samples(tools: Tools, out_dir: Path, fr_text: Path | None) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    for sample in SAMPLES:
        text_path = sample.text or resolve_fr_text(fr_text)
        build_sample(tools, sample, text_path, out_dir)


def build_fixtures(tools: Tools, out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    fr, fr_rate = tools.speak(FR_SENTENCE, FR_VOICE)
    en, en_rate = tools.speak(EN_SENTENCE, EN_VOICE)
    if fr_rate != en_rate:
        raise MediaBuildError(f"espeak-ng rates differ: {fr_rate} vs {en_rate}")
    rate = fr_rate

    outputs = {
        "fr_otan.flac": (
            pad(fr, rate, FIXTURE_PAD, FIXTURE_PAD),
            ["-c:a", "flac", "-sample_fmt", "s16", "-compression_level", "12"],
        ),
        "en_nato.mp3": (
            pad(en, rate, FIXTURE_PAD, FIXTURE_PAD),
            ["-c:a", "libmp3lame", "-b:a", "32k", "-write_xing", "1"],
        ),
        "mixed_fr_en.ogg": (
            pad(np.concatenate([fr, silence(MIXED_GAP, rate), en]), rate,
                FIXTURE_PAD, FIXTURE_PAD),
            # Vorbis, not Opus: Opus (24-48 kb/s) made Whisper base hear the synthetic French
            # as Finnish.
            ["-c:a", "libvorbis", "-q:a", "1"],
        ),
    }
    for name, (samples, codec) in outputs.items():
        out = out_dir / name
        tools.encode_audio(samples, rate, out, codec)
        logger.info("wrote %s (%.2f s, %.1f KB)", name, len(samples) / rate,
                    out.stat().st_size / 1024)
    fr_end = FIXTURE_PAD + len(fr) / rate
    logger.info("mixed_fr_en.ogg: French speech %.2f-%.2f s, silence to %.2f s, English to %.2f s",
                FIXTURE_PAD, fr_end, fr_end + MIXED_GAP, fr_end + MIXED_GAP + len(en) / rate)

    # Half digital zeros, half Gaussian noise at SILENCE_NOISE_DBFS RMS (fixed seed).
    total = round(SILENCE_SECONDS * FIXTURE_RATE)
    half = total // 2
    sigma = 32768 * 10 ** (SILENCE_NOISE_DBFS / 20)
    noise = np.random.default_rng(SILENCE_SEED).normal(0.0, sigma, total - half)
    quiet = np.concatenate([np.zeros(half), np.round(noise)]).clip(-32768, 32767)
    out = out_dir / "silence.wav"
    write_wav(out, quiet.astype(np.int16), FIXTURE_RATE)
    logger.info("wrote silence.wav (%.2f s, %.1f KB)", SILENCE_SECONDS, out.stat().st_size / 1024)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog=f"espeak-ng voices: French `{' '.join(FR_VOICE.args())}`, "
        f"English `{' '.join(EN_VOICE.args())}`.",
    )
    parser.add_argument("--only", choices=("samples", "fixtures"),
                        help="build only the demo videos or only the test fixtures")
    parser.add_argument("--samples-dir", type=Path, default=SAMPLES_DIR)
    parser.add_argument("--fixtures-dir", type=Path, default=FIXTURES_DIR)
    parser.add_argument("--fr-text", type=Path,
                        help=f"the French statement (default: {FR_TEXT_CANDIDATES[0]}, "
                        f"else {FR_TEXT_CANDIDATES[1]})")
    parser.add_argument("-v", "--verbose", action="store_true", help="log every command")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(levelname)s %(message)s")
    try:
        with tempfile.TemporaryDirectory(prefix="make_media-") as workdir:
            tools = Tools(Path(workdir))
            if args.only in (None, "fixtures"):
                build_fixtures(tools, args.fixtures_dir)
            if args.only in (None, "samples"):
                build_samples(tools, args.samples_dir, args.fr_text)
    except MediaBuildError as error:
        logger.error("%s", error)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
