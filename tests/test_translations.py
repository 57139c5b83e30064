"""The French catalogue (a .po file, edited with Poedit, Weblate or by hand) is the source of the
French interface: every UI string of the code must be in it, translated, not fuzzy, and with the
same placeholders as the English. `make translations` adds a new string to it, untranslated."""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_keywords, parse_mapping_cfg
from babel.messages.pofile import read_po
from conftest import ROOT

FRENCH = ROOT / "search_app" / "translations" / "fr" / "LC_MESSAGES" / "messages.po"
# The same extraction as the Makefile's `translations` target: babel.cfg, and `-k _l`.
KEYWORDS = {**DEFAULT_KEYWORDS, **parse_keywords(["_l"])}

MessageKey = tuple[str | tuple[str, ...], str | None]


def extracted_messages() -> dict[MessageKey, str]:
    """Every translatable string of search_app, as (msgid, context) -> its first location."""
    with open(ROOT / "babel.cfg", encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle, "babel.cfg")
    found: dict[MessageKey, str] = {}
    for filename, lineno, msgid, _comments, context in extract_from_dir(
            ROOT / "search_app", method_map, options_map, keywords=KEYWORDS):
        found.setdefault((msgid, context), f"search_app/{filename}:{lineno}")
    return found


def missing_from(catalog: Catalog, messages: dict[MessageKey, str]) -> list[str]:
    """The messages the catalogue lacks, or holds with another plural (or no plural)."""
    missing = []
    for (msgid, context), location in messages.items():
        singular = msgid[0] if isinstance(msgid, tuple) else msgid
        entry = catalog.get(singular, context)
        if entry is None or entry.id != msgid:
            missing.append(f"{location}: {msgid!r}")
    return missing


def untranslated(catalog: Catalog) -> list[str]:
    """The entries a French reader would see in English: empty (any plural form) or fuzzy
    (`pybabel compile` leaves fuzzy entries out)."""
    problems = [f"fuzzy: {message.id!r}" for message in entries(catalog) if message.fuzzy]
    for message in entries(catalog):
        forms = message.string if isinstance(message.string, (list, tuple)) else [message.string]
        if not all(forms):
            problems.append(f"empty: {message.id!r}")
    if catalog.fuzzy:
        problems.append("the header is fuzzy: pybabel compile would skip the whole catalogue")
    return problems


def format_errors(catalog: Catalog) -> list[str]:
    """Babel's checks: python-format placeholders and the number of plural forms."""
    return [f"{message.id!r}: {'; '.join(map(str, errors))}"
            for message, errors in catalog.check()]


def entries(catalog: Catalog) -> Iterable[Message]:
    return (message for message in catalog if message.id)


@pytest.fixture(scope="module")
def french() -> Catalog:
    with open(FRENCH, "rb") as handle:
        return read_po(handle)


def test_every_ui_string_is_in_the_french_catalogue(french: Catalog) -> None:
    missing = missing_from(french, extracted_messages())
    assert not missing, ("not in messages.po (run `make translations`, then translate):\n"
                         + "\n".join(missing))


def test_every_french_entry_is_translated_and_not_fuzzy(french: Catalog) -> None:
    problems = untranslated(french)
    assert not problems, "\n".join(problems)


def test_french_placeholders_match_the_english(french: Catalog) -> None:
    errors = format_errors(french)
    assert not errors, "\n".join(errors)


FAULTY_PO = r"""#, fuzzy
msgid ""
msgstr ""
"Language: fr\n"
"Plural-Forms: nplurals=2; plural=(n > 1);\n"
"Content-Type: text/plain; charset=UTF-8\n"

msgid "Search"
msgstr "Rechercher"

msgid "Player"
msgstr ""

#, fuzzy
msgid "Video"
msgstr "Vidéo"

#, python-format
msgid "%(num)d file"
msgid_plural "%(num)d files"
msgstr[0] "%(num)d fichier"
msgstr[1] ""

#, python-format
msgid "%(name)s is ready."
msgstr "%(nom)s est prêt."
"""


def test_the_checks_name_each_kind_of_fault() -> None:
    """The three checks above, on a catalogue with one fault of each kind."""
    faulty = read_po(io.BytesIO(FAULTY_PO.encode("utf-8")))
    messages = {("Search", None): "a.py:1", ("Transcript", None): "a.py:2",
                (("Search", "Searches"), None): "a.py:3"}
    assert missing_from(faulty, messages) == ["a.py:2: 'Transcript'",
                                              "a.py:3: ('Search', 'Searches')"]
    assert untranslated(faulty) == [
        "fuzzy: 'Video'", "empty: 'Player'", "empty: ('%(num)d file', '%(num)d files')",
        "the header is fuzzy: pybabel compile would skip the whole catalogue"]
    assert format_errors(faulty) == ["'%(name)s is ready.': unknown named placeholder 'nom'"]



# A translated string followed in the template by a colon, semicolon, question or exclamation
# mark (past closing tags): the punctuation escapes translation, and French never gets the
# non-breaking space its typography puts before it ("Trouver une citation : collez…").
GLUED_PUNCTUATION = re.compile(r"""\{\{\s*_\((?:[^()]|\([^()]*\))*\)\s*\}\}(?:\s*</\w+>)*[:;?!]""")


def glued_punctuation(templates: Path) -> list[str]:
    found = []
    for path in sorted(templates.rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        for match in GLUED_PUNCTUATION.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            found.append(f"{path.relative_to(templates)}:{line}: {match.group(0)}")
    return found


def test_no_punctuation_is_glued_to_a_translated_string_in_a_template(tmp_path: Path) -> None:
    found = glued_punctuation(ROOT / "search_app" / "templates")
    assert not found, ("put the punctuation inside the translated string (French: a no-break "
                       "space before : ; ? !):\n" + "\n".join(found))
    (tmp_path / "a.html").write_text(
        '<a href="{{ url_for(\'x\') }}">{{ _("Find a quote") }}</a>: {{ _("paste") }}\n'
        '{{ _("Shown") }} {{ _("%(n)s left", n=f(1)) }}?\n', encoding="utf-8")
    assert glued_punctuation(tmp_path) == [
        'a.html:1: {{ _("Find a quote") }}</a>:', 'a.html:2: {{ _("%(n)s left", n=f(1)) }}?']


def test_french_punctuation_that_is_moved_into_strings_keeps_a_no_break_space(
        french: Catalog) -> None:
    for msgid in ("%(find_a_quote)s: paste a sentence as remembered to see where it was "
                  "really said.", "Citation:", "Check against delivery: %(title)s"):
        message = french.get(msgid)
        assert message is not None and "\u00a0:" in message.string, msgid
