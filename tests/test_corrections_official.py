"""Corrections of an official text's layer (a video with a text attached reads the text): the
revision corrects the "official" base, search follows it, and the follow-up re-times the
changed word on the audio and tags the passage again.
Real Whisper base, aligner, spaCy and Whoosh index."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from corrections_support import found
from official_support import official_archive

from indexer.config import Settings
from indexer.corrections import Edit, RevisionStore, revert, save_edits
from indexer.corrections.realign import refine_revision
from indexer.official.attach import media_audio
from indexer.pipeline import Indexer
from indexer.store import load_transcript


@pytest.fixture
def archive(session_indexer: Indexer, tmp_path_factory, tmp_path: Path):
    built = official_archive(session_indexer, tmp_path_factory.mktemp("official"))
    data = tmp_path / "data"
    shutil.copytree(built.data_dir, data, symlinks=True)
    return Settings(data_dir=data), built.minister


def test_an_official_text_is_corrected_refined_and_reverted(archive, session_indexer) -> None:
    settings, video_id = archive
    gazetteer = session_indexer.gazetteer
    transcript = load_transcript(settings.transcripts_dir, video_id)
    assert transcript.base_layer == "official"
    index = next(i for i, s in enumerate(transcript.reading()) if "mars" in s.text)
    passage = transcript.reading()[index]
    saved = save_edits(settings, gazetteer, video_id,
                       [Edit("text", index, text=passage.text.replace("mars", "Moscou"))],
                       base=0, author="desk@example.org")
    store = RevisionStore(settings.data_dir, video_id)
    assert store.revision(0).base == store.revision(1).base == "official"
    assert saved.transcript.official is not None  # the text stays attached
    assert found(settings, gazetteer, "Moscou") == {video_id}

    refined = refine_revision(settings, gazetteer, video_id, 1, session_indexer.engine.model,
                              session_indexer.tagger, media_audio(transcript))
    assert refined.saved is not None and refined.saved.revision.base == "official"
    after = load_transcript(settings.transcripts_dir, video_id).reading()[index]
    [moscou] = [w for w in after.words if w.word.strip(" .") == "Moscou"]
    assert moscou.word.startswith(" ") == passage.words[0].word.startswith(" ")
    assert after.start <= moscou.start < moscou.end <= after.end
    # Unchanged words kept their times.
    assert [(w.word, w.start, w.end) for w in after.words if "Moscou" not in w.word] == \
        [(w.word, w.start, w.end) for w in passage.words if "mars" not in w.word]
    assert "Moscou" in {e.text for e in after.entities}  # tagged again: a place
    assert found(settings, gazetteer, "entity:loc:moscou") == {video_id}

    revert(settings, gazetteer, video_id, 0, author="desk@example.org")
    assert found(settings, gazetteer, "Moscou") == set()
    assert "mars" in load_transcript(settings.transcripts_dir, video_id).reading()[index].text
