"""The official text on the player in a real browser (Chromium via Playwright, against `serve`):
the word being said is followed, the switch shows the machine transcript, the delivery report
plays its departures; axe-core checks both pages."""

from __future__ import annotations

import pytest
from conftest import serving
from official_support import official_archive
from test_browser import browser, csp_checked_context, serious_violations  # noqa: F401

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def archive(session_indexer, tmp_path_factory):
    return official_archive(session_indexer, tmp_path_factory.mktemp("official"))


@pytest.fixture(scope="module")
def server(archive):
    with serving(archive.data_dir) as base:
        yield base


@pytest.fixture
def page(browser):  # noqa: F811 (the fixture imported above)
    with csp_checked_context(browser, locale="en-GB") as context:
        yield context.new_page()


NOW = "() => { const w = document.querySelector('#segments .w.now'); return w && w.dataset.start; }"


def test_the_word_being_said_is_highlighted_and_moves_on(server: str, archive, page) -> None:
    page.goto(f"{server}/videos/{archive.budget}?ui=en")
    assert "Official text, aligned to the speech" in page.text_content(".layer-label")
    page.locator("#segments .segment").first.locator(".seek").click()  # plays from 0:00
    first = float(page.wait_for_function(NOW).json_value())
    page.wait_for_function(f"s => ({NOW})() && parseFloat(({NOW})()) > s", arg=first)
    assert page.locator(".w.now").count() == 1
    # The highlighted word is the one the player is at.
    at = page.evaluate("""() => { const w = document.querySelector('.w.now');
        return [parseFloat(w.dataset.start), parseFloat(w.dataset.end),
                document.getElementById('player').currentTime]; }""")
    assert at[0] - 0.1 <= at[2] <= at[1] + 0.3


def test_the_switch_shows_the_machine_transcript_and_back(server: str, archive, page) -> None:
    page.goto(f"{server}/videos/{archive.budget}?ui=en")
    toggle = page.locator("#layer-toggle")
    assert toggle.get_attribute("aria-pressed") == "false"
    assert page.locator("#segments-asr").is_hidden()
    toggle.focus()
    page.keyboard.press("Enter")  # a real button: the keyboard works it
    assert toggle.get_attribute("aria-pressed") == "true"
    assert page.locator("#segments").is_hidden() and page.locator("#segments-asr").is_visible()
    assert "28 million" in page.text_content("#segments-asr")
    assert "Machine transcript" in page.locator(".layer-label").inner_text()
    page.locator("#segments-asr .segment").first.locator(".text").click()
    page.wait_for_function("() => document.querySelector('#segments-asr .w.now')")
    assert page.locator("#segments .w.now").count() == 0
    toggle.press("Space")
    assert toggle.get_attribute("aria-pressed") == "false"
    assert page.locator("#segments").is_visible() and page.locator("#segments-asr").is_hidden()
    page.wait_for_function("() => document.querySelector('#segments .segment.speaking')")


def test_the_citation_quotes_the_official_words(server: str, archive, page) -> None:
    page.goto(f"{server}/videos/{archive.budget}?ui=en#t=4.2")
    page.wait_for_function("() => document.querySelector('#segments .segment.speaking')")
    page.click("#cite")
    page.wait_for_function("() => document.getElementById('cite-status').textContent.length > 10")
    text = page.text_content("#cite-status")
    assert "29 million" in text and "said:" not in text


def test_a_departure_plays_from_the_delivery_page(server: str, archive, page) -> None:
    page.goto(f"{server}/videos/{archive.budget}?ui=en")
    page.click("text=Check against delivery")
    row = page.locator("table.departures tr[data-kind=changed]", has_text="29")
    start = float(row.locator("a.play").get_attribute("href").split("#t=")[1].split(",")[0])
    row.locator("a.play").click()
    page.wait_for_function("s => Math.abs(document.getElementById('player').currentTime - s)"
                           " < 0.3", arg=start)
    # Paused there, the word at the playhead is marked: the changed one.
    page.wait_for_function(f"s => Math.abs(parseFloat(({NOW})()) - s) < 0.05", arg=start)
    assert page.text_content("#segments .w.now") == "29"



def test_a_changed_word_shows_what_was_said_when_focused(server: str, archive, page) -> None:
    page.goto(f"{server}/videos/{archive.budget}?ui=en")
    word = page.locator("#segments .w.changed", has_text="29")
    note = word.locator("xpath=following-sibling::span[1]")
    assert word.get_attribute("title") == "said: 28"
    assert note.bounding_box()["width"] <= 1  # for screen readers only, until focused
    word.focus()
    assert note.bounding_box()["width"] > 20 and note.inner_text().strip() == "(said: 28)"

@pytest.mark.parametrize("path", ["/videos/{budget}?ui={ui}", "/videos/{budget}/delivery?ui={ui}",
                                  "/videos/{minister}/delivery?ui={ui}"])
@pytest.mark.parametrize("language", ["en", "fr"])
def test_no_serious_accessibility_violations(server: str, archive, page, path: str,
                                             language: str) -> None:
    page.goto(server + path.format(budget=archive.budget, minister=archive.minister,
                                   ui=language))
    if "delivery" not in path:  # with a highlighted word and a changed word focused
        page.locator("#segments .segment").first.locator(".seek").click()
        page.wait_for_function(NOW)
        page.locator(".w.changed").first.focus()
    assert serious_violations(page) == []


@pytest.mark.parametrize("path", ["/videos/{budget}?ui=fr", "/videos/{budget}/delivery?ui=fr"])
def test_phone_viewport_has_no_horizontal_scrolling(server: str, archive, browser,  # noqa: F811
                                                    path: str) -> None:
    with csp_checked_context(browser, viewport={"width": 360, "height": 740}, is_mobile=True,
                             has_touch=True) as context:
        page = context.new_page()
        page.goto(server + path.format(budget=archive.budget))
        page.wait_for_selector("main h1")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
