"""Corrections of the reading layer: edits keep timings, every save is a revision re-indexed at
once, reverts, conflicts, bad input that changes nothing. Real transcript (Whisper base on the
French fixture), real Whoosh index in a temp dir."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from corrections_support import FR, found, indexed_copy

from indexer.corrections import (
    ConflictError,
    Edit,
    EditError,
    RevisionStore,
    diff_words,
    revert,
    save_edits,
)
from indexer.corrections.commit import limits_of
from indexer.corrections.edits import Limits, apply
from indexer.pipeline import Indexer
from indexer.records import Speaker, Transcript
from indexer.store import TranscriptNotFound, load_transcript, transcript_path

NOW = "2026-12-07T08:00:00+00:00"


@pytest.fixture
def settings(tmp_path: Path, indexed: Indexer):
    return indexed_copy(tmp_path, indexed)


@pytest.fixture
def transcript(settings) -> Transcript:
    return load_transcript(settings.transcripts_dir, FR)


def limits(transcript: Transcript) -> Limits:
    return Limits(transcript.duration, ("fr", "en"), 2000)


def words_of(segment) -> list[str]:
    return [w.word.strip() for w in segment.words]


def test_new_text_keeps_the_timings_of_unchanged_words(transcript: Transcript) -> None:
    segment = transcript.reading()[0]
    tokens = segment.text.split()
    assert "coopération" in tokens and "Afghanistan" in tokens, segment.text
    changed = [("Kaboul" if t == "Afghanistan" else t) for t in tokens]
    changed.insert(changed.index("décidé") + 1, "enfin")  # a new word where there was none
    [edited] = apply([segment], Edit("text", 0, text=" ".join(changed)), limits(transcript),
                     NOW)[:1]
    assert edited.text.split() == changed and edited.corrected == NOW
    old = {w.word.strip(): (w.start, w.end) for w in segment.words}
    new = {w.word.strip(): (w.start, w.end) for w in edited.words}
    for word in ("Conseil", "coopération", "terrorisme."):
        assert new[word] == old[word]  # unchanged: the very same times
    assert new["Kaboul"] == old["Afghanistan"]  # one for one: the replaced word's slot
    gap_start, gap_end = old["décidé"][1], old["de"][0]
    assert gap_start <= new["enfin"][0] <= new["enfin"][1] <= gap_end
    starts = [w.start for w in edited.words]
    assert starts == sorted(starts)
    assert segment.text != edited.text  # the input is left alone


def test_split_merge_language_and_times(transcript: Transcript) -> None:
    segments = transcript.reading()
    at = words_of(segments[0]).index("renforcer")
    two = apply(segments, Edit("split", 0, word=at), limits(transcript), NOW)
    assert len(two) == len(segments) + 1
    assert two[0].text.split()[-1] == "de" and two[1].text.split()[0] == "renforcer"
    assert two[0].end <= two[1].start and two[1].words[0].start == segments[0].words[at].start
    french = apply(two, Edit("language", 1, language="EN"), limits(transcript), NOW)
    assert french[1].language == "en" and french[0].language == two[0].language
    one = apply(french, Edit("merge", 0), limits(transcript), NOW)
    assert one[0].text == segments[0].text and words_of(one[0]) == words_of(segments[0])
    moved = apply(one, Edit("times", 0, start=0.5, end=8.0), limits(transcript), NOW)
    assert moved[0].start == 0.5 and moved[0].end == 8.0
    assert all(0.5 <= w.start <= w.end <= 8.0 + 1e-6 for w in moved[0].words)


@pytest.mark.parametrize("edit, reason", [
    (Edit("text", 0, text="   \n "), "cannot be empty"),
    (Edit("text", 0, text="mot " * 600), "at most 2000"),
    (Edit("text", 0, text="a\x00b"), "control characters"),
    (Edit("text", 7, text="x"), "there is no passage 7"),
    (Edit("times", 0, start=5.0, end=2.0), "in order and within the recording"),
    (Edit("times", 0, start=0.0, end=9999.0), "within the recording"),
    (Edit("language", 0, language="xx"), "not one of the archive's languages"),
    (Edit("split", 0, word=0), "split before one of its words"),
    (Edit("merge", 0), "no next passage"),
    (Edit("rewrite", 0), "unknown edit"),
])
def test_bad_edits_are_refused_and_change_nothing(settings, transcript: Transcript, edit,
                                                  reason: str, gazetteer) -> None:
    before = transcript_path(settings.transcripts_dir, FR).read_bytes()
    with pytest.raises(EditError, match=reason):
        save_edits(settings, gazetteer, FR, [edit], base=0, author="a@example.org")
    assert transcript_path(settings.transcripts_dir, FR).read_bytes() == before
    assert RevisionStore(settings.data_dir, FR).revisions() == []
    assert found(settings, gazetteer, "coopération") == {FR}


def test_speaker_edit_chooses_one_of_the_videos_voices(settings, transcript: Transcript) -> None:
    assert [s.id for s in transcript.speakers] == ["S1"]  # one voice, diarized at indexing
    two = replace(transcript, speakers=[*transcript.speakers, Speaker("S2", "Jeanne Doe")])
    for given in ("S2", " jeanne  DOE "):  # its id (the player's choice) or its label
        [done] = apply(two.reading()[:1], Edit("speaker", 0, speaker=given),
                       limits_of(settings, two), NOW)
        assert (done.speaker, done.corrected, done.text) == ("S2", NOW, two.reading()[0].text)
    with pytest.raises(EditError, match="not one of this video's speakers"):
        apply(two.reading(), Edit("speaker", 0, speaker="J. Doe"), limits_of(settings, two), NOW)
    alone = replace(transcript, speakers=[])
    with pytest.raises(EditError, match="speechsearch diarize"):
        apply(alone.reading(), Edit("speaker", 0, speaker="S1"), limits_of(settings, alone), NOW)


def test_save_is_a_revision_searched_at_once_and_revert_restores(settings, gazetteer) -> None:
    store = RevisionStore(settings.data_dir, FR)
    text = load_transcript(settings.transcripts_dir, FR).reading()[0].text
    fixed = text.replace("Afghanistan", "Nunavut")
    saved = save_edits(settings, gazetteer, FR, [Edit("text", 0, text=fixed)], base=0,
                       author="archivist@example.org", message="the place", now=NOW)
    assert saved.revision.number == 1 and saved.revision.passages == 1
    assert [(r.number, r.kind) for r in store.revisions()] == [(0, "machine"), (1, "edit")]
    assert store.revision(1).author == "archivist@example.org" and store.revision(1).message \
        == "the place"
    assert found(settings, gazetteer, "Nunavut") == {FR}
    assert found(settings, gazetteer, "Afghanistan") == set()
    on_disk = load_transcript(settings.transcripts_dir, FR)
    assert on_disk.revision == 1 and on_disk.reading()[0].text == fixed
    assert "Afghanistan" in on_disk.segments[0].text  # the machine transcript is kept
    changes = [c for c in diff_words(store.snapshot(0).segments, store.snapshot(1).segments)
               if c.op != "equal"]
    assert [(c.op, c.old, c.new) for c in changes] == [("replace", "Afghanistan", "Nunavut")]
    assert changes[0].start == on_disk.reading()[0].words[
        [w.word.strip() for w in on_disk.reading()[0].words].index("Nunavut")].start

    back = revert(settings, gazetteer, FR, 0, author="archivist@example.org", base=1)
    assert back.revision.number == 2 and back.revision.reverts == 0
    assert found(settings, gazetteer, "Afghanistan") == {FR}
    assert found(settings, gazetteer, "Nunavut") == set()
    assert load_transcript(settings.transcripts_dir, FR).reading()[0].corrected == ""
    # Revision 1 can come back too: nothing is lost.
    revert(settings, gazetteer, FR, 1, author="b@example.org")
    assert found(settings, gazetteer, "Nunavut") == {FR}


def test_second_save_on_an_old_revision_is_a_conflict(settings, gazetteer) -> None:
    text = load_transcript(settings.transcripts_dir, FR).reading()[0].text
    save_edits(settings, gazetteer, FR, [Edit("text", 0, text=text.replace("Afghanistan",
                                                                          "Kaboul"))],
               base=0, author="first@example.org")
    before = transcript_path(settings.transcripts_dir, FR).read_bytes()
    with pytest.raises(ConflictError) as caught:
        save_edits(settings, gazetteer, FR, [Edit("text", 0, text=text.replace("OTAN",
                                                                              "NATO"))],
                   base=0, author="second@example.org")
    message = str(caught.value)
    assert "first@example.org" in message and "revision 1" in message and "Nothing" in message
    assert "Kaboul" in message and "NATO" in message  # both versions
    assert transcript_path(settings.transcripts_dir, FR).read_bytes() == before
    assert RevisionStore(settings.data_dir, FR).head() == 1


def test_markup_is_kept_as_text(settings, gazetteer) -> None:
    script = "<script>alert('x')</script> & <b>gras</b>"
    save_edits(settings, gazetteer, FR, [Edit("text", 0, text=script)], base=0, author="a")
    assert load_transcript(settings.transcripts_dir, FR).reading()[0].text == script


def test_a_video_removed_meanwhile_is_refused(settings, gazetteer) -> None:
    transcript_path(settings.transcripts_dir, FR).unlink()
    with pytest.raises(TranscriptNotFound):
        save_edits(settings, gazetteer, FR, [Edit("text", 0, text="x")], base=0, author="a")
    assert not (settings.data_dir / "revisions" / FR).exists()


def test_schema_2_transcript_loads_without_corrections(transcript: Transcript) -> None:
    data = json.loads(json.dumps(transcript.to_dict()))
    data["schema"] = 2
    for key in ("revision", "corrected"):
        data.pop(key)
    for segment in data["segments"]:
        segment.pop("corrected")
    old = Transcript.from_dict(data)
    assert old.revision == 0 and old.corrected is None and old.reading() == old.segments
    assert old.segments[0].corrected == ""


def test_corrections_of_the_machine_transcript_step_aside_for_an_official_text(
        transcript: Transcript) -> None:
    from indexer.records import CorrectedLayer

    corrected = replace(transcript, corrected=CorrectedLayer("asr", transcript.segments[:0]))
    assert corrected.reading() == []
    assert corrected.base_layer == "asr"


def test_history_and_revert_commands(settings, gazetteer) -> None:
    from click.testing import CliRunner

    from indexer.cli import main

    def run(*args: str):
        return CliRunner().invoke(main, [*args, "--data-dir", str(settings.data_dir)])

    assert "never been corrected" in run("history", FR).output
    text = load_transcript(settings.transcripts_dir, FR).reading()[0].text
    save_edits(settings, gazetteer, FR, [Edit("text", 0, text=text.replace("coopération",
                                                                          "coordination"))],
               base=0, author="archivist@example.org", message="the right word")
    listed = json.loads(run("history", FR, "--json").output)
    assert listed["revision"] == 1
    assert [r["kind"] for r in listed["revisions"]] == ["machine", "edit"]
    assert "the right word" in run("history", FR).output
    diff = json.loads(run("history", FR, "--diff", "0", "1", "--json").output)
    changed = [(c["old"], c["new"]) for c in diff if c["op"] != "equal"]
    assert changed == [("coopération", "coordination")]
    reverted = run("revert", FR, "0", "-m", "machine was right", "--author", "desk")
    assert reverted.exit_code == 0 and "revision 2 restores revision 0" in reverted.output
    assert found(settings, gazetteer, "coordination") == set()
    missing = run("revert", FR, "9")
    assert missing.exit_code == 1 and "has no revision 9" in missing.output
    assert "no transcript for video id" in run("history", "0123456789abcdef").output
