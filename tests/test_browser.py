"""The player in a real browser (Debian's Chromium driven by Playwright) against `serve`."""

from __future__ import annotations

import importlib.resources
import re
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from conftest import serving, smtp_capture

from indexer.pipeline import Indexer

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def mailbox():
    with smtp_capture() as capture:
        yield capture


@pytest.fixture(scope="module")
def server(indexed: Indexer, mailbox):
    env = {"SPEECHSEARCH_MAIL_SERVER": "127.0.0.1", "SPEECHSEARCH_MAIL_PORT": str(mailbox[1]),
           "SPEECHSEARCH_LIMIT_SEND": "100 per minute"}
    with serving(indexed.settings.data_dir, env) as base:
        yield base


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


# Every page reports what its Content-Security-Policy blocked; Chromium also logs it.
REPORT_CSP_VIOLATIONS = """document.addEventListener("securitypolicyviolation", e => {
  window.reportCspViolation(`${e.violatedDirective} blocked ${e.blockedURI || "inline"}`
    + ` in ${e.sourceFile || e.documentURI}:${e.lineNumber}`);
  window.cspViolations = (window.cspViolations || 0) + 1;
});"""


@contextmanager
def csp_checked_context(browser, **options) -> Iterator:
    """A browser context whose pages must pass the site's CSP: every violation on any page
    (across navigations) fails the test once its journey is over."""
    context = browser.new_context(**options)
    violations: list[str] = []
    context.expose_binding("reportCspViolation", lambda source, text: violations.append(text))
    context.add_init_script(REPORT_CSP_VIOLATIONS)
    context.on("console", lambda message: violations.append(message.text)
               if "Content Security Policy" in message.text else None)
    try:
        yield context
    finally:
        context.close()
    assert not violations, "Content-Security-Policy violations:\n" + "\n".join(violations)


@pytest.fixture
def page(browser):
    with csp_checked_context(browser, locale="en-GB") as context:
        yield context.new_page()


def test_the_csp_check_catches_an_inline_script(server: str, browser) -> None:
    """The check every journey ends with: an inline script is blocked, and reported."""
    with pytest.raises(AssertionError, match="script-src-elem blocked inline"):
        with csp_checked_context(browser) as context:
            page = context.new_page()
            page.goto(f"{server}/?ui=en")
            page.evaluate("document.body.append(Object.assign(document.createElement('script'),"
                          " {textContent: 'window.inlineRan = true'}))")
            page.wait_for_function("() => window.cspViolations > 0")
            assert page.evaluate("window.inlineRan") is None  # blocked, not only reported


def wait_playing_at(page, seconds: float) -> None:
    """The player is at `seconds` and the passage starting there is the highlighted one."""
    page.wait_for_function("s => Math.abs(document.getElementById('player').currentTime - s)"
                           " < 0.5", arg=seconds)
    page.wait_for_function("s => { const on = document.querySelector('.segment.speaking');"
                           " return on && Math.abs(parseFloat(on.dataset.start) - s) < 0.05; }",
                           arg=seconds)


def test_search_hit_opens_the_player_at_its_second(server: str, page) -> None:
    page.goto(f"{server}/search?q=brussels&ui=en")
    link = page.locator(".video", has_text="mixed fr en").locator("a.play").first
    href = link.get_attribute("href")
    start = float(href.split("#t=")[1].split(",")[0])
    assert start > 5  # the English half of the mixed file
    link.click()
    wait_playing_at(page, start)
    assert page.locator(".segment.speaking").count() == 1


def test_clicking_a_segment_seeks_there(server: str, page) -> None:
    page.goto(f"{server}/search?q=brussels&ui=en")
    page.locator(".video", has_text="mixed fr en").locator("a.play").first.click()
    page.wait_for_function("() => document.getElementById('player').currentTime > 5")
    first = page.locator("#segments .segment").first
    first.locator(".text").click()
    page.wait_for_function("() => document.getElementById('player').currentTime < 1")
    page.wait_for_function("() => document.querySelector('#segments .segment')"
                           ".classList.contains('speaking')")
    assert "#t=" in page.url


