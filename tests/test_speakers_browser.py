"""The speaker journey in a real browser (Chromium, Playwright) against `speechsearch serve`:
an archivist names "Speaker 2" on the player, searches `speaker:` with the name, and finds
only that speaker's passages. The press conference is transcribed and diarized for real."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import FIXTURES, make_data_dir, serving
from test_browser import browser, page, serious_violations  # noqa: F401 - shared fixtures

from indexer.cli import main
from indexer.store import load_transcript

pytestmark = pytest.mark.browser
PASSWORD = "Quote-Check-2009!"
NAME = "Anne Journaliste"


@pytest.fixture
def archive(tmp_path: Path, models_dir: Path) -> tuple[Path, str]:
    data = make_data_dir(tmp_path / "data", models_dir)
    media = tmp_path / "conference.ogg"
    shutil.copyfile(FIXTURES / "fr_press_conference.ogg", media)
    indexed = CliRunner().invoke(main, ["--data-dir", str(data), "index", str(media)])
    assert indexed.exit_code == 0, indexed.output
    added = CliRunner().invoke(main, ["users", "add", "desk@example.org", "--role", "archivist",
                                      "--password-stdin", "--data-dir", str(data)],
                               input=PASSWORD + "\n")
    assert added.exit_code == 0, added.output
    video_id = next((data / "transcripts").glob("*.json")).stem
    return data, video_id


def test_name_a_speaker_then_search_by_that_name(archive, page) -> None:  # noqa: F811
    data, video_id = archive
    transcript = load_transcript(data / "transcripts", video_id)
    hers = [s for s in transcript.reading() if s.speaker == "S2"]
    assert hers
    with serving(data) as base:
        page.goto(f"{base}/login?ui=en")
        page.fill("#email", "desk@example.org")
        page.fill("#password", PASSWORD)
        page.click("main form button[type=submit]")
        page.goto(f"{base}/videos/{video_id}?edit=1&ui=en")
        # The filter shows one speaker's passages only.
        page.select_option("#speaker-filter", "S2")
        visible = page.locator("#segments > li:visible")
        assert visible.count() == len(hers)
        assert set(visible.evaluate_all("els => els.map(e => e.dataset.speaker)")) == {"S2"}
        page.select_option("#speaker-filter", "")
        assert page.locator("#segments > li:visible").count() == len(transcript.reading())
        assert serious_violations(page) == []
        # Name Speaker 2.
        page.fill("#speaker-S2", NAME)
        page.locator("form.name-speaker", has=page.locator("#speaker-S2")).locator(
            "button[type=submit]").click()
        page.wait_for_selector(f'#segments > li[data-speaker-name="{NAME}"]')
        assert page.locator(".segment .speaker", has_text=NAME).count() == len(hers)
        # Search by the name: only her passages, each saying who said it.
        page.goto(f"{base}/search?q=speaker:journaliste&ui=en")
        hits = page.locator("li.hit")
        assert hits.count() == len(hers)
        assert NAME in page.locator("article.video .meta").first.inner_text()
        starts = sorted(float(h.get_attribute("href").split("#t=")[1].split(",")[0])
                        for h in page.locator("li.hit a.play").all())
        assert starts == sorted(round(s.start, 1) for s in hers)
        assert serious_violations(page) == []
