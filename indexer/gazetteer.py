"""The archive's key names, with a canonical id and French/English aliases.

Built from `data/gazetteer.json` (which archivists extend) and pycountry's country names in
English and French, so that OTAN = NATO, Russie = Russia and so on share one id.
"""

from __future__ import annotations

import gettext
import json
import logging
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pycountry

from .errors import SpeechSearchError

logger = logging.getLogger(__name__)

BUNDLED_GAZETTEER = Path(__file__).resolve().parents[1] / "data" / "gazetteer.json"
LABELS = ("ORG", "LOC", "PER", "MISC")
# Whisper base copes with a prompt of one or two names; a list of seven made it print lists of
# names instead of the speech (docs/benchmarks.md, "Prompt").
MAX_PROMPT_NAMES = 3


class GazetteerError(SpeechSearchError, ValueError):
    """The gazetteer file is malformed; the message names the entry at fault."""


@dataclass
class GazetteerEntry:
    id: str
    label: str
    names: dict[str, list[str]] = field(default_factory=dict)  # language -> aliases
    prompt: bool = False

    def add(self, language: str, *aliases: str) -> None:
        known = self.names.setdefault(language, [])
        known.extend(a for a in aliases if a and a not in known)

    def display_name(self, language: str) -> str:
        for names in (self.names.get(language), self.names.get("en"), *self.names.values()):
            if names:
                return names[0]
        return self.id

    @property
    def aliases(self) -> list[str]:
        return list(dict.fromkeys(a for names in self.names.values() for a in names))


def is_acronym(alias: str) -> bool:
    """All-capital names (UN, UE, OTAN) match case-sensitively: 'un' is French for 'a'."""
    letters = [c for c in alias if c.isalpha()]
    return bool(letters) and all(c.isupper() for c in letters) and " " not in alias


def fold(text: str) -> str:
    """Lowercase without accents, for case- and accent-blind lookups."""
    decomposed = unicodedata.normalize("NFKD", text.lower().replace("’", "'"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-")


def _country_entries() -> dict[str, GazetteerEntry]:
    french = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["fr"])
    entries = {}
    for country in pycountry.countries:
        entry = GazetteerEntry(id=f"country:{country.alpha_2.lower()}", label="LOC")
        for english in (getattr(country, "common_name", None), country.name):
            if not english:
                continue
            for language, name in (("en", english), ("fr", french.gettext(english))):
                # "Russie, Fédération de" -> also "Russie", the way people say it
                entry.add(language, name.split(", ")[0], name)
        entries[entry.id] = entry
    return entries


class Gazetteer:
    def __init__(self, entries: dict[str, GazetteerEntry]):
        self.entries = entries

    @classmethod
    def load(cls, path: Path | None = None, countries: bool = True) -> Gazetteer:
        path = path or BUNDLED_GAZETTEER
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:  # ValueError: not UTF-8, or not JSON
            raise GazetteerError(f"cannot read gazetteer {path}: {exc}") from exc
        if not isinstance(data, dict):
            raise GazetteerError(f"gazetteer {path}: expected an object with 'entities'")
        entries = _country_entries() if countries else {}
        for number, raw in enumerate(data.get("entities", []), start=1):
            if not isinstance(raw, dict) or not raw.get("id") or not raw.get("names"):
                raise GazetteerError(f"{path}: entity #{number} needs an 'id' and 'names'")
            label = raw.get("label", "MISC")
            if label not in LABELS:
                raise GazetteerError(f"{path}: {raw['id']}: label must be one of {LABELS}")
            entry = entries.setdefault(raw["id"], GazetteerEntry(id=raw["id"], label=label))
            # The file's names come first: they are the ones shown in the UI.
            for language, aliases in raw["names"].items():
                previous = entry.names.get(language, [])
                entry.names[language] = []
                entry.add(language, *aliases, *previous)
            entry.prompt = bool(raw.get("prompt", False))
        logger.debug("gazetteer %s: %d entries", path, len(entries))
        return cls(entries)

    @cached_property
    def _by_alias(self) -> dict[str, str]:
        index: dict[str, str] = {}
        for entry in self.entries.values():
            for alias in entry.aliases:
                index.setdefault(alias if is_acronym(alias) else fold(alias), entry.id)
        return index

    def lookup(self, name: str) -> str | None:
        """Canonical id for a name or id ('NATO', 'otan', 'org:nato'), or None."""
        name = name.strip()
        if name in self.entries:
            return name
        found = self._by_alias.get(name) or self._by_alias.get(fold(name))
        if found is None and len(name) >= 3:
            found = self._by_alias.get(name.upper())  # "otan" typed for OTAN (not "un": UN)
        return found

    def display_name(self, entity_id: str, language: str) -> str:
        entry = self.entries.get(entity_id)
        return entry.display_name(language) if entry else entity_id

    def prompt(self, language: str) -> str:
        """Names that bias Whisper toward the archive's spelling, in `language`."""
        names = [e.display_name(language) for e in self.entries.values() if e.prompt]
        return ", ".join(names[:MAX_PROMPT_NAMES]) + "." if names else ""
