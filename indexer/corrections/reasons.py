"""Why a correction is refused: a stable code and its parameters (EditError), so that the site
says it in the reader's language (search_app/correction_reasons.py translates each code) while
the CLI prints the English below. A new reason gets a code here and a wording there
(tests/test_correction_reasons.py checks both tables hold the same codes and parameters)."""

from __future__ import annotations

from typing import Any

from ..errors import UsageError

REASONS: dict[str, str] = {
    # edits.py: one edit of a passage
    "unknown_operation": "unknown edit %(operation)s: use one of %(choices)s",
    "no_passage": "there is no passage %(passage)d (this transcript has %(count)d); reload the "
                  "page to see the current ones",
    "merge_last": "the last passage has no next passage to merge with",
    "bad_language": "%(language)s is not one of the archive's languages (%(choices)s)",
    "control_characters": "the text holds control characters; type or paste plain text",
    "empty_text": "the text of a passage cannot be empty; merge the passage with its "
                  "neighbour instead",
    "text_too_long": "the text is %(length)d characters long; a passage holds at most "
                     "%(limit)d (SPEECHSEARCH_MAX_PASSAGE_CHARS): split it first",
    "bad_split": "a passage is split before one of its words 2 to %(count)d, not %(word)d",
    "merge_two_speakers": "these passages are said by two speakers (%(first)s, then "
                          "%(second)s): give them the same speaker first, then merge",
    "no_voices": "the voices of this video were not told apart: run `speechsearch diarize "
                 "VIDEO_ID` first, then choose one of them",
    "not_a_speaker": "%(speaker)r is not one of this video's speakers (%(choices)s); to name "
                     "a voice, use the Speakers panel",
    "times_missing": "give the passage's new start and end, in seconds",
    "times_outside": "the times must be in order and within the recording (0 to "
                     "%(duration).2f s): got %(start)g to %(end)g",
    "times_overlap": "passages stay in order: this one must lie between %(before).2f s (the "
                     "end of the one before) and %(after).2f s (the start of the next)",
    # commit.py: a save or a revert
    "nothing_to_save": "nothing to save: no edit was given",
    "other_layer": "revision %(number)d corrected %(corrected)s, but %(read)s is read now: it "
                   "cannot be restored over it",
    # replace.py: find and replace across the archive
    "empty_phrase": "type the word or phrase to find",
    "phrase_too_long": "a phrase to find is plain text of at most %(limit)d characters",
    "not_an_occurrence": "%(key)s is not an occurrence of the preview",
    "two_previews": "the occurrences of %(video)s come from two previews",
    "passage_gone": "passage %(passage)d is no longer there",
    "passage_changed": "passage %(passage)d changed since the preview",
    "empty_replacement": "type the replacement, as plain text",
    "nothing_ticked": "tick at least one occurrence to replace",
    # names.py: a corrected name offered to the gazetteer
    "bad_name": "a name for the gazetteer is plain text of 1 to %(limit)d characters",
    "bad_kind": "the kind of name must be one of %(choices)s",
    "bad_name_language": "the name's language must be one of %(choices)s",
    # store.py: a revision asked for
    "not_a_video": "%(video)s is not a video id",
    "no_revision": "video %(video)s has no revision %(number)d; `speechsearch history "
                   "%(video)s` lists them",
}
# The layers a revision corrects, as `other_layer` names them in English.
LAYERS = {"asr": "the machine transcript", "official": "the official text"}


class CodedError(UsageError):
    """A refusal worded by its code: `code` is a key of REASONS, `params` its values; str()
    is the English sentence."""

    def __init__(self, code: str, **params: Any):
        self.code, self.params = code, params
        english = {k: LAYERS.get(v, v) if k in ("corrected", "read") else v
                   for k, v in params.items()}
        super().__init__(REASONS[code] % english)

    def __str__(self) -> str:  # not KeyError's quoted form (RevisionNotFound)
        return str(self.args[0])


class EditError(CodedError):
    """The edit is refused; nothing was changed."""
