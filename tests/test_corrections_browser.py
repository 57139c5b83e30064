"""An archivist corrects a passage in a real browser (Chromium via Playwright, against
`speechsearch serve`): the search finds the corrected word and no longer the old one; a revert
on the history page brings the old word back. axe-core checks the editor and the history."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import serving
from corrections_support import FR, indexed_copy
from test_browser import browser, csp_checked_context, serious_violations  # noqa: F401

from indexer.cli import main

pytestmark = pytest.mark.browser
PASSWORD = "Quote-Check-2009!"


@pytest.fixture
def archive(tmp_path: Path, indexed) -> Path:
    data = indexed_copy(tmp_path, indexed).data_dir
    added = CliRunner().invoke(main, ["users", "add", "desk@example.org", "--role", "archivist",
                                      "--password-stdin", "--data-dir", str(data)],
                               input=PASSWORD + "\n")
    assert added.exit_code == 0, added.output
    return data


@pytest.fixture
def page(browser):  # noqa: F811 (the fixture imported above)
    with csp_checked_context(browser, locale="en-GB") as context:
        yield context.new_page()


def hit_count(page, base: str, query: str) -> int:
    page.goto(f"{base}/search?q={query}&ui=en")
    return page.locator("ol.hits li.hit").count()


def test_correct_search_and_revert(archive: Path, page) -> None:
    with serving(archive) as base:
        page.goto(f"{base}/login?ui=en")
        page.fill("#email", "desk@example.org")
        page.fill("#password", PASSWORD)
        page.click("main form button[type=submit]")
        assert hit_count(page, base, "Afghanistan") == 1
        page.goto(f"{base}/videos/{FR}?ui=en")
        page.locator("#segments .segment").first.locator(".edit-passage").click()
        editor = page.locator("#passage-editor")
        assert editor.is_visible()
        text = page.input_value("#editor-text")
        assert "Afghanistan" in text
        assert serious_violations(page) == []
        page.fill("#editor-text", text.replace("Afghanistan", "Nunavut"))
        page.fill("#editor-message", "the place")
        page.click("#passage-editor button[value=text]")
        page.wait_for_selector("text=Saved as revision 1")
        first = page.locator("#segments .segment").first
        assert "Nunavut" in first.inner_text()
        assert "corrected by an archivist on" in first.inner_text()

        assert hit_count(page, base, "Nunavut") == 1
        assert hit_count(page, base, "Afghanistan") == 0

        page.goto(f"{base}/videos/{FR}/history?ui=en")
        assert page.locator(".diff del").inner_text() == "Afghanistan"
        assert page.locator(".diff ins").inner_text() == "Nunavut"
        assert serious_violations(page) == []
        page.click("text=Revert to revision 0")
        page.wait_for_selector("text=Saved as revision 2")
        assert "Back to revision 0" in page.locator("table.revisions").inner_text()

        assert hit_count(page, base, "Afghanistan") == 1
        assert hit_count(page, base, "Nunavut") == 0
