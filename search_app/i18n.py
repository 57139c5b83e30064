"""French and English UI with Flask-Babel: ?ui=fr|en (remembered in a cookie), else the browser's
Accept-Language."""

from __future__ import annotations

import re
from datetime import date

from flask import Flask, current_app, g, request
from flask_babel import Babel, format_date, gettext

from indexer.export import clock

from .urls import url_with_query

COOKIE = "ui_lang"


def select_locale() -> str:
    languages = current_app.config["UI_LANGUAGES"]
    chosen = request.args.get("ui") or request.cookies.get(COOKIE)
    if chosen in languages:
        return chosen
    return request.accept_languages.best_match(languages) or languages[0]


def switch_url(language: str) -> str:
    """This page in another UI language: the same path and query, but `ui`."""
    query = request.args.copy()
    query["ui"] = language
    return url_with_query(request.endpoint or "search.index", query, **(request.view_args or {}))


def human_date(value: str) -> str:
    try:
        return format_date(date.fromisoformat(value), "long")
    except (TypeError, ValueError):
        return value or ""


# A voice nobody named is indexed under its automatic label, in English
# (records.Speaker.label): pages say it in their own language.
AUTOMATIC_SPEAKER = re.compile(r"Speaker (\d+)")


def speaker_label(value: str) -> str:
    automatic = AUTOMATIC_SPEAKER.fullmatch(value or "")
    return gettext("Speaker %(number)s", number=automatic[1]) if automatic else value or ""


def init_app(app: Flask) -> None:
    Babel(app, locale_selector=select_locale)

    @app.before_request
    def remember_locale() -> None:
        g.ui_lang = select_locale()

    @app.after_request
    def store_choice(response):
        chosen = request.args.get("ui")
        if chosen in app.config["UI_LANGUAGES"] and request.cookies.get(COOKIE) != chosen:
            response.set_cookie(COOKIE, chosen, max_age=365 * 86400, samesite="Lax",
                                httponly=True)
        return response

    app.jinja_env.globals.update(switch_url=switch_url)
    app.jinja_env.filters.update(clock=clock, human_date=human_date,
                               speaker_label=speaker_label)