def test_query_parameter_t_and_citation(server: str, page) -> None:
    page.goto(f"{server}/search?q=brussels&ui=en")
    href = page.locator(".video", has_text="mixed fr en").locator("h2 a").get_attribute("href")
    page.goto(f"{server}{href}?t=11&ui=en")
    page.wait_for_function("() => Math.abs(document.getElementById('player').currentTime - 11)"
                           " < 0.5")
    page.click("#cite")
    status = page.locator("#cite-status")
    status.wait_for()
    page.wait_for_function("() => document.getElementById('cite-status').textContent.length > 10")
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
    page.click("#clip-form button[type=submit]:not([formaction])")  # default: MP4
    page.wait_for_url(re.compile(r"/login\?next=/videos/"))  # anonymous: sent to log in
    page.fill("#email", member[0])
    page.fill("#password", member[1])
    with page.expect_download() as download_info:
        page.click("main form button[type=submit]")
    download = download_info.value
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    assert target.suffix == ".mp4"
    with av.open(str(target)) as container:  # the fixture is audio only: an AAC-only MP4
        assert "mp4" in container.format.name and container.streams.audio
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


# --- Journeys in both interface languages (the browser's Accept-Language decides) ---------

TEXT = {
    "en": {"found": "passages found", "rule": "at least 12 characters",
           "wrong": "This code is not right", "welcome": "You have successfully created",
           "subscribe": "Subscribe to our newsletter", "subscribed": "Subscribed since",
           "updated": "Your password has been updated", "login": "Log in",
           "forgot": "Forgot your password?"},
    "fr": {"found": "passages trouvés", "rule": "au moins 12 caractères",
           "wrong": "Ce code n'est pas le bon", "welcome": "Vous avez créé votre compte",
           "subscribe": "S'abonner à notre lettre d'information", "subscribed": "Abonné depuis",
           "updated": "Votre mot de passe a été mis à jour", "login": "Se connecter",
           "forgot": "Mot de passe oublié ?"},
}


@pytest.fixture(params=["en", "fr"])
def ui(request, browser):
    language = request.param
    with csp_checked_context(browser,
                             locale={"en": "en-GB", "fr": "fr-FR"}[language]) as context:
        yield context.new_page(), language, TEXT[language]


def test_journalist_finds_terrorisme_and_lands_on_the_second(server: str, ui) -> None:
    page, language, text = ui
    page.goto(server)
    page.fill("#q", "terrorisme")
    page.press("#q", "Enter")
    page.wait_for_selector(".hit")
    assert text["found"] in page.text_content(".summary")
    link = page.locator(".video", has_text="mixed fr en").locator("a.play").first
    start = float(link.get_attribute("href").split("#t=")[1].split(",")[0])
    link.click()
    wait_playing_at(page, start)
    other = page.locator("#segments .segment").nth(1)
    other_start = float(other.get_attribute("data-start"))
    other.locator(".text").click()
    page.wait_for_function("s => Math.abs(document.getElementById('player').currentTime - s)"
                           " < 0.5", arg=other_start)


def test_facets_narrow_and_agree_with_the_results(server: str, ui) -> None:
    page, language, text = ui
    page.goto(f"{server}/search?q=afghanistan")
    facet = page.locator(".facet").first.locator("a", has_text="FR")
    count = int(facet.locator(".count").text_content())
    facet.click()
    page.wait_for_url(re.compile(r"lang=fr"))
    assert page.locator(".hit").count() == count
    assert {t.strip() for t in page.locator(".hit .tag").all_text_contents()} == {"FR"}
    entity = page.locator(".facet").nth(1).locator("li a").first
    entity_count = int(entity.locator(".count").text_content())
    entity.click()
    page.wait_for_url(re.compile(r"entity="))
    assert page.locator(".hit").count() == entity_count


def test_registration_with_the_mailed_code(server: str, ui, mailbox) -> None:
    page, language, text = ui
    inbox = mailbox[0]
    address = f"signup-{language}-{time.monotonic_ns()}@example.org"
    page.goto(f"{server}/register")
    page.fill("#email", address)
    page.fill("#password", "short")
    page.fill("#confirm", "short")
    page.click("main button[type=submit]")
    assert text["rule"] in page.text_content(".field-error")
    page.fill("#password", "Quote-Check-2009!")
    page.fill("#confirm", "Quote-Check-2009!")
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r"/verify$"))
    code = inbox.code_for(address)
    page.fill("#code", f"{(int(code) + 1) % 1_000_000:06d}")
    page.click("main form:not(.inline) button[type=submit]")
    assert text["wrong"] in page.text_content(".field-error")
    page.fill("#code", code)
    page.click("main form:not(.inline) button[type=submit]")
    page.wait_for_url(re.compile(r"/welcome$"))
    assert text["welcome"] in page.text_content("main")
    page.click(f"text={text['subscribe']}")
    page.wait_for_url(re.compile(r"/account$"))
    assert text["subscribed"] in page.text_content("main")


