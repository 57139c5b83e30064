"""Corrections survive `speechsearch index --force` (transcribed again for real with Whisper
base): the corrected passage is kept, matched by time, the others are new; the command says
how many were kept. `--discard-corrections` drops them, as a revision that can be reverted."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from conftest import FIXTURES
from corrections_support import found, indexed_copy

from indexer.cli import main
from indexer.corrections import Edit, RevisionStore, save_edits
from indexer.corrections.retranscribe import merge_by_time
from indexer.pipeline import Indexer
from indexer.records import Segment
from indexer.reindex_journal import pending
from indexer.store import load_transcript

MIXED = "04d10ec921ddbc4e"  # mixed_fr_en.ogg: a French passage, then an English one


def test_merge_by_time_keeps_corrected_passages_in_place_of_overlapping_ones() -> None:
    fresh = [Segment(0, 4, "a"), Segment(4, 8, "b"), Segment(8, 12, "c")]
    corrected = [Segment(3.5, 8.5, "B!", corrected="2026-12-07")]
    merged = merge_by_time(corrected, fresh)
    assert [s.text for s in merged] == ["a", "B!", "c"]  # b is covered; a and c barely


def test_force_keeps_corrections_and_discard_drops_them_revertibly(
        tmp_path: Path, indexed: Indexer, gazetteer, models_dir: Path) -> None:
    indexed.index_file(FIXTURES / "mixed_fr_en.ogg")  # in the session's archive too
    settings = indexed_copy(tmp_path, indexed, MIXED)
    (settings.data_dir / "models").symlink_to(models_dir.resolve(), target_is_directory=True)
    before = load_transcript(settings.transcripts_dir, MIXED)
    assert len(before.reading()) == 2 and "ministers" in before.reading()[1].text
    save_edits(settings, gazetteer, MIXED, [Edit("text", 1, text=before.reading()[1].text
                                                 .replace("ministers", "envoys"))],
               base=0, author="desk@example.org")

    def index(*options: str):
        result = CliRunner().invoke(main, ["index", str(FIXTURES / "mixed_fr_en.ogg"),
                                           "--force", *options,
                                           "--data-dir", str(settings.data_dir)])
        assert result.exit_code == 0, result.output
        return result.output

    output = index()
    assert "1 corrected passage(s) kept (revision 2)" in output
    again = load_transcript(settings.transcripts_dir, MIXED)
    assert again.revision == 2 and [bool(s.corrected) for s in again.reading()] == [False, True]
    assert "envoys" in again.reading()[1].text and "Conseil" in again.reading()[0].text
    assert found(settings, gazetteer, "envoys") == {MIXED}
    assert pending(settings.data_dir) == []
    assert RevisionStore(settings.data_dir, MIXED).revision(2).kind == "retranscribe"

    output = index("--discard-corrections")
    assert "1 corrected passage(s) discarded (revision 3" in output
    assert found(settings, gazetteer, "envoys") == set()
    assert not any(s.corrected for s in load_transcript(settings.transcripts_dir,
                                                        MIXED).reading())
    reverted = CliRunner().invoke(main, ["revert", MIXED, "2", "--data-dir",
                                         str(settings.data_dir)])
    assert reverted.exit_code == 0, reverted.output
    assert found(settings, gazetteer, "envoys") == {MIXED}

    refused = CliRunner().invoke(main, ["index", str(FIXTURES / "mixed_fr_en.ogg"),
                                        "--discard-corrections", "--data-dir",
                                        str(settings.data_dir)])
    assert refused.exit_code == 2 and "goes with --force" in refused.output
