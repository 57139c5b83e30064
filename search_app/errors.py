"""Errors: JSON with a message under /api, a page elsewhere; never a traceback.

The indexer's errors (`SpeechSearchError`) are translated here, once, for every view: a
`UsageError` (a bad query, an unknown id) is the request's fault, anything else the server's.
"""

from __future__ import annotations

import logging

from flask import Blueprint, jsonify, render_template, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException, InternalServerError, default_exceptions

from indexer.errors import SpeechSearchError, UsageError
from indexer.store import TranscriptNotFound

logger = logging.getLogger(__name__)
bp = Blueprint("errors", __name__)


def is_api_request() -> bool:
    """The JSON API answers errors in JSON, whatever the client accepts."""
    return request.path.startswith("/api/")


def error_response(status: int, message: str):
    if is_api_request():
        return jsonify(error={"status": status, "message": message}), status
    return render_template("error.html", status=status, message=message), status


def _message(error: HTTPException) -> str:
    messages = {
        404: _("This page or video does not exist in the archive."),
        405: _("This address does not accept that kind of request."),
        413: _("The request is too large."),
        416: _("The requested byte range is outside the file."),
    }
    return messages.get(error.code or 500, error.description or _("Something went wrong."))


@bp.app_errorhandler(HTTPException)
def http_error(error: HTTPException):
    # Our own aborts carry a message for the user; Werkzeug's defaults get ours.
    specific = getattr(error, "speechsearch_message", None)
    body, status = error_response(error.code or 500, specific or _message(error))
    # The error's own headers stay (Allow on a 405, Content-Range on a 416); the page is ours.
    headers = [(name, value) for name, value in error.get_headers()
               if name.lower() != "content-type"]
    return body, status, headers


@bp.app_errorhandler(SpeechSearchError)
def indexer_error(error: SpeechSearchError):
    if isinstance(error, TranscriptNotFound):
        return error_response(404, _("This page or video does not exist in the archive."))
    if isinstance(error, UsageError):
        return error_response(400, str(error))
    logger.error("%s on %s: %s", type(error).__name__, request.path, error)
    return error_response(503, str(error))


@bp.app_errorhandler(Exception)
def unexpected(error: Exception):
    logger.exception("unexpected error on %s", request.path)
    return error_response(500, InternalServerError.description)


def abort_with(status: int, message: str):
    """abort() with a message meant for the user."""
    error = default_exceptions[status]()
    error.speechsearch_message = message
    raise error
