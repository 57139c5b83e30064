"""The quote finder (issue 18) on a real index: a synthesized French statement and real
fixtures transcribed by the real Whisper model (quote_support), an official text attached by
the real aligner (official_support), the library and `speechsearch quote`."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner
from official_support import official_archive
from quote_support import quote_archive, straddling, words

from indexer.cli import main
from indexer.config import Settings
from indexer.gazetteer import Gazetteer
from indexer.quote_diff import OPS
from indexer.quote_results import QuoteError
from indexer.quote_times import time_hits
from indexer.search_index import SegmentSearcher
from indexer.store import load_transcript

NOT_SAID = "the quick brown fox jumps over the lazy dog while the band plays on"


@pytest.fixture(scope="module")
def archive(session_indexer, tmp_path_factory):
    return quote_archive(session_indexer, tmp_path_factory.mktemp("quotes"))


@pytest.fixture(scope="module")
def settings(archive) -> Settings:
    return Settings(data_dir=archive.data_dir)


@pytest.fixture(scope="module")
def searcher(settings, gazetteer: Gazetteer) -> SegmentSearcher:
    return SegmentSearcher(settings.index_dir, gazetteer)


def find(searcher, settings, text: str, **options):
    return time_hits(searcher.quote(text, **options), settings.transcripts_dir)


def longest(archive) -> int:
    return max(range(len(archive.passages)), key=lambda i: len(words(archive.passages[i])))


def test_a_quote_with_a_changed_and_a_dropped_word_is_found_with_its_diff(
        archive, settings, searcher) -> None:
    index = longest(archive)
    passage = archive.passages[index]
    said = words(passage)
    assert len(said) >= 6, passage.text
    # Remembered with its third word changed and its fifth dropped.
    remembered = said[:2] + ["remarquablement"] + said[3:4] + said[5:]
    best = find(searcher, settings, " ".join(remembered)).hits[0]
    assert best.video_id == archive.statement
    assert passage.start - 0.05 <= best.start < best.end <= passage.end + 0.05
    assert 0.5 <= best.similarity < 1
    ops = [op.op for op in best.diff]
    assert set(ops) <= set(OPS) and "equal" in ops
    changed = [op for op in best.diff if op.op != "equal"]
    assert any("remarquablement" in op.quote for op in changed)
    # What the diff says was said is what was said, in order.
    shown = " ".join(op.said for op in best.diff if op.said)
    assert re.findall(r"\w+", shown) == re.findall(r"\w+", best.said)


def test_a_quote_across_two_passages_spans_the_boundary(archive, settings, searcher) -> None:
    index, text = straddling(archive.passages)
    left, right = archive.passages[index], archive.passages[index + 1]
    best = find(searcher, settings, text).hits[0]
    assert best.video_id == archive.statement
    # Starts in the first passage, ends in the second, at word times of the transcript.
    assert left.start - 0.05 <= best.start < left.end
    assert right.start - 0.05 < best.end <= right.end + 0.05
    starts = {round(w.start, 2) for p in archive.passages for w in p.words}
    ends = {round(w.end, 2) for p in archive.passages for w in p.words}
    assert best.start in starts and best.end in ends
    assert words(left)[-1].strip(",.") in best.said and words(right)[0] in best.said
    assert best.similarity >= 0.9


def test_a_quote_across_a_change_of_language_is_found(archive, settings, searcher) -> None:
    """Regression: the French half's words were keyed with the French stemmer and the English
    half's with the English one, and the quote's all with one of them: the English words
    never compared equal, and the place was missed."""
    passages = load_transcript(settings.transcripts_dir, archive.mixed).reading()
    french, english = passages[0], passages[-1]
    assert (french.language, english.language) == ("fr", "en"), [p.text for p in passages]
    text = " ".join(words(french)[-5:] + words(english)[:5])
    best = find(searcher, settings, text).hits[0]
    assert best.video_id == archive.mixed
    assert best.start < french.end and best.end > english.start
    assert best.similarity >= 0.9


def test_locally_reordered_words_are_still_found(archive, settings, searcher) -> None:
    index = longest(archive)
    said = words(archive.passages[index])
    reordered = said[:1] + [said[2], said[1]] + said[3:]
    best = find(searcher, settings, " ".join(reordered)).hits[0]
    assert best.video_id == archive.statement
    assert archive.passages[index].start - 0.05 <= best.start <= archive.passages[index].end
    assert any(op.op != "equal" for op in best.diff)


def test_a_quote_of_nothing_in_the_archive_finds_nothing(settings, searcher) -> None:
    assert find(searcher, settings, NOT_SAID).hits == []
    assert find(searcher, settings, "il fait très beau sur la plage de Biarritz cet "
                                    "été avec les enfants").hits == []


def test_the_other_recordings_are_found_too(archive, settings, searcher) -> None:
    otan = load_transcript(settings.transcripts_dir, archive.otan).reading()
    said = " ".join(s.text for s in otan).split()
    # The same French sentence is said in fr_otan.flac and in mixed_fr_en.ogg: both places.
    hits = find(searcher, settings, " ".join(said[2:12])).hits
    assert {h.video_id for h in hits[:2]} == {archive.otan, archive.mixed}
    assert all(h.similarity >= 0.9 for h in hits[:2])
    assert find(searcher, settings, " ".join(said[2:12]), language="en").hits == []


@pytest.mark.parametrize("text", ["trois mots seulement", "un", " ".join(["mot"] * 81),
                                  "le conseil\x00 a décidé de renforcer"])
def test_quotes_of_too_few_or_too_many_words_are_refused_clearly(searcher, text) -> None:
    with pytest.raises(QuoteError) as error:
        searcher.quote(text)
    assert any(hint in str(error.value) for hint in ("at least 4", "at most 80", "not text"))


def test_the_official_text_is_what_was_said(session_indexer, tmp_path_factory,
                                           gazetteer) -> None:
    official = official_archive(session_indexer, tmp_path_factory.mktemp("official"))
    settings = Settings(data_dir=official.data_dir)
    searcher = SegmentSearcher(settings.index_dir, gazetteer)
    # Whisper heard "28 million"; the attached text, which is what is read, says 29.
    best = find(searcher, settings, "the budget will grow by 28 million dollars").hits[0]
    assert best.video_id == official.budget
    assert "29" in best.said and "28" not in best.said
    assert {"op": "replace", "quote": "28", "said": "29"} in [op.to_dict() for op in best.diff]


def test_cli_json_has_the_documented_shape(archive, settings) -> None:
    index, text = straddling(archive.passages)
    result = CliRunner().invoke(main, ["--data-dir", str(settings.data_dir), "quote", text,
                                       "--json", "--limit", "2"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(data) == {"query", "hits"} and data["query"] == text
    assert 1 <= len(data["hits"]) <= 2
    hit = data["hits"][0]
    assert set(hit) == {"video_id", "title", "start", "end", "said", "similarity", "diff",
                        "url"}
    assert hit["url"].endswith(f"/videos/{archive.statement}#t={hit['start']:.1f},"
                               f"{hit['end']:.1f}")
    assert all(set(op) == {"op", "quote", "said"} and op["op"] in OPS for op in hit["diff"])


def test_cli_says_nothing_close_and_refuses_bad_quotes(settings) -> None:
    result = CliRunner().invoke(main, ["--data-dir", str(settings.data_dir), "quote", NOT_SAID])
    assert result.exit_code == 0 and "Nothing close" in result.output
    short = CliRunner().invoke(main, ["--data-dir", str(settings.data_dir), "quote", "trop"])
    assert short.exit_code != 0 and "at least 4" in short.output
    assert "Traceback" not in short.output


def test_a_diff_on_the_page_of_the_terminal(archive, settings) -> None:
    index = longest(archive)
    said = words(archive.passages[index])
    text = " ".join(said[:3] + ["extraordinairement"] + said[3:])
    result = CliRunner().invoke(main, ["--data-dir", str(settings.data_dir), "quote", text])
    assert result.exit_code == 0, result.output
    assert "[-extraordinairement-]" in result.output and "similarity" in result.output
