"""The quote finder in a real browser (Chromium via Playwright, against `serve`), on the real
archive of quote_support: a misremembered quote pasted, the best place opened at its second,
the difference seen; axe-core checks the page."""

from __future__ import annotations

import pytest
from conftest import serving
from quote_support import quote_archive
from test_browser import browser, csp_checked_context, serious_violations  # noqa: F401
from test_quote_site import remembered

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def archive(session_indexer, tmp_path_factory):
    return quote_archive(session_indexer, tmp_path_factory.mktemp("quotes"))


@pytest.fixture(scope="module")
def server(archive):
    with serving(archive.data_dir) as base:
        yield base


@pytest.fixture(params=["en", "fr"])
def ui(request, browser):  # noqa: F811 (the fixture imported above)
    locale = {"en": "en-GB", "fr": "fr-FR"}[request.param]
    with csp_checked_context(browser, locale=locale) as context:
        yield context.new_page(), request.param


def test_a_misremembered_quote_opens_at_its_second_with_the_diff(server: str, archive,
                                                                  ui) -> None:
    page, language = ui
    index, text = remembered(archive)
    page.goto(server)
    page.click("a[href='/quote']")
    page.fill("textarea[name=q]", text)  # pasted
    page.click(".quote-form button[type=submit]")
    page.wait_for_selector(".quote-hit")
    best = page.locator(".quote-hit").first
    # The difference: the word remembered wrong is struck out, and named for screen readers.
    struck = best.locator(".diff del", has_text="remarquablement")
    assert struck.count() == 1
    assert struck.locator(".visually-hidden").text_content().strip()
    assert best.locator(".diff .same").count() >= 1
    assert serious_violations(page) == []
    play = best.locator("a.play")
    start = float(play.get_attribute("href").split("#t=")[1].split(",")[0])
    assert archive.passages[index].start - 0.1 <= start < archive.passages[index].end
    play.click()
    page.wait_for_selector("#player")
    page.wait_for_function("s => Math.abs(document.getElementById('player').currentTime - s)"
                           " < 0.5", arg=start)


def test_nothing_close_and_a_bad_quote_are_said_so(server: str, ui) -> None:
    page, language = ui
    page.goto(f"{server}/quote?q=the+quick+brown+fox+jumps+over+the+lazy+dog")
    assert page.locator(".quote-hit").count() == 0
    assert page.locator(".results .notice h2").count() == 1
    page.fill("textarea[name=q]", "trop court")
    page.click(".quote-form button[type=submit]")
    page.wait_for_selector("[role=alert]")
    assert page.input_value("textarea[name=q]") == "trop court"
    assert serious_violations(page) == []
