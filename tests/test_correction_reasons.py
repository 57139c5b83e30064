"""Why an edit is refused, in the reader's language: the indexer raises EditError with a stable
code and its parameters (English for the CLI), the site translates the code. Flask test client,
real index and database."""

from __future__ import annotations

import re

import pytest
from corrections_support import FR
from test_corrections_site import app, csrf, data, edit, login  # noqa: F401 (fixtures)

from indexer.corrections import EditError
from indexer.corrections.reasons import REASONS
from search_app.correction_reasons import SITE_REASONS, reason

PLACEHOLDER = re.compile(r"%\((\w+)\)")


def test_every_code_has_a_site_wording_with_the_same_parameters() -> None:
    assert SITE_REASONS.keys() == REASONS.keys()
    for code, english in REASONS.items():
        assert set(PLACEHOLDER.findall(str(SITE_REASONS[code]))) == \
            set(PLACEHOLDER.findall(english)), code


def test_the_error_keeps_its_english_message_for_the_cli() -> None:
    error = EditError("text_too_long", length=2500, limit=2000)
    assert error.code == "text_too_long" and error.params == {"length": 2500, "limit": 2000}
    assert str(error).startswith("the text is 2500 characters long")
    with pytest.raises(KeyError):
        EditError("no_such_code")


@pytest.mark.parametrize("ui, empty, long", [
    ("en", "Nothing was saved: the text of a passage cannot be empty",
     "the text is 2001 characters long; a passage holds at most 2000"),
    ("fr", "Rien n’a été enregistré : le texte d’un passage ne peut pas être vide",
     "le texte compte 2001 caractères ; un passage en contient au plus 2000"),
])
def test_refusals_are_shown_in_the_page_language(app, ui: str, empty: str,  # noqa: F811
                                                 long: str) -> None:
    client = login(app, "archivist@example.org")
    client.get(f"/?ui={ui}")  # the choice is remembered in a cookie
    token = csrf(client, f"/videos/{FR}")
    page = client.get(edit(client, token, "   ").location).text
    assert empty in page.replace("&#39;", "’").replace("'", "’")
    page = client.get(edit(client, token, "x" * 2001).location).text
    assert long in page.replace("&#39;", "’").replace("'", "’")


def test_layer_names_are_translated_too(app) -> None:  # noqa: F811
    with app.test_request_context("/?ui=fr"):
        from flask import g
        g.ui_lang = "fr"
        text = reason(EditError("other_layer", number=2, corrected="asr", read="official"))
    assert "la transcription automatique" in text and "le texte officiel" in text


def test_a_missing_revision_is_said_in_the_page_language(app) -> None:  # noqa: F811
    client = app.test_client()
    login(app, "archivist@example.org")
    response = client.get(f"/api/videos/{FR}/revisions/9?ui=fr")
    assert response.status_code == 404
    assert f"la vidéo {FR} n’a pas de révision 9" in response.json["error"]["message"]
    english = client.get(f"/api/videos/{FR}/revisions/9?ui=en").json["error"]["message"]
    assert english.startswith(f"video {FR} has no revision 9")
