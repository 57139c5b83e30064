"""Voice profiles: named voices recognised in other recordings.

A profile is a name and a voice (the unit-length mean embedding of the speech it was named
from, averaged over every video it was named or confirmed in). A speaker of a new recording
whose voice's cosine similarity to a profile reaches MATCH_THRESHOLD is named after it, with
the score kept and `confirmed` false until an archivist confirms or rejects it.

Stored in `<data>/speakers/profiles.json`, written atomically; every change is made in the
data dir's writer turn (registry.py), so two processes never lose each other's changes.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np

from ..errors import SpeechSearchError
from ..records import Transcript
from ..store import write_json_atomic

# Cosine similarity of two recordings' mean voices. Measured on the synthesized fixtures
# (bench/diarization.py): the same voice in two recordings 0.988, different voices at most
# 0.772. Real voices vary more across microphones and rooms; 0.85 sits in that gap.
MATCH_THRESHOLD = 0.85
PROFILES_FILE = Path("speakers") / "profiles.json"


class ProfileError(SpeechSearchError):
    """The profiles file cannot be read, or a profile asked for does not exist."""


@dataclass
class Profile:
    id: str  # "p1", "p2"...: stable across renames
    name: str
    voice: list[float]
    count: int = 1  # voices averaged into `voice`
    videos: list[str] = field(default_factory=list)  # where it was named or confirmed


def similarity(one: Sequence[float], other: Sequence[float]) -> float:
    a, b = np.asarray(one, dtype=np.float64), np.asarray(other, dtype=np.float64)
    norms = np.linalg.norm(a) * np.linalg.norm(b)
    return float(a @ b / norms) if norms else 0.0


def best_match(voice: Sequence[float], profiles: Sequence[Profile],
               threshold: float = MATCH_THRESHOLD) -> tuple[Profile | None, float]:
    """The profile most like `voice` and its score, or (None, best score) below threshold."""
    if not len(voice) or not profiles:
        return None, 0.0
    score, profile = max(((similarity(voice, p.voice), p) for p in profiles),
                         key=lambda pair: pair[0])
    return (profile if score >= threshold else None), score


def profiles_path(data_dir: Path) -> Path:
    return data_dir / PROFILES_FILE


def load_profiles(data_dir: Path) -> list[Profile]:
    path = profiles_path(data_dir)
    if not path.is_file():
        return []
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return [Profile(**item) for item in data["profiles"]]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ProfileError(f"the voice profiles in {path} cannot be read ({exc}); restore the "
                           "file from a backup, or move it away to start with none") from exc


def save_profiles(data_dir: Path, profiles: Sequence[Profile]) -> None:
    write_json_atomic(profiles_path(data_dir),
                      {"version": 1, "profiles": [asdict(p) for p in profiles]})


def find_profile(profiles: Sequence[Profile], key: str) -> Profile:
    """A profile by id (p3) or by name, any case."""
    for profile in profiles:
        if profile.id == key or profile.name.casefold() == key.casefold():
            return profile
    raise ProfileError(f"no voice profile {key!r}; `speechsearch speakers list` shows them")


def learn(profiles: list[Profile], name: str, voice: Sequence[float], video_id: str) -> Profile:
    """The profile of `name` (made if new) with this voice averaged in."""
    profile = next((p for p in profiles if p.name.casefold() == name.casefold()), None)
    if profile is None:
        number = max((int(p.id[1:]) for p in profiles if p.id[1:].isdigit()), default=0) + 1
        profile = Profile(f"p{number}", name, [], 0)
        profiles.append(profile)
    if len(voice) and video_id not in profile.videos:
        total = np.asarray(profile.voice or np.zeros(len(voice)), dtype=np.float64)
        total = total * profile.count + np.asarray(voice, dtype=np.float64)
        norm = np.linalg.norm(total)
        profile.voice = [round(float(x), 5) for x in (total / norm if norm else total)]
        profile.count += 1
        profile.videos.append(video_id)
    return profile


def identify(transcript: Transcript, profiles: Sequence[Profile],
             threshold: float = MATCH_THRESHOLD) -> Transcript:
    """Speakers not confirmed by an archivist named after the profile their voice matches
    (each profile at most once per video: the best-scoring speaker takes it)."""
    candidates = []
    for index, speaker in enumerate(transcript.speakers):
        if speaker.confirmed:
            continue
        profile, score = best_match(speaker.voice, profiles, threshold)
        if profile:
            candidates.append((score, index, profile))
    speakers = list(transcript.speakers)
    taken = {s.profile for s in speakers if s.confirmed}
    for score, index, profile in sorted(candidates, key=lambda c: -c[0]):
        if profile.id in taken:
            continue
        taken.add(profile.id)
        speakers[index] = replace(speakers[index], name=profile.name, profile=profile.id,
                                  score=round(score, 3))
    return replace(transcript, speakers=speakers)
