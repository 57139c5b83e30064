"""What an official text is once read: paragraphs (anchored in time for subtitles) and words.

`indexer.official.formats` reads files into an `OfficialText`; the aligner consumes
`OfficialText.words()`. The contract with the aligner, per `TextWord`:

- `text` is the word exactly as written, punctuation attached so the display can show it:
  "l’OTAN", "29", "Russie.", "OTAN-Russie". Punctuation standing alone ("-", "!", "»", ";" as
  French typography spaces them) joins the word before it ("Russie -", "tous ;"); opening marks
  ("«", "(", "“") join the word after it ("« la"). So every word holds a letter or a digit, and
  the words of a paragraph joined by single spaces give back exactly `Paragraph.text`;
  `start_char`/`end_char` locate the word in it.
- `norm` is a matching key: NFKC (ligatures "ﬁ" undone), casefolded, typographic apostrophes made
  "'", punctuation at the edges stripped, thousands spaces dropped ("1 000" -> "1000").
  ACCENTS ARE KEPT ("élysée"): in French they tell words apart (a/à, ou/où); a matcher that
  wants them folded folds them itself.
- `parts` splits `norm` at French elisions and hyphens: "l'otan" -> ("l'", "otan"),
  "otan-russie" -> ("otan", "russie"), because speech recognisers write either form. Only the
  French elided forms (l' d' qu' jusqu' ...) are split, so "it's" and "don't" stay whole.

Digits stay digits ("29"): spelling numbers out depends on the language of the speech and is the
aligner's business.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from ..errors import ReasonedError


class OfficialTextError(ReasonedError, ValueError):
    """An official text that cannot be read; the message says why and what to do. Raised before
    anything is stored, so nothing already indexed is touched.

    `kind` names the reason and `details` its values (`name`: the file's, "" for a pasted
    text), so that the site can say it in the reader's language (search_app/official_reasons.py);
    the message is the indexer's English."""


@dataclass
class Paragraph:
    """A paragraph of the text; a subtitle cue is one, with its times (seconds) as anchors."""

    text: str
    start: float | None = None
    end: float | None = None


@dataclass(frozen=True)
class TextWord:
    text: str  # as written, punctuation attached
    norm: str  # casefolded matching key, accents kept
    paragraph: int  # index into OfficialText.paragraphs
    start_char: int  # offsets into that paragraph's text
    end_char: int

    @property
    def parts(self) -> tuple[str, ...]:
        return word_parts(self.norm)


@dataclass
class OfficialText:
    paragraphs: list[Paragraph]
    source_format: str  # "text", "html", "srt", "vtt" or "pdf"
    title: str = ""

    def words(self) -> list[TextWord]:
        """Every word of the text in order, each with its paragraph's index (a new list)."""
        return [word for index, paragraph in enumerate(self.paragraphs)
                for word in paragraph_words(paragraph.text, index)]

    @property
    def text(self) -> str:
        return "\n\n".join(paragraph.text for paragraph in self.paragraphs)


# A lone NBSP / narrow NBSP / thin space between digits is a thousands separator ("1 000"):
# it stays, so the number stays one word. Any other run of whitespace becomes one space.
THOUSANDS_SPACE = "\u00a0\u202f\u2009"
WHITESPACE_RUN = re.compile(rf"(?P<thousands>(?<=\d)[{THOUSANDS_SPACE}](?=\d))|\s+")
OPENING_MARKS = set("«“‘„‹([{¿¡")
APOSTROPHES = str.maketrans({"’": "'", "ʼ": "'", "‘": "'", "`": "'", "´": "'"})
ELIDED = r"(?:lorsqu|puisqu|quoiqu|jusqu|presqu|quelqu|qu|[cdjlmnst])'"
ELISION = re.compile(rf"^({ELIDED})(?=\w)")
ELIDED_ALONE = re.compile(ELIDED)
THOUSANDS = re.compile(rf"(?<=\d)[{THOUSANDS_SPACE} ](?=\d)")
EDGES = re.compile(r"^[\W_]+|[\W_]+$")
HYPHENS = re.compile(r"[-‐‑–]")


def normalise_space(text: str) -> str:
    """Whitespace runs as single spaces, thousands separators kept, no space at the ends."""
    return WHITESPACE_RUN.sub(lambda m: m.group() if m.group("thousands") else " ", text).strip()


def normalise_word(surface: str) -> str:
    """The matching key of a written word (see the module docstring); "" for punctuation."""
    text = unicodedata.normalize("NFKC", surface).casefold().translate(APOSTROPHES)
    text = THOUSANDS.sub("", text)
    core = EDGES.sub("", text)
    if ELIDED_ALONE.fullmatch(core + "'") and core + "'" in text:
        return core + "'"  # "l’ OTAN" typed with a space: the article keeps its apostrophe
    return core


def word_parts(norm: str) -> tuple[str, ...]:
    """`norm` split at one leading French elision and at hyphens."""
    parts: list[str] = []
    elided = ELISION.match(norm)
    if elided:
        parts.append(elided.group(1))
        norm = norm[elided.end():]
    parts.extend(part for part in HYPHENS.split(norm) if part)
    return tuple(parts)


def has_word_char(token: str) -> bool:
    return any(char.isalnum() for char in token)


def paragraph_words(text: str, paragraph: int) -> list[TextWord]:
    """The words of one paragraph's (whitespace-normalised) text, punctuation attached."""
    spans: list[list[int]] = []  # [start, end] of each word in `text`
    pending_start: int | None = None  # an opening mark waiting for the word after it
    for match in re.finditer(r"[^ ]+", text):
        start, end = match.span()
        token = match.group()
        if has_word_char(token):
            spans.append([start if pending_start is None else pending_start, end])
            pending_start = None
        elif token[-1] in OPENING_MARKS or not spans:
            pending_start = start if pending_start is None else pending_start
        else:
            spans[-1][1] = end
    if pending_start is not None and spans:  # a trailing opening mark: give it to the last word
        spans[-1][1] = len(text)
    return [TextWord(text[start:end], normalise_word(text[start:end]), paragraph, start, end)
            for start, end in spans]
