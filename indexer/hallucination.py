"""Remove what Whisper says when nobody speaks: repetition loops and stock phrases.

VAD already keeps silence away from the engine; these are the second line of defence, applied
to every segment an engine returns.
"""

from __future__ import annotations

import re
import unicodedata

from .records import Segment, Word

MAX_NGRAM = 6  # longest repeated phrase we look for, in words
MAX_REPEATS = 2  # a phrase said more than twice in a row is a loop: keep the first instance

# Credits that Whisper learned from subtitled videos and prints over silence or music.
_STOCK_PHRASES = [
    "sous-titres réalisés par la communauté d'amara.org",
    "sous-titrage société radio-canada",
    "sous-titrage st' 501",
    "sous-titrage st 501",
    "merci d'avoir regardé cette vidéo",
    "thanks for watching",
    "thank you for watching",
    "subtitles by the amara.org community",
]


def _norm(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower().replace("’", "'")
    return re.sub(r"[\s.!?,;:…«»\"]+", " ", text).strip()


_STOCK = {_norm(p) for p in _STOCK_PHRASES}


def _repeats(keys: list[str], start: int, n: int) -> int:
    """How many times keys[start:start+n] occurs back to back from `start`."""
    count = 1
    while keys[start + count * n:start + (count + 1) * n] == keys[start:start + n]:
        count += 1
    return count


def collapse_loops(words: list[Word]) -> list[Word]:
    """Keep one instance of any phrase (1-6 words) said more than twice in a row."""
    keys = [_norm(w.word) for w in words]
    kept: list[Word] = []
    i = 0
    while i < len(words):
        for n in range(1, MAX_NGRAM + 1):
            count = _repeats(keys, i, n) if i + 2 * n <= len(keys) else 1
            if count > MAX_REPEATS:
                kept.extend(words[i:i + n])
                i += count * n
                break
        else:
            kept.append(words[i])
            i += 1
    return kept


def text_of(words: list[Word]) -> str:
    """The text that `words` spell (Whisper words carry their leading space)."""
    return "".join(w.word for w in words).strip()


def clean_segments(segments: list[Segment]) -> list[Segment]:
    """Drop empty, stock-phrase and no-speech segments; collapse loops; drop repeated segments."""
    cleaned: list[Segment] = []
    for segment in segments:
        if segment.words:
            words = collapse_loops(segment.words)
            if len(words) != len(segment.words):
                segment.words = words
                segment.text = text_of(words)
                segment.end = words[-1].end if words else segment.end
        key = _norm(segment.text)
        if not key or key in _STOCK:
            continue
        # Whisper's own rule for a silent window, applied per segment.
        if segment.no_speech_prob > 0.6 and segment.avg_logprob < -1.0:
            continue
        # The same sentence again and again across segments is a loop too.
        if len(cleaned) >= MAX_REPEATS and all(_norm(c.text) == key
                                               for c in cleaned[-MAX_REPEATS:]):
            continue
        cleaned.append(segment)
    return cleaned
