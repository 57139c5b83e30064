"""Archive-wide speaker changes: name a voice, confirm or reject a match, rename, merge and
delete profiles. Each runs in the data dir's writer turn (IndexWriter), so the profiles file,
the transcripts and the index change together and two processes never interleave; the
transcripts are saved before the index (IndexWriter.revise), so a crash is repaired by doing
the same change again.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

import numpy as np

from ..config import Settings
from ..gazetteer import Gazetteer
from ..index_writer import IndexWriter
from ..records import Speaker, Transcript
from ..store import iter_video_ids, load_transcript
from .profiles import (
    Profile,
    ProfileError,
    find_profile,
    learn,
    load_profiles,
    save_profiles,
)


class UnknownSpeaker(ProfileError, LookupError):
    """The video has no speaker with that id."""


def _change_speaker(transcript: Transcript, speaker_id: str,
                    change: Callable[[Speaker], Speaker]) -> Transcript:
    if speaker_id not in {speaker.id for speaker in transcript.speakers}:
        raise UnknownSpeaker(f"{transcript.video_id} has no speaker {speaker_id}")
    return replace(transcript, speakers=[change(s) if s.id == speaker_id else s
                                         for s in transcript.speakers])


class SpeakerRegistry:
    def __init__(self, settings: Settings, gazetteer: Gazetteer):
        self.settings = settings
        self.writer = IndexWriter(settings, gazetteer)

    def profiles(self) -> list[Profile]:
        return load_profiles(self.settings.data_dir)

    def name(self, video_id: str, speaker_id: str, name: str) -> Transcript:
        """An archivist names (or confirms) a voice: every passage of it takes the name, and
        the voice is learnt into the profile of that name (made if new)."""
        name = " ".join(name.split())
        if not name:
            raise ProfileError("a speaker's name cannot be empty")
        with self.writer.turn():
            transcript = load_transcript(self.settings.transcripts_dir, video_id)
            speaker = next((s for s in transcript.speakers if s.id == speaker_id), None)
            if speaker is None:
                raise UnknownSpeaker(f"{video_id} has no speaker {speaker_id}")
            profiles = self.profiles()
            profile = learn(profiles, name, speaker.voice, video_id)
            save_profiles(self.settings.data_dir, profiles)
            return self.writer.revise(video_id, lambda t: _change_speaker(
                t, speaker_id, lambda s: replace(s, name=profile.name, profile=profile.id,
                                                 score=1.0, confirmed=True)))

    def reject(self, video_id: str, speaker_id: str) -> Transcript:
        """An archivist rejects a voice's automatic name: it is "Speaker N" again."""
        return self.writer.revise(video_id, lambda t: _change_speaker(
            t, speaker_id, lambda s: replace(s, name="", profile="", score=0.0,
                                             confirmed=False)))

    def rename(self, key: str, new_name: str) -> Profile:
        """Rename a profile, and every voice named after it in every video."""
        new_name = " ".join(new_name.split())
        if not new_name:
            raise ProfileError("a profile's name cannot be empty")
        with self.writer.turn():
            profiles = self.profiles()
            profile = find_profile(profiles, key)
            clash = next((p for p in profiles if p is not profile
                          and p.name.casefold() == new_name.casefold()), None)
            if clash:
                raise ProfileError(f"{clash.id} is already called {clash.name!r}: merge the "
                                   f"two with `speechsearch speakers merge {clash.id} "
                                   f"{profile.id}`")
            profile.name = new_name
            save_profiles(self.settings.data_dir, profiles)
            self._relabel({profile.id: profile})
            return profile

    def merge(self, keep: str, other: str) -> Profile:
        """`other` is the same person as `keep`: its voices and videos join `keep`'s."""
        with self.writer.turn():
            profiles = self.profiles()
            kept, gone = find_profile(profiles, keep), find_profile(profiles, other)
            if kept is gone:
                raise ProfileError(f"{keep} and {other} are the same profile")
            kept.videos += [v for v in gone.videos if v not in kept.videos]
            # The voices averaged, each weighted by how many recordings it was made from.
            total = kept.count + gone.count
            if kept.voice and gone.voice and total:
                mean = (np.asarray(kept.voice) * kept.count
                        + np.asarray(gone.voice) * gone.count) / total
                kept.voice = [round(float(x), 5) for x in mean / np.linalg.norm(mean)]
            kept.voice = kept.voice or gone.voice
            kept.count = total
            profiles.remove(gone)
            save_profiles(self.settings.data_dir, profiles)
            self._relabel({kept.id: kept, gone.id: kept})
            return kept

    def delete(self, key: str) -> Profile:
        """Forget a profile: its voices keep their names in their videos, but new videos are
        no longer matched to it."""
        with self.writer.turn():
            profiles = self.profiles()
            profile = find_profile(profiles, key)
            profiles.remove(profile)
            save_profiles(self.settings.data_dir, profiles)
            self._relabel({profile.id: None})
            return profile

    def _relabel(self, to: dict[str, Profile | None]) -> None:
        """Every video with a voice of these profiles (named, confirmed or only matched)
        takes the new name or profile, and is re-indexed."""
        def change(transcript: Transcript) -> Transcript:
            speakers = []
            for speaker in transcript.speakers:
                if speaker.profile in to:
                    target = to[speaker.profile]
                    speaker = (replace(speaker, profile="") if target is None else
                               replace(speaker, name=target.name, profile=target.id))
                speakers.append(speaker)
            return replace(transcript, speakers=speakers)

        # A text search first: parsing every transcript of the archive would be the cost.
        pattern = re.compile(r'"profile":\s*"(' + "|".join(map(re.escape, to)) + r')"')
        folder = self.settings.transcripts_dir
        for video_id in iter_video_ids(folder):
            if pattern.search((folder / f"{video_id}.json").read_text(encoding="utf-8")):
                self.writer.revise(video_id, change)
