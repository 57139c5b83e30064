"""A correction's follow-up job: the changed words re-timed on the audio by the forced aligner
(faster-whisper, real base model), the changed passages tagged again by spaCy and the
gazetteer, saved as a revision of its own unless an archivist saved since. The recording is
made word by word (spoken_words.py), so every word's true time is known."""

from __future__ import annotations

from pathlib import Path

import pytest
from spoken_words import speak
from test_archivist import add_account
from test_corrections_site import csrf, login

from indexer.config import Settings
from indexer.corrections import Edit, RevisionStore, save_edits
from indexer.corrections.realign import changed_flags
from indexer.corrections.replace import find, new_batch, run_batch, undo_batch
from indexer.jobs.realign_jobs import enqueue_batch_realign, is_realign_job
from indexer.jobs.runner import make_indexer, run_job
from indexer.pipeline import Indexer, IndexOptions
from indexer.store import load_transcript
from search_app import create_app

WORDS = "Nous partons pour Iqaluit Kuujjuaq et le Nunavut".split()
TRUE_TEXT = " ".join(WORDS) + "."
# Seconds: Whisper base's cross-attention puts word starts up to ~0.2 s early (20 ms frames,
# median-filtered); spreading put words seconds off.
TOLERANCE = 0.25


@pytest.fixture(scope="module")
def spoken(tmp_path_factory, models_dir: Path):
    """The recording (a pause of 1.2 s after "Iqaluit"), indexed for real; the true times.
    Whisper base hears the names as other words ("écaler. Que je l'acquête"), so the
    archivist's names replace a run of words over the pause, and spreading puts them off."""
    root = tmp_path_factory.mktemp("realign")
    truth = speak(WORDS, root / "voyage.wav", pauses={3: 1.2})
    data = root / "data"
    data.mkdir()
    (data / "models").symlink_to(models_dir.resolve(), target_is_directory=True)
    indexer = Indexer(Settings(data_dir=data), IndexOptions())
    outcome = indexer.index_file(root / "voyage.wav")
    assert outcome.status == "indexed", outcome.reason
    return indexer, outcome.video_id, truth


@pytest.fixture
def app(spoken, tmp_path: Path, database_url: str):
    indexer, video_id, _ = spoken
    # Each test corrects a copy of the data dir (its own transcripts, index and revisions).
    import shutil
    data = tmp_path / "data"
    shutil.copytree(indexer.settings.data_dir, data, symlinks=True)
    app = create_app({"TESTING": True, "DATA_DIR": str(data), "DATABASE_URL": database_url,
                      "JOB_WORKERS": 0})
    add_account(app, "archivist@example.org", "archivist")
    return app


def post(client, video_id: str, base: int, operation: str, text: str = ""):
    token = csrf(client, f"/videos/{video_id}")
    return client.post(f"/videos/{video_id}/passages/0", data={
        "csrf_token": token, "base": base, "operation": operation, "text": text})


def correct(client, settings, video_id: str, text: str) -> int:
    """The archivist makes the sentence one passage (Whisper may cut it at the pause), then
    types its true text; the revision of the text."""
    while len(load_transcript(settings.transcripts_dir, video_id).reading()) > 1:
        post(client, video_id, load_transcript(settings.transcripts_dir, video_id).revision,
             "merge")
    base = load_transcript(settings.transcripts_dir, video_id).revision
    post(client, video_id, base, "text", text)
    return base + 1


def start_errors(words, truth) -> dict[str, float]:
    true_start = {w.text: w.start for w in truth if w.text != "le"}
    return {w.word.strip(" .").strip(): abs(w.start - true_start[w.word.strip(" .")])
            for w in words if w.word.strip(" .") in true_start}


