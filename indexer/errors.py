"""The one family of errors SpeechSearch raises on purpose.

Every error a user can cause or fix (a bad file, a bad query, an unknown id, a locked index, a
broken model folder) is a `SpeechSearchError` whose message says what happened and what to
do. The command line turns them into one line and an exit code (`indexer/cli.py`), the site
into its error page or JSON (`search_app/errors.py`); nothing else catches them wholesale.
"""

from __future__ import annotations


class SpeechSearchError(Exception):
    """An error whose message is meant for the user."""

    exit_code = 1


class UsageError(SpeechSearchError):
    """The request itself is wrong (a bad query, a bad date, an unknown id): nothing was
    changed, and asking again the same way will not help."""


class ReasonedError(UsageError):
    """A refusal whose reason is named (`kind`) with its values (`details`), so that the site
    can say it in the reader's language (search_app/official_reasons.py); the message is the
    indexer's English, for the command line and the logs."""

    def __init__(self, message: str, kind: str = "", **details: object):
        super().__init__(message)
        self.kind = kind
        self.details = details
