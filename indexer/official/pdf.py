"""An official text published as a PDF, read with pypdf's layout-preserving text extraction.

Layout mode keeps vertical gaps as blank lines: the smallest gap between two lines is the line
spacing, and a wider one ends a paragraph. A paragraph also ends with a page whose last line
ends a sentence, and otherwise runs on to the next page.
A line repeated at the top (or bottom) of every page, page numbers aside, is a running header
(or footer) and goes. A word hyphenated at a line end is joined ("coopé-" + "ration" ->
"coopération") unless what follows is capitalised ("OTAN-" + "Russie") or the document writes
the joined word with its hyphen elsewhere ("euro-atlantique").
"""

from __future__ import annotations

import io
import logging
import re
import unicodedata

from pypdf import PdfReader
from pypdf.errors import PyPdfError

from .texts import OfficialText, OfficialTextError, Paragraph, normalise_space

log = logging.getLogger(__name__)

SENTENCE_END = tuple(".!?:;»”\"")
LIGATURES = re.compile("[\ufb00-\ufb06]")
HYPHENATED = re.compile(r"\w+-\w+")
LINE_END_HYPHEN = re.compile(r"\w+-$")
LINE_START_WORD = re.compile(r"\w*")


def read_pdf(data: bytes, name: str) -> OfficialText:
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise OfficialTextError(f"{name} is protected by a password: save a copy without "
                                    "the password and attach that.", "pdf password", name=name)
        pages = [page_lines(page.extract_text(extraction_mode="layout")) for page in reader.pages]
        title = normalise_space(str((reader.metadata or {}).get("/Title") or ""))
    except (PyPdfError, ValueError, KeyError, TypeError) as error:
        raise OfficialTextError(f"{name} could not be read as a PDF ({error}): it may be "
                                "damaged; export it again from the original document.",
                                "pdf damaged", name=name) from error
    if not any(line for lines in pages for line in lines):
        raise OfficialTextError(f"{name} holds no text: a scanned PDF has no text layer: OCR it "
                                "first (e.g. with ocrmypdf), or attach the text as .txt.",
                                "pdf no text", name=name)
    drop_running_lines(pages)
    # Blank lines at a page's top or bottom are margins, not paragraph breaks.
    pages = [trim(lines) for lines in pages]
    known = {word.casefold() for lines in pages for line in lines
             for word in HYPHENATED.findall(line)}
    normal_gap = min((gap for lines in pages for _, gap in spaced(lines)[1:]), default=0)
    paragraphs: list[Paragraph] = []
    current: list[str] = []
    for lines in pages:
        for line, gap in spaced(lines):
            if gap > normal_gap:
                flush(current, paragraphs, known)
            current.append(line)
        if current and current[-1].endswith(SENTENCE_END):
            flush(current, paragraphs, known)
    flush(current, paragraphs, known)
    log.debug("%s: %d pages, %d paragraphs", name, len(pages), len(paragraphs))
    return OfficialText(paragraphs, "pdf", title)


def page_lines(text: str) -> list[str]:
    text = LIGATURES.sub(lambda m: unicodedata.normalize("NFKC", m.group()), text)
    return [line.strip() for line in text.replace("\u00ad\n", "-\n").split("\n")]


def drop_running_lines(pages: list[list[str]]) -> None:
    """Blank out a first or last line that every page repeats (digits aside)."""
    if len(pages) < 2:
        return
    for pick in (first_text_line, last_text_line):
        picked = [pick(lines) for lines in pages]
        keys = {re.sub(r"\d+", "#", lines[i]) if i is not None else None
                for lines, i in zip(pages, picked)}
        if len(keys) == 1 and None not in keys:
            for lines, i in zip(pages, picked):
                lines[i] = ""


def spaced(lines: list[str]) -> list[tuple[str, int]]:
    """The text lines of a page, each with the number of blank lines above it (0 first)."""
    found: list[tuple[str, int]] = []
    blanks = 0
    for line in lines:
        if line:
            found.append((line, blanks if found else 0))
            blanks = 0
        else:
            blanks += 1
    return found


def trim(lines: list[str]) -> list[str]:
    first, last = first_text_line(lines), last_text_line(lines)
    return [] if first is None or last is None else lines[first:last + 1]


def first_text_line(lines: list[str]) -> int | None:
    return next((i for i, line in enumerate(lines) if line), None)


def last_text_line(lines: list[str]) -> int | None:
    return next((i for i in range(len(lines) - 1, -1, -1) if lines[i]), None)


def flush(current: list[str], paragraphs: list[Paragraph], known: set[str]) -> None:
    """Join the lines in `current` into a paragraph (undoing line-end hyphenation), and empty
    it."""
    if not current:
        return
    text = current[0]
    for line in current[1:]:
        broken = LINE_END_HYPHEN.search(text)
        if broken:
            rejoined = broken.group() + LINE_START_WORD.match(line).group()
            if line[:1].islower() and rejoined.casefold() not in known:
                text = text[:-1] + line
            else:
                text += line
        else:
            text += " " + line
    paragraphs.append(Paragraph(normalise_space(text)))
    current.clear()