def test_the_job_times_the_new_words_on_the_audio_and_tags_them(spoken, app) -> None:
    _, video_id, truth = spoken
    client = login(app, "archivist@example.org")
    settings = app.extensions["archive"].settings
    machine = load_transcript(settings.transcripts_dir, video_id)
    assert " ".join(s.text for s in machine.segments) != TRUE_TEXT  # Whisper mishears espeak
    number = correct(client, settings, video_id, TRUE_TEXT)
    spread = load_transcript(settings.transcripts_dir, video_id)
    assert spread.revision == number
    flags = changed_flags(machine.segments, spread.reading()[0])
    spread_errors = start_errors([w for w, new in zip(spread.reading()[0].words, flags) if new],
                                 truth)
    # The save spread the new words: at least one sits well off its true time.
    assert max(spread_errors.values()) > 2 * TOLERANCE, spread_errors

    queue = app.extensions["jobs"]
    [job] = [j for j in queue.recent(5) if is_realign_job(j)]
    assert job.video_id == video_id
    assert run_job(queue, job.id, make_indexer(queue)) == "done"
    refined = load_transcript(settings.transcripts_dir, video_id)
    assert refined.revision == number + 1
    entry = RevisionStore(settings.data_dir, video_id).revision(number + 1)
    assert entry.kind == "realign" and entry.author == "speechsearch"
    passage = refined.reading()[0]
    assert passage.text.strip() == TRUE_TEXT and passage.corrected  # still the archivist's
    errors = start_errors([w for w, new in zip(passage.words, flags) if new], truth)
    assert errors.keys() == spread_errors.keys()
    assert max(errors.values()) <= TOLERANCE, errors
    # Unchanged words kept their times.
    kept = [w for w, new in zip(spread.reading()[0].words, flags) if not new]
    assert kept == [w for w, new in zip(passage.words, flags) if not new]
    # spaCy tagged the corrected names: searchable by entity.
    assert "Nunavut" in {e.text for e in passage.entities}
    hits = client.get("/api/search?q=entity:loc:nunavut").json["hits"]
    assert [h["video_id"] for h in hits] == [video_id]
    assert "re-timed" in client.get(f"/videos/{video_id}/history?ui=en").text


def test_a_newer_archivist_edit_is_never_overwritten(spoken, app) -> None:
    _, video_id, _ = spoken
    client = login(app, "archivist@example.org")
    settings = app.extensions["archive"].settings
    number = correct(client, settings, video_id, TRUE_TEXT)
    # A second archivist saves before the job runs.
    archive = app.extensions["archive"]
    save_edits(settings, archive.gazetteer, video_id,
               [Edit("text", 0, text=TRUE_TEXT.replace("Nous", "Vous"))], base=number,
               author="second@example.org")
    queue = app.extensions["jobs"]
    jobs = [j for j in queue.recent(5) if is_realign_job(j)]
    assert len(jobs) == 1  # save_edits alone (the CLI's path) queues nothing
    assert run_job(queue, jobs[0].id, make_indexer(queue)) == "done"
    assert f"revision {number + 1} was saved since" in queue.get(jobs[0].id).error
    transcript = load_transcript(settings.transcripts_dir, video_id)
    assert transcript.revision == number + 1 and "Vous" in transcript.reading()[0].text


def test_a_replace_batch_is_refined_too_and_still_undone_as_a_batch(spoken, app) -> None:
    _, video_id, truth = spoken
    settings, archive = app.extensions["archive"].settings, app.extensions["archive"]
    # Whisper may cut the sentence at the pause: the word after it may open a second passage.
    heard = [w for passage in load_transcript(settings.transcripts_dir, video_id).reading()
             for w in passage.words]
    wrong = next(w.word.strip(" .,;:!?") for w in heard
                 if w.start > 3.0 and len(w.word.strip(" .,;:!?")) > 2)
    keys = [o.key for o in find(settings, wrong)]
    batch = run_batch(settings, archive.gazetteer, new_batch(wrong, "Kuujjuaq", keys,
                                                             "desk@example.org"))
    number = batch.videos[video_id]
    queue = app.extensions["jobs"]
    enqueue_batch_realign(queue, batch)
    [job] = [j for j in queue.recent(5) if is_realign_job(j)]
    assert run_job(queue, job.id, make_indexer(queue)) == "done"
    store = RevisionStore(settings.data_dir, video_id)
    assert store.revision(number + 1).kind == "realign"
    # The follow-up is part of the batch's change: undoing the batch is not refused for it.
    undone = undo_batch(settings, archive.gazetteer, batch.id, "desk@example.org")
    assert undone.skipped == {} and video_id in undone.undone
    assert not any("Kuujjuaq" in passage.text for passage in
                   load_transcript(settings.transcripts_dir, video_id).reading())
