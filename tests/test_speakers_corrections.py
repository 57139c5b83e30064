"""Speakers (issue 17) and corrections (issue 16) together, on the press conference transcribed
and diarized for real (three voices): a correction keeps the passage's speaker, the editor
gives a passage another of the video's voices, naming a voice shows in the corrected layer,
and `speechsearch diarize` keeps the corrections.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import test_speakers_site as speakers_site
from click.testing import CliRunner
from conftest import FIXTURES
from test_speakers_site import CSRF, NAME, login

from indexer.cli import main
from indexer.corrections import Edit, RevisionStore, save_edits
from indexer.corrections.edits import retext
from indexer.decode import load_audio
from indexer.export import export
from indexer.gazetteer import Gazetteer
from indexer.records import CorrectedLayer
from indexer.speakers.diarize import diarize_transcript
from indexer.store import load_transcript

NOW = "2026-12-07T08:00:00+00:00"

# The same fixtures: the conference indexed once (this module's own), a site on a copy of it.
conference = speakers_site.conference
site = speakers_site.site


def _data(app) -> Path:
    return Path(app.config["DATA_DIR"])


def _edit(client, video_id: str, token: str, passage: int, base: int, operation: str,
          **fields):
    return client.post(f"/videos/{video_id}/passages/{passage}", data={
        "csrf_token": token, "base": base, "operation": operation, **fields})


def test_the_editor_keeps_and_sets_speakers_and_names_show_in_the_corrected_layer(site):
    app, video_id, transcript = site
    transcripts = _data(app) / "transcripts"
    archivist = login(app, "archivist@example.org")
    page = archivist.get(f"/videos/{video_id}?ui=en").text
    token = CSRF.search(page).group(1)
    assert '<select id="editor-speaker" name="speaker">' in page
    assert '<option value="S3">Speaker 3</option>' in page
    reading = transcript.reading()
    index = next(i for i, s in enumerate(reading) if s.speaker == "S2" and len(s.words) > 2)

    # A new text, then a split: the passage's speaker stays.
    text = reading[index].text.strip() + " Kaboul"
    _edit(archivist, video_id, token, index, 0, "text", text=text)
    _edit(archivist, video_id, token, index, 1, "split", word=2)
    saved = load_transcript(transcripts, video_id)
    assert saved.revision == 2
    first, second = saved.reading()[index:index + 2]
    assert (first.speaker, second.speaker) == ("S2", "S2") and first.corrected

    # The editor gives the second half to another voice; a voice the video lacks is refused.
    _edit(archivist, video_id, token, index + 1, 2, "speaker", speaker="S3")
    refused = archivist.get(_edit(archivist, video_id, token, index + 1, 3, "speaker",
                                  speaker="S9").location + "&ui=en").text
    assert "Nothing was saved" in refused and "not one of this video" in refused
    saved = load_transcript(transcripts, video_id)
    assert saved.revision == 3 and saved.reading()[index + 1].speaker == "S3"
    # Passages of two voices are not merged into one.
    refused = archivist.get(_edit(archivist, video_id, token, index, 3, "merge").location).text
    assert "two speakers" in refused
    assert load_transcript(transcripts, video_id).revision == 3

    # Naming the voice names the corrected passage: search, player, exports.
    archivist.post(f"/videos/{video_id}/speakers/S3", data={"name": NAME, "csrf_token": token})
    named = load_transcript(transcripts, video_id)
    assert named.corrected is not None and named.revision == 3
    hits = app.test_client().get("/api/search?q=speaker:journaliste kaboul").json["hits"]
    assert [(h["start"], h["speaker"]) for h in hits] == [(second.start, NAME)]
    player = app.test_client().get(f"/videos/{video_id}").text
    assert f'data-speaker="S3" data-speaker-name="{NAME}"' in player
    assert f"{NAME}: {named.reading()[index + 1].text.strip()}" in export(named, "srt")


def test_diarize_again_keeps_the_corrections_without_a_revision(site):
    app, video_id, transcript = site
    data = _data(app)
    settings = app.extensions["archive"].settings
    gazetteer = Gazetteer.load(settings.gazetteer_path)
    reading = transcript.reading()
    index = next(i for i, s in enumerate(reading) if s.speaker == "S1")
    edits = [Edit("text", index, text=reading[index].text.strip() + " Nunavut"),
             Edit("speaker", index, speaker="S2")]
    save_edits(settings, gazetteer, video_id, edits, base=0, author="archivist@example.org")
    before = load_transcript(settings.transcripts_dir, video_id)
    corrected = before.reading()[index]

    result = CliRunner().invoke(main, ["--data-dir", str(data), "diarize", video_id])
    assert result.exit_code == 0, result.output
    assert "1 corrected passage(s) kept (revision 1)" in result.output
    after = load_transcript(settings.transcripts_dir, video_id)
    # The same voices keep their ids, and the corrected passage its text, times and speaker.
    assert [s.id for s in after.speakers] == [s.id for s in before.speakers]
    kept = [s for s in after.reading() if s.corrected]
    assert [(s.start, s.end, s.text, s.speaker) for s in kept] == [
        (corrected.start, corrected.end, corrected.text, "S2")]
    assert after.revision == before.revision == 1
    assert [r.number for r in RevisionStore(data, video_id).revisions()] == [0, 1]
    hits = app.test_client().get("/api/search?q=nunavut").json["hits"]
    assert [h["start"] for h in hits] == [corrected.start]


def test_voices_told_apart_after_corrections_label_the_corrected_layer(site):
    # A transcript corrected before its voices were told apart (schema 2, then corrections).
    app, video_id, transcript = site
    plain = replace(transcript, speakers=[],
                    segments=[replace(s, speaker="") for s in transcript.segments])
    first = plain.reading()[0]
    fixed = retext(first, first.text.strip() + " Nunavut", NOW)
    layer = CorrectedLayer("asr", [fixed, *plain.reading()[1:]])
    corrected = replace(plain, revision=1, corrected=layer)
    again = diarize_transcript(corrected, load_audio(FIXTURES / "fr_press_conference.ogg"))
    assert [s.id for s in again.speakers] == ["S1", "S2", "S3"]
    reading = again.reading()
    assert reading[0] == replace(fixed, speaker="S1")  # kept whole, said by its voice
    assert [s for s in reading if s.corrected] == [reading[0]]
    # The passages not corrected are the new diarization's: every one has a voice.
    assert reading[1:] == [s for s in again.segments if s.start >= fixed.end]
    assert {s.speaker for s in reading} == {"S1", "S2", "S3"} and again.revision == 1
