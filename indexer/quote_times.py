"""The exact times of a quote's matched words, from the transcript's word timings.

The index stores each passage's span, not its words' times: the finder spreads a passage's
span over its characters (search_index/quoting.py). The transcript has each word's time
(Whisper's words, or the official text's aligned words in `Transcript.reading()`), so the
few hits shown are timed from it: the start of the first matched word, the end of the last.
A passage without word times keeps the estimate.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from .quote_results import MatchedPlace, QuoteResults
from .records import Segment, Transcript
from .store import TranscriptNotFound, load_transcript

logger = logging.getLogger(__name__)


def _word_spans(segment: Segment) -> list[tuple[int, int, float, float]]:
    """(first char, end char, start, end) of each timed word in the passage's text; empty
    when the words cannot be found in the text in order (then the estimate stays)."""
    spans, cursor = [], 0
    for word in segment.words:
        said = word.word.strip()
        if not said:
            continue
        at = segment.text.find(said, cursor)
        if at < 0:
            return []
        spans.append((at, at + len(said), word.start, word.end))
        cursor = at + len(said)
    return spans


def _time(reading: list[Segment], place: MatchedPlace, end: bool) -> float:
    if not 0 <= place.seg < len(reading):
        return place.time
    spans = _word_spans(reading[place.seg])
    if end:  # the last word that starts before the matched word's end
        before = [span for span in spans if span[0] < place.char]
        return before[-1][3] if before else place.time
    after = [span for span in spans if span[1] > place.char]  # the word holding the char
    return after[0][2] if after else place.time


def time_hits(results: QuoteResults, transcripts_dir: Path,
              load: Callable[[str], Transcript] | None = None) -> QuoteResults:
    """`results` with each hit's start and end taken from its transcript's word times.

    `load` reads a transcript by video id: the site passes its archive's, which keeps them
    parsed between requests (reading a transcript's JSON was 39 % of a quote's time on the demo
    index, and grows with the videos' length); by default, from `transcripts_dir`."""
    load = load or (lambda video_id: load_transcript(transcripts_dir, video_id))
    transcripts: dict[str, Transcript | None] = {}
    for hit in results.hits:
        if hit.first is None or hit.last is None:
            continue
        if hit.video_id not in transcripts:
            try:
                transcripts[hit.video_id] = load(hit.video_id)
            except TranscriptNotFound:
                # Indexed but its file is gone (being removed): the estimate is shown.
                logger.warning("no transcript for %s: its quote times are estimates",
                               hit.video_id)
                transcripts[hit.video_id] = None
        transcript = transcripts[hit.video_id]
        if transcript is None:
            continue
        reading = transcript.reading()
        start, end = _time(reading, hit.first, end=False), _time(reading, hit.last, end=True)
        if start <= end:
            hit.start, hit.end = round(start, 2), round(end, 2)
    return results