def test_password_reset_returns_to_the_starting_page(server: str, ui, mailbox, member) -> None:
    page, language, text = ui
    inbox = mailbox[0]
    page.goto(f"{server}/search?q=nato")
    page.click(f".user >> text={text['login']}")
    page.click(f"text={text['forgot']}")
    page.fill("#email", member[0])
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r"/reset/code$"))
    page.fill("#code", inbox.code_for(member[0]))
    page.click("main form:not(.inline) button[type=submit]")
    page.wait_for_url(re.compile(r"/reset/password$"))
    page.fill("#password", member[1])  # the same strong password, set again
    page.fill("#confirm", member[1])
    page.click("main button[type=submit]")
    assert text["updated"] in page.text_content("main h1")
    page.click("main a.button")
    page.wait_for_url(re.compile(r"/search\?q=nato$"))


def test_soundbite_link_downloads_a_playable_mp4(server: str, page, member,
                                                  tmp_path: Path) -> None:
    import av

    page.goto(f"{server}/login")
    page.fill("#email", member[0])
    page.fill("#password", member[1])
    page.click("main button[type=submit]")
    page.goto(f"{server}/search?q=brussels&ui=en")
    link = page.locator(".video", has_text="en nato").locator("a.soundbite").first
    with page.expect_download() as download_info:
        link.click()
    target = tmp_path / download_info.value.suggested_filename
    download_info.value.save_as(target)
    assert target.suffix == ".mp4"
    with av.open(str(target)) as container:  # the source is audio only: an AAC-only MP4
        assert "mp4" in container.format.name and container.streams.audio
        assert container.duration / av.time_base > 3


def test_keyboard_only(server: str, page) -> None:
    page.goto(f"{server}/?ui=en")
    page.keyboard.press("Tab")  # the skip link comes first
    for _ in range(12):
        if page.evaluate("document.activeElement.id") == "q":
            break
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "q"
    page.keyboard.type("afghanistan")
    page.keyboard.press("Enter")
    page.wait_for_selector(".hit")
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('play')"):
            break
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/videos/"))
    page.focus("#player")
    page.keyboard.press("Space")
    page.wait_for_function("() => !document.getElementById('player').paused")
    page.keyboard.press("Space")
    page.wait_for_function("() => document.getElementById('player').paused")


@pytest.mark.parametrize("path", ["/?ui={ui}", "/search?q=afghanistan&ui={ui}",
                                  "/register?ui={ui}", "/login?ui={ui}", "PLAYER"])
@pytest.mark.parametrize("language", ["en", "fr"])
def test_no_serious_accessibility_violations(server: str, page, path: str,
                                             language: str) -> None:
    if path == "PLAYER":
        page.goto(f"{server}/search?q=brussels&ui={language}")
        page.locator("a.play").first.click()
        page.wait_for_selector("#segments")
    else:
        page.goto(server + path.format(ui=language))
    assert serious_violations(page) == []


def serious_violations(page) -> list[tuple]:
    """axe-core's serious and critical violations on the page (id, impact, first targets)."""
    axe = importlib.resources.files("axe_playwright_python") / "axe.min.js"
    page.evaluate(axe.read_text(encoding="utf-8"))  # a <script> tag would break the site's CSP
    results = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
            for v in results["violations"] if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize("path", ["/search?q=afghanistan&ui=fr", "PLAYER"])
def test_phone_viewport_has_no_horizontal_scrolling(server: str, browser, path: str) -> None:
    with csp_checked_context(browser, viewport={"width": 360, "height": 740}, is_mobile=True,
                             has_touch=True) as context:
        page = context.new_page()
        if path == "PLAYER":
            page.goto(f"{server}/search?q=brussels&ui=fr")
            page.locator("a.play").first.click()
            page.wait_for_selector("#segments")
        else:
            page.goto(server + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= page.viewport_size["width"]
        size = page.evaluate("parseFloat(getComputedStyle(document.querySelector("
                             "'.snippet, .segment .text')).fontSize)")
        assert size >= 14
