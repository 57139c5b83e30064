"""Speakers: diarization with the real voice encoder on synthesized and real speech.

The press-conference fixtures (scripts/make_speakers.py) have exact RTTM references; the
corpus' two-speaker call has a human one. Everything runs the real pipeline: Whisper base,
resemblyzer's encoder, scikit-learn's clustering, pyannote.metrics' DER.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from bench.diarization import diarization_error_rate
from indexer.cli import main
from indexer.config import Settings
from indexer.decode import load_audio
from indexer.pipeline import Indexer, IndexOptions
from indexer.records import (
    Entity,
    MediaInfo,
    Metadata,
    OfficialLayer,
    Segment,
    Speaker,
    Transcript,
    Word,
)
from indexer.search_index import SegmentSearcher, postings
from indexer.speakers.diarize import (
    Diarization,
    Diarizer,
    diarize_transcript,
    label_official,
    split_by_speaker,
)
from indexer.speakers.embedding import Window
from indexer.speakers.rttm import read_rttm, speaker_turns, to_rttm
from indexer.store import load_transcript, save_transcript
from tests.conftest import FIXTURES, ROOT, make_data_dir

CONFERENCE = FIXTURES / "fr_press_conference.ogg"
BRIEFING = FIXTURES / "fr_press_briefing.ogg"
RASMUSSEN = "Anders Fogh Rasmussen"


@pytest.fixture(scope="module")
def speakers_indexer(models_dir: Path, tmp_path_factory) -> Indexer:
    data = make_data_dir(tmp_path_factory.mktemp("speakers") / "data", models_dir)
    return Indexer(Settings(data_dir=data), IndexOptions())


@pytest.fixture(scope="module")
def conference(speakers_indexer: Indexer, tmp_path_factory) -> Transcript:
    media = tmp_path_factory.mktemp("conference") / CONFERENCE.name
    shutil.copyfile(CONFERENCE, media)
    media.with_suffix(".json").write_text(json.dumps({"speaker": RASMUSSEN}))
    outcome = speakers_indexer.index_file(media)
    assert outcome.status == "indexed", outcome.reason
    assert outcome.stages["speakers"] > 0
    return load_transcript(speakers_indexer.settings.transcripts_dir, outcome.video_id)


def test_the_voice_encoder_loads_without_network():
    # A new network namespace has no interface but lo: any download attempt would fail.
    if shutil.which("unshare") is None or subprocess.run(
            ["unshare", "-rn", "true"], capture_output=True).returncode != 0:
        pytest.skip("unshare -rn (a process without network) is not available here")
    code = ("import numpy as np\n"
            "from indexer.speakers.embedding import embed_windows\n"
            "rng = np.random.default_rng(0)\n"
            "windows = embed_windows(rng.normal(0, 0.1, 32000).astype('float32'), [(0, 1)])\n"
            "print(len(windows), windows[0].embedding.shape)\n")
    result = subprocess.run(["unshare", "-rn", sys.executable, "-c", code], cwd=ROOT,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split()[-2:] == ["1", "(256,)"]


def test_press_conference_three_voices_and_der(conference: Transcript):
    assert conference.schema == 3
    assert [s.id for s in conference.speakers] == ["S1", "S2", "S3"]
    reference = read_rttm(CONFERENCE.with_suffix(".rttm"))
    der = diarization_error_rate(reference, speaker_turns(conference.reading()))
    assert der <= 0.10, f"DER {der:.1%}"
    # The official opens and closes; every passage has one speaker among the three.
    reading = conference.reading()
    assert reading[0].speaker == reading[-1].speaker == "S1"
    assert {s.speaker for s in reading} == {"S1", "S2", "S3"}
    # The metadata speaker is taken to be the voice heard longest, unconfirmed.
    assert [(s.name, s.confirmed) for s in conference.speakers] == [
        (RASMUSSEN, False), ("", False), ("", False)]
    # Passages were cut where the journalist's question gave way to the answer.
    question_end = reference[1][1]
    assert any(abs(s.start - question_end) < 1.5 and s.speaker == "S1" for s in reading)


def _said(results) -> list[tuple[str, float, str]]:
    return [(hit.speaker, hit.start, hit.text) for hit in results.hits]


def test_speaker_filter_finds_only_that_speakers_passages(speakers_indexer: Indexer,
                                                          conference: Transcript, gazetteer,
                                                          monkeypatch):
    searcher = SegmentSearcher(speakers_indexer.settings.index_dir, gazetteer)
    everyone = searcher.search("afghanistan", facets=True)
    assert {hit.speaker for hit in everyone.hits} == {RASMUSSEN, "Speaker 2"}
    assert everyone.facets["speaker"] == {RASMUSSEN: 1}  # unnamed voices are no facet value
    his = searcher.search("speaker:rasmussen afghanistan", facets=True)
    official = {(s.start, s.text) for s in conference.reading() if s.speaker == "S1"}
    assert his.total == 1 and {(h.start, h.text) for h in his.hits} <= official
    assert {hit.speaker for hit in his.hits} == {RASMUSSEN}
    # Whoosh's own searcher (the fallback) gives the same answer as the array path.
    monkeypatch.setattr(postings.SegmentPostings, "term", _broken)
    again = SegmentSearcher(speakers_indexer.settings.index_dir, gazetteer)
    assert _said(again.search("speaker:rasmussen afghanistan")) == _said(his)
    assert _said(again.search("afghanistan")) == _said(everyone)


def _broken(*_args, **_kwargs):
    raise RuntimeError("simulated: the array path fails")


def test_given_number_of_speakers_is_kept(conference: Transcript):
    audio = load_audio(CONFERENCE)
    assert len(Diarizer(speakers=2).diarize(audio, conference.segments).speakers) == 2


def test_one_voice_takes_the_metadata_speaker(speakers_indexer: Indexer, tmp_path: Path):
    media = tmp_path / "fr_otan.flac"
    shutil.copyfile(FIXTURES / "fr_otan.flac", media)
    media.with_suffix(".json").write_text(json.dumps({"speaker": "Anders Fogh Rasmussen"}))
    outcome = speakers_indexer.index_file(media)
    assert outcome.status == "indexed", outcome.reason
    transcript = load_transcript(speakers_indexer.settings.transcripts_dir, outcome.video_id)
    assert [(s.id, s.name) for s in transcript.speakers] == [("S1", "Anders Fogh Rasmussen")]
    assert {s.speaker for s in transcript.segments} == {"S1"}


def test_two_speaker_call_der(corpus: Path, speakers_indexer: Indexer, tmp_path: Path):
    media = tmp_path / "call.wav"
    shutil.copyfile(corpus / "en_twospeakers_pyannote.wav", media)
    outcome = speakers_indexer.index_file(media)
    assert outcome.status == "indexed", outcome.reason
    transcript = load_transcript(speakers_indexer.settings.transcripts_dir, outcome.video_id)
    assert len(transcript.speakers) == 2
    der = diarization_error_rate(read_rttm(corpus / "en_twospeakers_pyannote.rttm"),
                                 speaker_turns(transcript.reading()))
    assert der <= 0.15, f"DER {der:.1%}"


def test_diarize_command_adds_speakers_to_an_old_transcript(speakers_indexer: Indexer,
                                                            conference: Transcript):
    # The conference's transcript as schema 2 wrote it: no speakers, passages not split.
    settings = speakers_indexer.settings
    old = conference.to_dict()
    old["schema"] = 2
    del old["speakers"]
    for segment in old["segments"]:
        del segment["speaker"]
    loaded = Transcript.from_dict(old)
    assert loaded.speakers == [] and {s.speaker for s in loaded.segments} == {""}
    assert loaded.speaker_label(loaded.segments[0]) == loaded.metadata.speaker
    save_transcript(settings.transcripts_dir, loaded)
    result = CliRunner().invoke(main, ["--data-dir", str(settings.data_dir), "diarize",
                                       conference.video_id])
    assert result.exit_code == 0, result.output
    assert "3 speaker(s)" in result.output
    again = load_transcript(settings.transcripts_dir, conference.video_id)
    assert len(again.speakers) == 3 and all(s.speaker for s in again.segments)


def test_diarize_command_says_what_to_do_without_the_recording(speakers_indexer: Indexer,
                                                              conference: Transcript):
    settings = speakers_indexer.settings
    moved = Transcript.from_dict(conference.to_dict())
    moved.media.path = "/nowhere/conference.ogg"
    save_transcript(settings.transcripts_dir, moved)
    result = CliRunner().invoke(main, ["--data-dir", str(settings.data_dir), "diarize",
                                       conference.video_id])
    assert result.exit_code != 0 and "--media" in result.output
    save_transcript(settings.transcripts_dir, conference)


def _windows(spans: list[tuple[float, float, int]]) -> Diarization:
    vectors = np.eye(2)
    return Diarization([Window(s, e, vectors[k]) for s, e, k in spans],
                       np.array([k for _, _, k in spans]), [Speaker("S1"), Speaker("S2")])


def test_a_passage_is_cut_where_the_speaker_changes_and_keeps_its_entities():
    text = "Merci. Et l'OTAN ? Oui, l'OTAN reste forte."
    words = [Word(0.0, 0.5, " Merci.", 1), Word(0.6, 0.8, " Et", 1),
             Word(0.8, 1.4, " l'OTAN", 1), Word(1.4, 1.5, " ?", 1),
             Word(2.0, 2.3, " Oui,", 1), Word(2.3, 2.8, " l'OTAN", 1),
             Word(2.8, 3.2, " reste", 1), Word(3.2, 3.6, " forte.", 1)]
    entities = [Entity("org:nato", "ORG", "OTAN", 12, 16),
                Entity("org:nato", "ORG", "OTAN", 26, 30)]
    segment = Segment(0.0, 3.6, text, words, language="fr", entities=entities)
    parts = split_by_speaker(segment, _windows([(0.0, 1.5, 0), (2.0, 3.6, 1)]))
    assert [(p.text, p.speaker) for p in parts] == [("Merci. Et l'OTAN ?", "S1"),
                                                    ("Oui, l'OTAN reste forte.", "S2")]
    assert [p.text[e.start_char:e.end_char] for p in parts for e in p.entities] == ["OTAN"] * 2
    assert parts[0].start == 0.0 and parts[1].start == 2.0 and parts[1].end == 3.6
    assert all(p.language == "fr" for p in parts)


def test_rttm_round_trip(tmp_path: Path):
    turns = [(0.3, 11.0, "S1"), (11.6, 19.4, "Anders Fogh Rasmussen")]
    path = tmp_path / "x.rttm"
    path.write_text(to_rttm("video one", turns))
    assert read_rttm(path) == [(0.3, 11.0, "S1"), (11.6, 19.4, "Anders_Fogh_Rasmussen")]


def test_diarize_transcript_keeps_names_given_before(conference: Transcript):
    named = Transcript.from_dict(conference.to_dict())
    named.speakers[0].name = "Porte-parole"
    again = diarize_transcript(named, load_audio(CONFERENCE))
    assert again.speakers[0].name == "Porte-parole"
    assert again.speaker_labels()["S2"] == "Speaker 2"


def test_schema_1_file_loads_without_speakers():
    data = {"video_id": "0" * 16, "schema": 1, "engine": "e", "model": "m", "language": "fr",
            "languages": ["fr"], "created": "2009-12-04T00:00:00+00:00",
            "media": {"path": "x", "sha256": "0" * 64, "size": 1, "container": "ogg",
                      "duration": 1.0, "has_video": False},
            "metadata": {"title": "t", "date": "", "speaker": "A. F. Rasmussen", "event": ""},
            "segments": [{"start": 0, "end": 1, "text": "Bonjour"}]}
    transcript = Transcript.from_dict(data)
    assert transcript.schema == 3 and transcript.speakers == []
    assert transcript.speaker_label(transcript.segments[0]) == "A. F. Rasmussen"
    assert Metadata(**data["metadata"]).speaker == "A. F. Rasmussen"


def test_an_official_text_attached_later_takes_the_speakers_of_the_voices():
    asr = [Segment(0.0, 1.5, "Merci. Et l'OTAN ?", [Word(0.0, 0.5, " Merci.", 1),
                                                    Word(0.6, 1.4, " Et l'OTAN ?", 1)],
                   speaker="S2"),
           Segment(2.0, 3.6, "Oui, elle reste forte.", [Word(2.0, 2.3, " Oui,", 1),
                                                        Word(2.3, 3.6, " elle reste forte.", 1)],
                   speaker="S1")]
    official = [Segment(0.0, 3.6, "Merci. Et l'OTAN ? Oui, elle reste forte.",
                        [Word(0.0, 0.5, "Merci.", 1), Word(0.6, 0.8, "Et", 1),
                         Word(0.8, 1.4, "l'OTAN ?", 1), Word(2.0, 2.3, "Oui,", 1),
                         Word(2.3, 2.8, "elle", 1), Word(2.8, 3.6, "reste forte.", 1)],
                        source="official")]
    layer = OfficialLayer("t.txt", "text", "", "fr", 1.0, [], [], [], official)
    transcript = Transcript("b" * 16, MediaInfo("/m.ogg", "b" * 64, 1, "ogg", 4.0, False),
                            Metadata(), "e", "m", "fr", ["fr"], asr, "2026-01-01",
                            speakers=[Speaker("S1", "Porte-parole"), Speaker("S2")])
    labelled = label_official(transcript, layer).segments
    assert [(s.text, s.speaker, s.source) for s in labelled] == [
        ("Merci. Et l'OTAN ?", "S2", "official"), ("Oui, elle reste forte.", "S1", "official")]
    unseparated = replace(transcript, speakers=[])
    assert label_official(unseparated, layer) is layer


def test_export_rttm_from_the_cli(speakers_indexer: Indexer, conference: Transcript):
    result = CliRunner().invoke(main, ["--data-dir", str(speakers_indexer.settings.data_dir),
                                       "export", conference.video_id, "--format", "rttm"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines and all(line.startswith(f"SPEAKER {conference.video_id} 1 ") for line in lines)
    assert {line.split()[7] for line in lines} == {"Anders_Fogh_Rasmussen", "Speaker_2",
                                                    "Speaker_3"}


def test_no_diarize_leaves_the_voices_unseparated(models_dir: Path, tmp_path: Path):
    data = make_data_dir(tmp_path / "data", models_dir)
    media = tmp_path / "fr_otan.flac"
    shutil.copyfile(FIXTURES / "fr_otan.flac", media)
    result = CliRunner().invoke(main, ["--data-dir", str(data), "index", str(media),
                                       "--no-diarize", "--speaker", RASMUSSEN])
    assert result.exit_code == 0, result.output
    video_id = next((data / "transcripts").glob("*.json")).stem
    transcript = load_transcript(data / "transcripts", video_id)
    assert transcript.speakers == [] and {s.speaker for s in transcript.segments} == {""}
    assert transcript.speaker_label(transcript.segments[0]) == RASMUSSEN
