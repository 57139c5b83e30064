"""Archivists' corrections of the reading layer, with their history.

`edits` changes passages (text, split, merge, language, speaker, times); `commit` saves a
change as a revision and re-indexes at once; `store` keeps every revision on disk; `diff`
compares two. The transcript's side is schema 3 (records.CorrectedLayer,
docs/transcript-format.md).
"""

from .commit import ConflictError, Saved, revert, save_edits
from .diff import Change, diff_words
from .edits import Edit, EditError
from .store import Revision, RevisionNotFound, RevisionStore

__all__ = ["Change", "ConflictError", "Edit", "EditError", "Revision", "RevisionNotFound",
           "RevisionStore", "Saved", "diff_words", "revert", "save_edits"]
