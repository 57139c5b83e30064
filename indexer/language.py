"""Language of each segment and of the whole video.

Two witnesses: Whisper's audio language ID (per chunk, restricted to the archive's languages)
and langdetect on the segment's text. Text alone mislabels short lines full of names (they come
out as Danish or Afrikaans), audio alone cannot see a switch inside a chunk, so the text's vote
counts more the longer the segment is.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence

from langdetect import DetectorFactory, detect_langs
from langdetect.lang_detect_exception import LangDetectException

from .records import Segment

logger = logging.getLogger(__name__)

DEFAULT_LANGUAGES = ("fr", "en")
TEXT_FULL_WEIGHT_WORDS = 12  # at this length the text weighs as much as the audio
MIN_SHARE = 0.1  # a language spoken for less than this share of a video is not listed

DetectorFactory.seed = 0  # langdetect is random by default; the index must be reproducible


def restrict(probabilities: dict[str, float], languages: Sequence[str]) -> dict[str, float]:
    """Renormalise `probabilities` over the archive's `languages` (uniform if all are zero)."""
    kept = {code: max(probabilities.get(code, 0.0), 0.0) for code in languages}
    total = sum(kept.values())
    if total <= 0:
        return {code: 1.0 / len(languages) for code in languages}
    return {code: p / total for code, p in kept.items()}


def best(probabilities: dict[str, float]) -> tuple[str, float]:
    code = max(probabilities, key=probabilities.__getitem__)
    return code, probabilities[code]


def text_probabilities(text: str, languages: Sequence[str]) -> dict[str, float] | None:
    """langdetect's view restricted to `languages`, or None when it has nothing to say."""
    try:
        found = {item.lang: item.prob for item in detect_langs(text)}
    except LangDetectException:
        return None
    if not any(code in found for code in languages):
        return None
    return restrict(found, languages)


def label_segment(segment: Segment, audio: dict[str, float], languages: Sequence[str]) -> None:
    """Set `segment.language` from the chunk's audio probabilities and the segment's text."""
    combined = dict(audio)
    words = len(segment.text.split())
    text = text_probabilities(segment.text, languages) if words >= 2 else None
    if text is not None:
        weight = 0.5 * min(1.0, words / TEXT_FULL_WEIGHT_WORDS)
        combined = {code: (1 - weight) * audio[code] + weight * text[code] for code in languages}
    segment.language, segment.language_probability = best(combined)


def video_languages(segments: Sequence[Segment]) -> tuple[str, list[str]]:
    """Main language (most speech time) and every language with at least MIN_SHARE of it."""
    seconds: dict[str, float] = defaultdict(float)
    for segment in segments:
        seconds[segment.language] += max(segment.end - segment.start, 0.01)
    if not seconds:
        return "", []
    total = sum(seconds.values())
    ranked = sorted(seconds, key=seconds.__getitem__, reverse=True)
    return ranked[0], [code for code in ranked if seconds[code] / total >= MIN_SHARE]
