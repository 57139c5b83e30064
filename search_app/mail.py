"""One `send_email`, with a wrapper per mail; text and HTML bodies from templates, in the
recipient's language.

With no SPEECHSEARCH_MAIL_SERVER (the embedded default) mails are written to
`<data-dir>/outbox/` as .eml files and their path is logged, so sign-up works with no setup.
"""

from __future__ import annotations

import logging
import smtplib
from datetime import datetime, timezone
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import make_msgid
from pathlib import Path

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

logger = logging.getLogger(__name__)
SMTP_POLICY = SMTP.clone(max_line_length=998)


def send_email(to: str, subject, template: str, locale: str,
               headers: dict[str, str] | None = None, **context) -> None:
    """`subject` is a lazy string (translated here, in the recipient's language) or text."""
    config = current_app.config
    with force_locale(locale):
        # Long URLs (List-Unsubscribe) must not be RFC 2047-encoded: SMTP allows 998 chars.
        message = EmailMessage(policy=SMTP_POLICY)
        message["Subject"] = str(subject)
        message["From"] = config["MAIL_DEFAULT_SENDER"]
        message["To"] = to
        message["Message-ID"] = make_msgid(domain="speechsearch.local")
        for name, value in (headers or {}).items():
            message[name] = value
        message.set_content(render_template(f"mail/{template}.txt", **context))
        message.add_alternative(render_template(f"mail/{template}.html", **context),
                                subtype="html")
    if config.get("MAIL_SERVER"):
        _send_smtp(message)
    else:
        _write_outbox(message, template)


def _send_smtp(message: EmailMessage) -> None:
    config = current_app.config
    with smtplib.SMTP(config["MAIL_SERVER"], int(config["MAIL_PORT"]), timeout=30) as smtp:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
        smtp.send_message(message)


def _write_outbox(message: EmailMessage, template: str) -> Path:
    outbox = Path(current_app.extensions["archive"].settings.data_dir) / "outbox"
    outbox.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%f")
    path = outbox / f"{stamp}-{template}.eml"
    path.write_bytes(bytes(message))
    logger.warning("No mail server configured: mail to %s written to %s", message["To"], path)
    return path


def send_verification_code(to: str, code: str, locale: str) -> None:
    send_email(to, _l("Your SpeechSearch verification code"), "verify_code", locale,
               code=code)


def send_reset_code(to: str, code: str, locale: str) -> None:
    send_email(to, _l("Your SpeechSearch password reset code"), "reset_code", locale,
               code=code)


def send_newsletter(to: str, subject: str, body: str, locale: str, unsubscribe: str) -> None:
    """One issue of the newsletter; `unsubscribe` is the recipient's one-click link."""
    send_email(to, subject, "newsletter", locale, body=body, unsubscribe=unsubscribe,
               headers={"List-Unsubscribe": f"<{unsubscribe}>",
                        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"})
