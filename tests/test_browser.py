"""The player in a real browser (Debian's Chromium driven by Playwright) against `serve`."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import free_port

from indexer.pipeline import Indexer

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(indexed: Indexer):
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "indexer", "--data-dir", str(indexed.settings.data_dir),
         "serve", "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(base + "/").close()
            break
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                raise RuntimeError("speechsearch serve did not start")
            time.sleep(0.2)
    yield base
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"])
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    yield page
    context.close()


def current_time(page) -> float:
    return page.eval_on_selector("#player", "p => p.currentTime")


def test_search_hit_opens_the_player_at_its_second(server: str, page) -> None:
    page.goto(f"{server}/search?q=brussels&ui=en")
    link = page.locator(".video", has_text="mixed fr en").locator("a.play").first
    href = link.get_attribute("href")
    start = float(href.split("#t=")[1].split(",")[0])
    assert start > 5  # the English half of the mixed file
    link.click()
    page.wait_for_function("s => Math.abs(document.getElementById('player').currentTime - s)"
                           " < 0.5", arg=start)
    page.wait_for_function("s => { const on = document.querySelector('.segment.speaking');"
                           " return on && Math.abs(parseFloat(on.dataset.start) - s) < 0.05; }",
                           arg=start)
    assert page.locator(".segment.speaking").count() == 1


def test_clicking_a_segment_seeks_there(server: str, page) -> None:
    page.goto(f"{server}/search?q=brussels&ui=en")
    page.locator(".video", has_text="mixed fr en").locator("a.play").first.click()
    page.wait_for_function("document.getElementById('player').currentTime > 5")
    first = page.locator("#segments .segment").first
    first.locator(".text").click()
    page.wait_for_function("document.getElementById('player').currentTime < 1")
    page.wait_for_function("document.querySelector('#segments .segment')"
                           ".classList.contains('speaking')")
    assert "#t=" in page.url


def test_query_parameter_t_and_citation(server: str, page) -> None:
    page.goto(f"{server}/search?q=brussels&ui=en")
    href = page.locator(".video", has_text="mixed fr en").locator("h2 a").get_attribute("href")
    page.goto(f"{server}{href}?t=11&ui=en")
    page.wait_for_function("Math.abs(document.getElementById('player').currentTime - 11) < 0.5")
    page.click("#cite")
    status = page.locator("#cite-status")
    status.wait_for()
    page.wait_for_function("document.getElementById('cite-status').textContent.length > 10")
    text = status.text_content()
    assert "mixed fr en" in text and "Brussels" in text and "#t=" in text
