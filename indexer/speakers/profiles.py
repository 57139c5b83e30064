"""Voice profiles: named voices recognised in other recordings.

A profile is a name and a voice (the unit-length mean embedding of the speech it was named
from). A speaker of a new recording whose voice's cosine similarity to a profile reaches
MATCH_THRESHOLD is named after it, with the score kept for an archivist to confirm or reject.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

# Cosine similarity of two recordings' mean voices. Set from bench/diarization.py: the same
# synthesized voice in two fixtures scores ~0.95, different voices at most ~0.85.
MATCH_THRESHOLD = 0.88


@dataclass
class Profile:
    id: str  # "p1", "p2"...: stable across renames
    name: str
    voice: list[float]
    videos: list[str] = field(default_factory=list)  # video ids it was named or confirmed in


def similarity(one: Sequence[float], other: Sequence[float]) -> float:
    a, b = np.asarray(one, dtype=np.float64), np.asarray(other, dtype=np.float64)
    norms = np.linalg.norm(a) * np.linalg.norm(b)
    return float(a @ b / norms) if norms else 0.0


def best_match(voice: Sequence[float], profiles: Sequence[Profile],
               threshold: float = MATCH_THRESHOLD) -> tuple[Profile | None, float]:
    """The profile most like `voice` and its score, or (None, best score) below threshold."""
    if not voice or not profiles:
        return None, 0.0
    scored = [(similarity(voice, profile.voice), profile) for profile in profiles]
    score, profile = max(scored, key=lambda pair: pair[0])
    return (profile if score >= threshold else None), score
