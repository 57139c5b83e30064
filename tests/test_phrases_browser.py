"""Forgiving phrases in a real browser (Chromium via Playwright, against `serve`): the corpus
recording fr_readalong_ej.m4a, transcribed by the real Whisper base model; a phrase typed
over the boundary of two of its passages is one hit whose snippet runs on into the next
passage, plays both, and the page passes axe-core in both languages."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import serving
from test_browser import browser, csp_checked_context, serious_violations  # noqa: F401

from indexer.pipeline import Indexer
from indexer.store import load_transcript

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def recording(session_indexer: Indexer, corpus: Path):
    outcome = session_indexer.index_file(corpus / "fr_readalong_ej.m4a")
    assert outcome.status in ("indexed", "skipped"), outcome.reason
    said = load_transcript(session_indexer.settings.transcripts_dir, outcome.video_id)
    with serving(session_indexer.settings.data_dir) as base:
        yield base, said


@pytest.mark.parametrize("language", ["en", "fr"])
def test_a_phrase_over_two_passages_is_one_hit_that_runs_on(recording, browser,  # noqa: F811
                                                            language: str) -> None:
    base, said = recording
    first, second = said.reading()[1], said.reading()[2]
    phrase = " ".join(first.text.split()[-2:] + second.text.split()[:2])
    with csp_checked_context(browser, locale="en-GB") as context:
        page = context.new_page()
        page.goto(f"{base}/search?ui={language}")
        page.fill("input[name=q]", f'"{phrase}"')
        page.keyboard.press("Enter")
        page.wait_for_selector(".snippet")
        assert page.locator(".snippet").count() == 1
        continued = page.locator(".snippet .continued")
        assert continued.locator("mark").count() >= 1
        assert second.text.split()[0].strip(",.") in continued.inner_text()
        play = page.locator("a.play").first.get_attribute("href")
        assert play.endswith(f"#t={first.start:.1f},{second.end:.1f}")
        assert serious_violations(page) == []
        page.goto(f'{base}/search?ui={language}&q="apprentissage profond"')
        assert "profonde" in page.locator(".snippet mark").all_inner_texts()
