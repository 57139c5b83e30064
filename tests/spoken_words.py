"""A recording made word by word with espeak-ng, so that the time of every word is known by
construction: each word is synthesized alone, its silences trimmed, and the words laid end to
end with short gaps (and longer pauses where asked). Used to check word times against the
truth, not against another aligner."""

from __future__ import annotations

import subprocess
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

RATE = 16000
VOICE = ["-v", "fr+m3", "-s", "130"]


@dataclass(frozen=True)
class SpokenWord:
    text: str
    start: float
    end: float


def _word_audio(word: str, folder: Path) -> np.ndarray:
    raw = folder / "word.raw"
    wav = folder / "word.wav"
    subprocess.run(["espeak-ng", *VOICE, "-w", str(wav), word], check=True)
    # 16 kHz mono, the silence espeak puts before and after the word trimmed.
    subprocess.run(["sox", str(wav), "-r", str(RATE), "-c", "1", "-b", "16", "-e", "signed",
                    str(raw), "silence", "1", "0.01", "0.5%", "reverse", "silence", "1",
                    "0.01", "0.5%", "reverse"], check=True)
    return np.fromfile(raw, dtype=np.int16)


def speak(words: list[str], path: Path, gap: float = 0.12,
          pauses: dict[int, float] | None = None) -> list[SpokenWord]:
    """Write `words` said one by one to `path` (16 kHz WAV); each word's true times.
    `pauses` maps a word's index to the silence after it (instead of `gap`)."""
    pauses = pauses or {}
    pieces = [np.zeros(int(0.3 * RATE), dtype=np.int16)]
    at, spoken = 0.3, []
    for index, word in enumerate(words):
        audio = _word_audio(word, path.parent)
        spoken.append(SpokenWord(word, round(at, 3), round(at + len(audio) / RATE, 3)))
        silence = pauses.get(index, gap)
        pieces += [audio, np.zeros(int(silence * RATE), dtype=np.int16)]
        at += len(audio) / RATE + int(silence * RATE) / RATE
    pieces.append(np.zeros(int(0.3 * RATE), dtype=np.int16))
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(np.concatenate(pieces).tobytes())
    return spoken
