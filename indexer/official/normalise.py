"""Words as the aligner compares them: an official text's words and Whisper's, made alike.

Official texts and Whisper write the same speech differently: "29" or "vingt-neuf", "Éric" or
"Eric" (Whisper base often drops or adds accents), "l'OTAN" or " l" + "'OTAN", "OTAN-Russie" or
" OTAN" + "-Russie", with or without punctuation. Both sides go through `tokens`, which gives
each written word zero or more tokens: casefolded, accents folded, numbers spelled out in the
word's language, split at apostrophes, hyphens and punctuation (so a hyphenated number and a
French elision split the same way on both sides).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from num2words import num2words

# "1er", "2e", "21st": ordinals; "1,5" / "1.5": decimals; otherwise cardinals.
NUMBER = re.compile(r"(\d+)(?:[.,](\d+))?(er|re|ère|e|ème|eme|st|nd|rd|th)?(?![^\W\d_])")
TOKEN = re.compile(r"[^\W_]+")
# Roman numerals of two letters or more, as texts write centuries, reigns and headings
# ("XXIe siècle", "Louis XIV", "Sonnet II"): read as the number said. I, V and X only: "CD",
# "DC", "MC" are far more often abbreviations. A lone "I" is the English pronoun.
ROMAN = re.compile(r"^(?P<numeral>X{0,3}(?:IX|IV|V?I{0,3}))(?P<suffix>er|re|e|ème)?"
                   r"(?P<rest>[^\w]*)$")
ROMAN_VALUES = {"I": 1, "V": 5, "X": 10}
PERCENT = {"fr": " pour cent", "en": " percent"}


@lru_cache(maxsize=65536)
def tokens(word: str, language: str) -> list[str]:
    """The comparison tokens of one written word (a list: callers must not change it)."""
    text = roman_to_digits(unicodedata.normalize("NFKC", word))
    if "%" in text:
        text = text.replace("%", PERCENT.get(language, " %"))
    text = NUMBER.sub(lambda match: f" {spell(match, language)} ", text)
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    folded = "".join(char for char in decomposed if not unicodedata.combining(char))
    return TOKEN.findall(folded)


def roman_to_digits(word: str) -> str:
    """ "XXIe" -> "21e", "II." -> "2."; any other word as it is."""
    match = ROMAN.match(word)
    if not match or len(match["numeral"]) < 2:
        return word
    values = [ROMAN_VALUES[letter] for letter in match["numeral"]]
    number = sum(-value if later > value else value
                 for value, later in zip(values, [*values[1:], 0]))
    return f"{number}{match['suffix'] or ''}{match['rest']}"


def spell(match: re.Match[str], language: str) -> str:
    """A number in words in `language`; left in digits where num2words does not speak it."""
    whole, decimals, suffix = match.groups()
    try:
        if suffix:
            return num2words(int(whole), to="ordinal", lang=language)
        if decimals:
            return num2words(float(f"{whole}.{decimals}"), lang=language)
        return num2words(int(whole), lang=language)
    except (NotImplementedError, OverflowError):  # an unknown language, an absurd number
        return match.group()
