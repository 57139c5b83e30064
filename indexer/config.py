"""Where things live. Every command takes --data-dir (env SPEECHSEARCH_DATA_DIR, default ./data)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from .gazetteer import BUNDLED_GAZETTEER
from .language import DEFAULT_LANGUAGES

DEFAULT_DATA_DIR = "data"


def parse_languages(value: str | None) -> tuple[str, ...]:
    """'fr,en' -> ('fr', 'en'); empty -> the defaults."""
    codes = tuple(c.strip().lower() for c in (value or "").split(",") if c.strip())
    return codes or DEFAULT_LANGUAGES


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    languages: tuple[str, ...] = field(default=DEFAULT_LANGUAGES)

    @classmethod
    def from_env(cls, data_dir: str | Path | None = None,
                 languages: str | None = None) -> Settings:
        data_dir = data_dir or os.environ.get("SPEECHSEARCH_DATA_DIR") or DEFAULT_DATA_DIR
        languages = languages or os.environ.get("SPEECHSEARCH_LANGUAGES")
        return cls(data_dir=Path(data_dir), languages=parse_languages(languages))

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"

    @property
    def transcripts_dir(self) -> Path:
        return self.data_dir / "transcripts"

    @property
    def models_dir(self) -> Path:
        return self.data_dir / "models"

    @property
    def samples_dir(self) -> Path:
        return self.data_dir / "samples"

    @property
    def gazetteer_path(self) -> Path:
        """The data dir's own gazetteer.json if it has one, else the project's."""
        own = self.data_dir / "gazetteer.json"
        return own if own.is_file() else BUNDLED_GAZETTEER
