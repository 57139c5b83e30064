"""Safe defaults; every key can be set from the environment as SPEECHSEARCH_<KEY>."""

from __future__ import annotations


class DefaultConfig:
    DATA_DIR = "data"  # shared with the indexer
    LANGUAGES = "fr,en"  # the archive's spoken languages
    UI_LANGUAGES = ("en", "fr")
    BABEL_DEFAULT_LOCALE = "en"
    PER_PAGE = 20
    MAX_PER_PAGE = 100
    LOW_CONFIDENCE = 0.5  # words Whisper was less sure of are marked in the transcript
    MAX_CONTENT_LENGTH = 1 * 1024 * 1024  # no uploads yet: refuse large bodies
    JSON_SORT_KEYS = False
    SEND_FILE_MAX_AGE_DEFAULT = 3600
