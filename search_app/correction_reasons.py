"""Why a correction was refused, in the reader's language: the indexer's EditError carries a
stable code and its parameters (indexer/corrections/reasons.py, whose English the CLI prints);
each code is worded here, so that Babel extracts it and French pages say it in French."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from indexer.corrections.reasons import CodedError

SITE_REASONS = {
    "unknown_operation": _l("unknown edit %(operation)s: use one of %(choices)s"),
    "no_passage": _l("there is no passage %(passage)d (this transcript has %(count)d); "
        "reload the page to see the current ones"),
    "merge_last": _l("the last passage has no next passage to merge with"),
    "bad_language": _l("%(language)s is not one of the archive's languages (%(choices)s)"),
    "control_characters": _l("the text holds control characters; type or paste plain text"),
    "empty_text": _l("the text of a passage cannot be empty; merge the passage with its "
        "neighbour instead"),
    "text_too_long": _l("the text is %(length)d characters long; a passage holds at most "
        "%(limit)d (SPEECHSEARCH_MAX_PASSAGE_CHARS): split it first"),
    "bad_split": _l("a passage is split before one of its words 2 to %(count)d, not %(word)d"),
    "merge_two_speakers": _l("these passages are said by two speakers (%(first)s, then "
        "%(second)s): give them the same speaker first, then merge"),
    "no_voices": _l("the voices of this video were not told apart: run `speechsearch diarize "
        "VIDEO_ID` first, then choose one of them"),
    "not_a_speaker": _l("%(speaker)r is not one of this video's speakers (%(choices)s); to "
        "name a voice, use the Speakers panel"),
    "times_missing": _l("give the passage's new start and end, in seconds"),
    "times_outside": _l("the times must be in order and within the recording (0 to "
        "%(duration).2f s): got %(start)g to %(end)g"),
    "times_overlap": _l("passages stay in order: this one must lie between %(before).2f s "
        "(the end of the one before) and %(after).2f s (the start of the "
        "next)"),
    "nothing_to_save": _l("nothing to save: no edit was given"),
    "other_layer": _l("revision %(number)d corrected %(corrected)s, but %(read)s is read "
        "now: it cannot be restored over it"),
    "empty_phrase": _l("type the word or phrase to find"),
    "phrase_too_long": _l("a phrase to find is plain text of at most %(limit)d characters"),
    "not_an_occurrence": _l("%(key)s is not an occurrence of the preview"),
    "two_previews": _l("the occurrences of %(video)s come from two previews"),
    "passage_gone": _l("passage %(passage)d is no longer there"),
    "passage_changed": _l("passage %(passage)d changed since the preview"),
    "empty_replacement": _l("type the replacement, as plain text"),
    "nothing_ticked": _l("tick at least one occurrence to replace"),
    "bad_name": _l("a name for the gazetteer is plain text of 1 to %(limit)d characters"),
    "bad_kind": _l("the kind of name must be one of %(choices)s"),
    "bad_name_language": _l("the name's language must be one of %(choices)s"),
    "not_a_video": _l("%(video)s is not a video id"),
    "no_revision": _l("video %(video)s has no revision %(number)d; `speechsearch history "
        "%(video)s` lists them"),
}
LAYERS = {"asr": _l("the machine transcript"), "official": _l("the official text")}


def reason(error: Exception) -> str:
    """The reason of a refused correction, in the page's language (other errors as they are)."""
    if not isinstance(error, CodedError) or error.code not in SITE_REASONS:
        return str(error)
    params = {key: str(LAYERS[value]) if key in ("corrected", "read") and value in LAYERS
              else value for key, value in error.params.items()}
    return str(SITE_REASONS[error.code]) % params
