"""Reading and checking request parameters, shared by the pages and the API."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from flask import current_app, request
from flask_babel import gettext as _

from indexer.results import QuerySyntaxError, check_length

from .errors import abort_with

# ASCII only, as openapi.json says: str.lower() and \d would let in the Kelvin sign ("K"
# lower-cases to "k") and other scripts' digits, and int() signs and underscores.
_LANG = re.compile(r"^[A-Za-z]{2,3}$")
_YEAR = re.compile(r"^[0-9]{4}$")
_WHOLE = re.compile(r"^[0-9]{1,9}$")


@dataclass(frozen=True)
class SearchParams:
    q: str
    lang: str | None
    entity: str | None
    speaker: str | None
    year: str | None
    page: int
    per_page: int

    def filters(self) -> dict[str, str]:
        return {k: v for k, v in (("lang", self.lang), ("entity", self.entity),
                                  ("speaker", self.speaker), ("year", self.year)) if v}


def int_arg(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw in (None, ""):
        return default
    if not _WHOLE.match(raw):
        abort_with(400, _("%(name)s must be a whole number.", name=name))
    value = int(raw)
    if not low <= value <= high:
        abort_with(400, _("%(name)s must be between %(low)d and %(high)d.", name=name,
                          low=low, high=high))
    return value


def search_params() -> SearchParams:
    config = current_app.config
    lang = (request.args.get("lang") or "").strip() or None
    if lang and not _LANG.match(lang):
        abort_with(400, _("Unknown language code %(code)s.", code=lang[:20]))
    query = request.args.get("q") or ""
    try:
        check_length(query)
    except QuerySyntaxError as exc:
        abort_with(400, str(exc))
    year = (request.args.get("year") or "").strip() or None
    if year and not _YEAR.match(year):
        abort_with(400, _("year must look like 2009."))
    return SearchParams(
        q=query.strip(),
        lang=lang.lower() if lang else None,
        entity=(request.args.get("entity") or "").strip()[:200] or None,
        speaker=(request.args.get("speaker") or "").strip()[:200] or None,
        year=year,
        page=int_arg("page", 1, 1, 10_000),
        per_page=int_arg("per_page", config["PER_PAGE"], 1, config["MAX_PER_PAGE"]),
    )


def start_time() -> float | None:
    """?t=12.5 (seconds) for the player; None when absent."""
    raw = request.args.get("t")
    if raw in (None, ""):
        return None
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0:
        abort_with(400, _("t must be a number of seconds, like 12.5."))
    return value
