"""Reading an official text from a file or from bytes: plain text, HTML, SRT/VTT or PDF.

The reader is chosen by the file's suffix; without one (a pasted text) by the content: a PDF
signature, a WEBVTT header, an SRT cue or an HTML tag, else plain text. Every refusal is an
`OfficialTextError` saying what to do, raised before anything is stored.

Text must be UTF-8 (a BOM is fine) or UTF-16 with a BOM. There is deliberately no fallback to
cp1252 or Latin-1: nearly every byte string decodes in those, so a wrong guess (a MacRoman,
cp850 or Cyrillic file) would go through silently with its names corrupted ("Lavrov" in
Cyrillic, "Zürich"), and the aligner would then report departures the speaker never made.
An HTML page that declares its charset is decoded as declared: that is not a guess.

Plain text keeps every line, "# " lines included: a text file has no comment syntax, and an
official text may well begin with "#". Paragraphs end at blank lines; a text without any
blank line has one paragraph per line.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from .pdf import read_pdf
from .subtitles import read_subtitles
from .texts import OfficialText, OfficialTextError, Paragraph, normalise_space
from .web import read_html

MAX_OFFICIAL_TEXT_BYTES = 20 * 1024 * 1024
SUFFIXES = {".txt": "text", ".text": "text", ".html": "html", ".htm": "html", ".xhtml": "html",
            ".srt": "srt", ".vtt": "vtt", ".pdf": "pdf"}
# Files people pick by mistake, recognised by their first bytes.
SIGNATURES = [
    (b"%PDF-", "a PDF document: name it .pdf"),
    (b"PK\x03\x04", "a Word, OpenDocument or zip file: save it as plain text (.txt) or PDF"),
    (b"\xd0\xcf\x11\xe0", "an old Word document: save it as plain text (.txt) or PDF"),
    (b"{\\rtf", "an RTF document: save it as plain text (.txt)"),
]
HTML_START = re.compile(r"\s*<(!doctype\s+html|html|head|body|main|article|div|p|h[1-6])\b", re.I)
SRT_START = re.compile(r"\s*\d+\s*\n\s*[\d:.,]+\s*-->")
DECLARED_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?([\w.:-]+)", re.I)


def read_official_text(path: Path, max_bytes: int = MAX_OFFICIAL_TEXT_BYTES) -> OfficialText:
    """Read the official text in `path` (see the module docstring for the formats)."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise too_large(path.name, max_bytes)
        data = path.read_bytes()
    except OSError as error:
        raise OfficialTextError(f"{path} cannot be read: {error.strerror}.") from error
    return parse_official_text(data, path.name, max_bytes)


def parse_official_text(data: bytes, filename: str = "",
                        max_bytes: int = MAX_OFFICIAL_TEXT_BYTES) -> OfficialText:
    """Read an official text from `data`; `filename` ("" for a pasted text) picks the format."""
    name = filename or "the pasted text"
    if len(data) > max_bytes:
        raise too_large(name, max_bytes)
    suffix = Path(filename).suffix.lower()
    if suffix and suffix not in SUFFIXES:
        raise OfficialTextError(f"{name}: unknown format {suffix}; attach the text as .txt, "
                                ".html, .srt, .vtt or .pdf.", "format", name=filename,
                                suffix=suffix)
    if SUFFIXES.get(suffix) == "pdf" or (not suffix and data.startswith(b"%PDF-")):
        if b"%PDF-" not in data[:1024]:
            raise OfficialTextError(f"{name} is not a PDF file: give it the suffix of its "
                                    "real format (.txt, .html, .srt or .vtt).", "not pdf",
                                    name=filename)
        text = read_pdf(data, name)
    else:
        content = decode(data, name, filename)
        kind = SUFFIXES.get(suffix) or sniff(content)
        if kind == "html":
            text = read_html(content)
        elif kind in ("srt", "vtt"):
            text = read_subtitles(content, name, kind)
        else:
            text = OfficialText(plain_paragraphs(content), "text")
    if not any(paragraph.text for paragraph in text.paragraphs):
        raise OfficialTextError(f"{name} contains no text (it is empty, blank or only "
                                "markup): attach the file that holds the statement.", "empty",
                                name=filename)
    return text


def too_large(name: str, max_bytes: int) -> OfficialTextError:
    limit = f"{max_bytes / 1e6:g} MB" if max_bytes >= 1e6 else f"{max_bytes / 1e3:g} kB"
    return OfficialTextError(f"{name} is larger than the {limit} limit for an official text: "
                             "attach the text alone, without images.")


def decode(data: bytes, name: str, filename: str = "") -> str:
    """The text in `data`, refusing binary files and anything but UTF-8 / UTF-16 with a BOM;
    `name` says what it is in messages, `filename` is the file's ("" for a pasted text)."""
    for signature, what in SIGNATURES:
        if data.startswith(signature):
            raise OfficialTextError(f"{name} is {what}.", "binary", name=filename)
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as error:
            raise OfficialTextError(f"{name} starts as UTF-16 but is damaged at byte offset "
                                    f"{error.start}: save it as UTF-8.") from error
    if b"\x00" in data:
        raise OfficialTextError(f"{name} holds NUL bytes: it is a binary file, or UTF-16 text "
                                "without a byte-order mark. Attach the statement as text saved "
                                "as UTF-8 (.txt, .html, .srt, .vtt) or as .pdf.", "binary",
                                name=filename)
    bom = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    try:
        return data[bom:].decode("utf-8")
    except UnicodeDecodeError as error:
        declared = declared_charset(data)
        if declared:
            return declared
        offset = bom + error.start  # in the file, as a hex editor shows it
        line = data[:offset].count(b"\n") + 1
        raise OfficialTextError(
            f"{name} is not UTF-8 text: byte 0x{data[offset]:02X} at offset {offset} "
            f"(line {line}) is not valid UTF-8. Open it in a text editor and save it as UTF-8.",
            "encoding", name=filename, line=line) from error


def declared_charset(data: bytes) -> str | None:
    """An HTML page decoded with the charset its <meta> declares, or None."""
    match = DECLARED_CHARSET.search(data[:4096])
    if match is None:
        return None
    charset = match.group(1).decode("ascii")
    try:
        return data.decode(charset)
    except (LookupError, UnicodeDecodeError):
        return None  # a declaration that does not hold: refused as not UTF-8


def sniff(content: str) -> str:
    """The format of a text that came without a suffix."""
    head = content[:4096].lstrip("\ufeff")
    if head.startswith("WEBVTT"):
        return "vtt"
    if SRT_START.match(head):
        return "srt"
    if HTML_START.match(head):
        return "html"
    return "text"


def plain_paragraphs(content: str) -> list[Paragraph]:
    """Paragraphs at blank lines, or one per line when the text has no blank line."""
    text = content.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n").strip()
    blocks = re.split(r"\n[^\S\n]*\n", text)
    if len(blocks) == 1:
        blocks = blocks[0].split("\n")
    return [Paragraph(normalise_space(block)) for block in blocks if block.strip()]
