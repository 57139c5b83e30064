"""Where things live. Every command takes --data-dir (env SPEECHSEARCH_DATA_DIR, default ./data)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from .engines.base import DEFAULT_BATCH_SIZE, MAX_BATCH_SIZE, MAX_LANES
from .errors import UsageError
from .gazetteer import BUNDLED_GAZETTEER
from .language import DEFAULT_LANGUAGES

DEFAULT_DATA_DIR = "data"
# Files indexed at once by `speechsearch index`, their windows decoded together
# (index_many.py); 1 indexes them one after the other.
DEFAULT_FILES_AT_ONCE = 4
MAX_FILES_AT_ONCE = 16


def parse_languages(value: str | None) -> tuple[str, ...]:
    """'fr,en' -> ('fr', 'en'); empty -> the defaults."""
    codes = tuple(c.strip().lower() for c in (value or "").split(",") if c.strip())
    return codes or DEFAULT_LANGUAGES


def _env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(f"SPEECHSEARCH_{name}") or default


def _count_from_env(name: str, default: int, maximum: int, meaning: str,
                    minimum: int = 1) -> int:
    """SPEECHSEARCH_<name>, checked: a typo must not stop a worker with a traceback."""
    value = _env(name, str(default)) or ""
    if not value.strip().isdigit() or not minimum <= int(value) <= maximum:
        raise UsageError(f"SPEECHSEARCH_{name}={value!r}: give a whole number from {minimum} "
                         f"to {maximum} ({meaning}).")
    return int(value)


def batch_size_from_env() -> int:
    return _count_from_env("BATCH_SIZE", DEFAULT_BATCH_SIZE, MAX_BATCH_SIZE,
                           "windows decoded together; 1 turns batching off")


def lanes_from_env() -> int:
    return _count_from_env("LANES", 0, MAX_LANES, "models decoding side by side, the cores "
                           "split between them; 0 chooses", minimum=0)


def files_at_once_from_env() -> int:
    return _count_from_env("FILES_AT_ONCE", DEFAULT_FILES_AT_ONCE, MAX_FILES_AT_ONCE,
                           "files indexed at once; 1 indexes them one by one")


@dataclass(frozen=True)
class Settings:
    """The indexer's settings; the site reads the same SPEECHSEARCH_* variables (and may
    override them in its own config)."""

    data_dir: Path
    languages: tuple[str, ...] = field(default=DEFAULT_LANGUAGES)
    # The job queue's database: any SQLAlchemy URL, else SQLite in the data dir.
    database_url: str | None = None
    # No broker: the embedded queue (jobs run by `serve` or `worker` on this machine).
    # redis://...: jobs go through Celery to `speechsearch worker` on any machine.
    broker_url: str | None = None
    job_stale_seconds: float = 60.0  # a running job with no heartbeat for this long is requeued
    job_visibility_timeout: int = 3600  # Redis redelivers an unacknowledged task after this
    # How long an index write waits for Whoosh's own lock, held by a program that does not take
    # the writer's turn (writers that do take turns instead, without a limit).
    index_lock_seconds: float = 60.0
    # The longest text an archivist may give one passage (corrections/edits.py)
    max_passage_chars: int = 2000
    # Speech windows (up to 30 s each) decoded together by faster-whisper (engines/batching.py)
    batch_size: int = DEFAULT_BATCH_SIZE
    # Files `speechsearch index` indexes at once, their windows decoded together (index_many.py)
    files_at_once: int = DEFAULT_FILES_AT_ONCE
    # Models decoding side by side, the cores split between them; 0: auto (engines/lanes.py)
    lanes: int = 0

    @classmethod
    def from_env(cls, data_dir: str | Path | None = None,
                 languages: str | None = None) -> Settings:
        data_dir = data_dir or _env("DATA_DIR") or DEFAULT_DATA_DIR
        return cls(data_dir=Path(data_dir),
                   languages=parse_languages(languages or _env("LANGUAGES")),
                   database_url=_env("DATABASE_URL"), broker_url=_env("BROKER_URL"),
                   job_stale_seconds=float(_env("JOB_STALE_SECONDS", "60")),
                   job_visibility_timeout=int(_env("JOB_VISIBILITY_TIMEOUT", "3600")),
                   index_lock_seconds=float(_env("INDEX_LOCK_SECONDS", "60")),
                   max_passage_chars=int(_env("MAX_PASSAGE_CHARS", "2000")),
                   batch_size=batch_size_from_env(),
                   files_at_once=files_at_once_from_env(),
                   lanes=lanes_from_env())

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
    def gazetteer_path(self) -> Path:
        """The data dir's own gazetteer.json if it has one, else the project's."""
        own = self.data_dir / "gazetteer.json"
        return own if own.is_file() else BUNDLED_GAZETTEER
