"""Existing subtitles (SRT or WebVTT) as an official text: one anchored paragraph per cue.

Cue ids, cue settings ("align:start", SRT's "X1:"), NOTE / STYLE / REGION blocks, tags
(<v Speaker>, <i>, <c.class>, <00:00:05.000>) and ASS overrides ({\\an8}) are dropped; entities
(&amp;) are decoded. A block without a time line continues the cue before it (some files break
a cue's text with a blank line), except one that starts with a cue number: that is a time line
typed wrong, refused with its line number like any malformed time.
"""

from __future__ import annotations

import html
import re

from .texts import OfficialText, OfficialTextError, Paragraph, normalise_space

TIMESTAMP = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{2})[,.](\d{1,3})$")
TAG = re.compile(r"<[^>]*>|\{\\[^}]*\}")
HEADER_BLOCKS = re.compile(r"^(WEBVTT|NOTE|STYLE|REGION)(\s|$)")


def read_subtitles(content: str, name: str, kind: str) -> OfficialText:
    lines = content.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if lines and lines[0].startswith("WEBVTT"):
        kind = "vtt"
    paragraphs: list[Paragraph] = []
    for first_line, block in blocks(lines):
        timing = next((i for i, line in enumerate(block) if "-->" in line), None)
        if timing is None and kind == "vtt" and HEADER_BLOCKS.match(block[0]):
            continue  # (a header run straight into its first cue still gives that cue)
        if timing is None:
            if block[0].strip().isdigit() and len(block) > 1:
                raise OfficialTextError(f"{name}, line {first_line + 1}: cue {block[0].strip()} "
                                        "has no time line (start --> end): correct it.")
            if not paragraphs:
                raise OfficialTextError(f"{name}, line {first_line}: text before the first cue "
                                        "time: is this really a subtitle file? If it is plain "
                                        "text, name it .txt.")
            paragraphs[-1].text = normalise_space(f"{paragraphs[-1].text} {cue_text(block)}")
            continue
        for cue_start, cue_end in cue_spans(block, timing):
            start, end = cue_times(block[cue_start], name, first_line + cue_start)
            paragraphs.append(Paragraph(cue_text(block[cue_start + 1:cue_end]), start, end))
    return OfficialText([p for p in paragraphs if p.text], kind)


def blocks(lines: list[str]) -> list[tuple[int, list[str]]]:
    """Runs of non-blank lines, each with the (1-based) number of its first line."""
    found: list[tuple[int, list[str]]] = []
    current: list[str] = []
    for number, line in enumerate(lines, 1):
        if line.strip():
            if not current:
                found.append((number, current))
            current.append(line)
        else:
            current = []
    return found


def cue_spans(block: list[str], first_timing: int) -> list[tuple[int, int]]:
    """(time line, end) of each cue in a block: cues crammed without a blank line between them
    are told apart by their time lines, and the cue number just above one is not text."""
    timings = [i for i, line in enumerate(block) if "-->" in line and i >= first_timing]
    spans = []
    for here, following in zip(timings, [*timings[1:], None]):
        end = len(block) if following is None else following
        if following is not None and block[following - 1].strip().isdigit():
            end -= 1
        spans.append((here, end))
    return spans


def cue_times(line: str, name: str, number: int) -> tuple[float, float]:
    start_text, _, rest = line.partition("-->")
    fields = rest.split()
    start = seconds(start_text.strip())
    end = seconds(fields[0]) if fields else None
    if start is None or end is None:
        raise OfficialTextError(f"{name}, line {number}: {line.strip()!r} is not a cue time "
                                "line like 00:00:01,000 --> 00:00:03,500: correct it.")
    if end < start:
        raise OfficialTextError(f"{name}, line {number}: the cue ends before it starts: "
                                "correct its times.")
    return start, end


def seconds(stamp: str) -> float | None:
    match = TIMESTAMP.match(stamp)
    if match is None:
        return None
    hours, minutes, secs, fraction = match.groups()
    if int(minutes) > 59 or int(secs) > 59:
        return None
    return (int(hours or 0) * 3600 + int(minutes) * 60 + int(secs)
            + int(fraction.ljust(3, "0")) / 1000)


def cue_text(lines: list[str]) -> str:
    return normalise_space(html.unescape(TAG.sub("", " ".join(lines))))
