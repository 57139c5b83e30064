"""Why an official text was refused, in the reader's language (issue 15).

The text reader (indexer/official/formats.py) explains a refusal in English, for the CLI and the
logs, and names it (`OfficialTextError.kind`, with its values in `details`). The site says the
reasons an archivist meets on the edit panel in the page's language; a reason without a
translation here keeps the reader's English words. So does the aligner (AlignmentError): its
refusals happen in a job, which keeps them named (`error_reason`) for the jobs page.
"""

from __future__ import annotations

from collections.abc import Callable

from babel.lists import format_list
from flask_babel import format_percent, get_locale
from flask_babel import gettext as _


def _name(details: dict) -> str:
    return str(details.get("name") or "") or _("The pasted text")


REASONS: dict[str, Callable[[dict], str]] = {
    "empty": lambda d: _("%(name)s contains no text (it is empty, blank or only markup): "
                         "attach the file that holds the statement.", name=_name(d)),
    "binary": lambda d: _("%(name)s is a binary file (Word, zip, RTF...), not text: attach the "
                          "statement saved as UTF-8 text (.txt, .html, .srt, .vtt) or as .pdf.",
                          name=_name(d)),
    "encoding": lambda d: _("%(name)s is not UTF-8 text (line %(line)s): open it in a text "
                            "editor and save it as UTF-8.", name=_name(d), line=d.get("line")),
    "format": lambda d: _("%(name)s: unknown format %(suffix)s; attach the text as .txt, .html, "
                          ".srt, .vtt or .pdf.", name=_name(d), suffix=d.get("suffix")),
    "not pdf": lambda d: _("%(name)s is not a PDF file: give it the suffix of its real format "
                           "(.txt, .html, .srt or .vtt).", name=_name(d)),
    "pdf password": lambda d: _("%(name)s is protected by a password: save a copy without the "
                                "password and attach that.", name=_name(d)),
    "pdf damaged": lambda d: _("%(name)s could not be read as a PDF: it may be damaged; export "
                               "it again from the original document.", name=_name(d)),
    "pdf no text": lambda d: _("%(name)s holds no text: a scanned PDF has no text layer: OCR it "
                               "first (e.g. with ocrmypdf), or attach the text as .txt.",
                               name=_name(d)),
}


def _language(code: str) -> str:
    return get_locale().languages.get(code, code)


# The aligner's refusals (indexer/official/align.py), as a failed job names them.
ALIGNMENT_REASONS: dict[str, Callable[[dict], str]] = {
    "no words": lambda d: _("Official text %(name)s not attached: it has no words to align.",
                            name=d.get("name")),
    "no heard words": lambda d: _("Official text %(name)s not attached: the recording has no "
                                  "transcribed words to align the text to.", name=d.get("name")),
    "another speech": lambda d: _(
        "Official text %(name)s not attached: this looks like the text of another speech: "
        "only %(anchored)s of its words match runs of what is said in the recording (at least "
        "%(needed)s needed).", name=d.get("name"), anchored=format_percent(d["anchored"]),
        needed=format_percent(d["needed"])),
    "another language": lambda d: _(
        "Official text %(name)s not attached: the official text is in %(text)s but the "
        "recording is in %(spoken)s: attach the text in the language that is spoken.",
        name=d.get("name"), text=_language(d["text"]),
        spoken=format_list([_language(c) for c in d["spoken"]], locale=get_locale())),
}


def job_error(job: dict) -> str:
    """A job's error (`JobQueue.view`) in the page's language when it is named, else as the
    indexer stored it, in English."""
    reason = job.get("error_reason") or {}
    say = ALIGNMENT_REASONS.get(reason.get("kind", ""))
    return say(reason) if say else job["error"]


def official_text_reason(error: Exception) -> str:
    """The refusal of an official text (an OfficialTextError), in the page's language."""
    say = REASONS.get(getattr(error, "kind", ""))
    return say(getattr(error, "details", {})) if say else str(error)
