"""The player in a real browser (Debian's Chromium driven by Playwright) against `serve`."""

from __future__ import annotations

import re
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


@pytest.fixture(scope="module")
def member(indexed: Indexer) -> tuple[str, str]:
    """A verified account in the served data dir's database."""
    from datetime import datetime, timezone

    from search_app import create_app
    from search_app.models import User, db
    from search_app.passwords import hash_secret

    email, password = "desk@example.org", "Quote-Check-2009!"
    app = create_app({"DATA_DIR": str(indexed.settings.data_dir)})
    with app.app_context():
        if db.session.execute(db.select(User).filter_by(email=email)).scalar() is None:
            moment = datetime.now(timezone.utc)
            db.session.add(User(email=email, password_hash=hash_secret(password),
                                locale="en", created_at=moment, verified_at=moment))
            db.session.commit()
    return email, password


def test_clip_download_after_logging_in(server: str, page, member, tmp_path: Path) -> None:
    import av

    page.goto(f"{server}/search?q=brussels&ui=en")
    page.locator(".video", has_text="mixed fr en").locator("h2 a").click()
    page.locator("#segments .segment").nth(1).locator(".pick").check()
    start = float(page.input_value("#clip-start"))
    end = float(page.input_value("#clip-end"))
    assert 5 < start < end
    # The handles follow the passage that was ticked.
    assert float(page.input_value("#handle-start")) == pytest.approx(start, abs=0.1)
    page.select_option("select[name=format]", "m4a")
    page.click("#clip-form button[type=submit]:not([formaction])")
    page.wait_for_url(re.compile(r"/login\?next=/videos/"))  # anonymous: sent to log in
    page.fill("#email", member[0])
    page.fill("#password", member[1])
    with page.expect_download() as download_info:
        page.click("main form button[type=submit]")
    download = download_info.value
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    assert target.suffix == ".m4a"
    with av.open(str(target)) as container:
        assert not container.streams.video
        seconds = container.duration / av.time_base
    assert abs(seconds - (end - start)) < 1.0  # snapped to words, 0.25 s padding each side


def test_drag_handles_fill_the_times(server: str, page) -> None:
    page.goto(f"{server}/search?q=brussels&ui=en")
    page.locator(".video", has_text="mixed fr en").locator("h2 a").click()
    handle = page.locator("#handle-end")
    handle.focus()
    for _ in range(20):
        page.keyboard.press("ArrowLeft")  # keyboard moves a handle by one step
    assert float(page.input_value("#clip-end")) == pytest.approx(
        float(handle.get_attribute("max")) - 2.0, abs=0.15)
