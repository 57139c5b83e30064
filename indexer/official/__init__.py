"""Official transcripts: the published text of a speech, read (`formats`) into paragraphs and
words (`texts`) for the aligner to set against what was said."""

from .formats import MAX_OFFICIAL_TEXT_BYTES, parse_official_text, read_official_text
from .texts import (
    OfficialText,
    OfficialTextError,
    Paragraph,
    TextWord,
    normalise_word,
    word_parts,
)

__all__ = [
    "MAX_OFFICIAL_TEXT_BYTES",
    "OfficialText",
    "OfficialTextError",
    "Paragraph",
    "TextWord",
    "normalise_word",
    "parse_official_text",
    "read_official_text",
    "word_parts",
]
