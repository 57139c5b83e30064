"""An archivist in a real browser (Debian's Chromium, Playwright) against `speechsearch serve`,
whose embedded job pool transcribes with the real Whisper: upload, then watch the job finish
on the jobs page without reloading it."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import make_data_dir, serving
from jobs_support import long_speech
from test_browser import CHROMIUM, browser, page  # noqa: F401 - the same Chromium fixtures

from indexer.cli import main

pytestmark = pytest.mark.browser
PASSWORD = "Quote-Check-2009!"


@pytest.fixture
def archive(tmp_path: Path, models_dir: Path) -> Path:
    data = make_data_dir(tmp_path / "data", models_dir)
    added = CliRunner().invoke(main, ["users", "add", "desk@example.org", "--role", "archivist",
                                      "--password-stdin", "--data-dir", str(data)],
                               input=PASSWORD + "\n")
    assert added.exit_code == 0, added.output
    return data


def test_upload_then_the_jobs_page_follows_the_job_live(archive: Path, page, ffmpeg: str,  # noqa: F811
                                                         tmp_path: Path) -> None:
    speech = long_speech(ffmpeg, tmp_path / "media")  # a minute: the job outlasts a page load
    fake = tmp_path / "media" / "minutes.mp4"
    fake.write_text("Minutes of the meeting, not a video.\n")
    # One window at a time: the bar moves as each of the minute's windows is decoded. In
    # batches of 8 the whole minute is one batch, reported at once, and the page's polling
    # may see no step between 0 and done (seen in a full run).
    with serving(archive, env={"SPEECHSEARCH_BATCH_SIZE": "1"}) as base:
        page.goto(f"{base}/login?ui=en")
        page.fill("#email", "desk@example.org")
        page.fill("#password", PASSWORD)
        page.click("main form button[type=submit]")
        page.click("nav.user >> text=Upload")
        # The page's script lists the chosen files when it sees them chosen: files chosen
        # before it has run would never be listed (seen in a full run, the server warm).
        page.wait_for_load_state("load")
        page.set_input_files("#files", [str(speech), str(fake)])
        items = page.locator("#upload-list .upload-item")
        items.nth(1).wait_for()
        assert items.count() == 2
        assert items.nth(0).locator("input").input_value() == "long speech"  # title from name
        page.fill("#speaker", "Jaap de Hoop Scheffer")
        page.click("#upload-button")
        page.wait_for_selector("#upload-list .upload-item.ok")
        page.wait_for_selector("#upload-list .upload-item.failed")
        assert "long_speech.flac is queued for transcription." in items.nth(0).inner_text()
        assert items.nth(0).locator("progress").evaluate("p => p.value") == 100
        assert "minutes.mp4 is not an audio or video file" in items.nth(1).inner_text()

        page.click("nav.user >> text=Jobs")
        row = page.locator("#jobs tbody tr.job").first
        assert row.get_attribute("data-state") in ("queued", "running")
        page.evaluate("window.notReloaded = true")
        # Progress shows while it runs, then the state turns to done: all by polling.
        page.wait_for_function(
            "() => { const p = document.querySelector('#jobs tr.job progress');"
            " return p && p.value > 0 && p.value < 100; }", timeout=240_000)
        page.wait_for_selector("#jobs tr.job[data-state=done]", timeout=240_000)
        assert page.evaluate("window.notReloaded") is True
        done = page.locator("#jobs tr.job").first
        assert "Done" in done.inner_text() and "100 %" in done.inner_text()
        done.locator("a").click()  # the title links to the player once indexed
        assert page.locator("h1").inner_text() == "long speech"
        assert "Jaap de Hoop Scheffer" in page.locator(".meta").first.inner_text()
