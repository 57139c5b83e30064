"""One `send_email`, with a wrapper per mail; text and HTML bodies from templates, in the
recipient's language.

With no SPEECHSEARCH_MAIL_SERVER (the embedded default) mails are written to
`<data-dir>/outbox/` as .eml files and their path is logged, so sign-up works with no setup.

Requests never send themselves: they hand a job to the app's `MailOutbox` (`queue_mail`), one
background thread that runs the jobs in order. So an answer takes as long whether a mail goes out
or not (no account enumeration by timing), and a slow or failing SMTP server never holds a
request. The CLI (newsletter) calls `send_email` directly: it has no request to keep fast.
"""

from __future__ import annotations

import logging
import queue
import smtplib
import threading
from collections.abc import Callable
from datetime import datetime, timezone
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import make_msgid
from pathlib import Path

from flask import Flask, current_app, g, has_request_context, render_template, request_tearing_down
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

logger = logging.getLogger(__name__)
SMTP_POLICY = SMTP.clone(max_line_length=998)
OUTBOX_SIZE = 1000  # jobs waiting; when full, requests wait for room, every request alike
_OUTBOX_LOCK = threading.Lock()


class MailOutbox:
    """The app's one background sender. Each job runs in an app context of the app, one after
    the other; a job that fails is logged with its traceback and the next one runs."""

    def __init__(self, app: Flask):
        self._app = app
        self._jobs: queue.Queue = queue.Queue(maxsize=OUTBOX_SIZE)
        # A signal, not a teardown hook: it can be connected after the app's first request.
        request_tearing_down.connect(self._release_request_jobs, app, weak=False)
        # A daemon: a mail still queued when the process stops is lost (its code can be sent
        # again with "Send a new code"), but the process never hangs on a dead SMTP server.
        threading.Thread(target=self._work, name="mail-outbox", daemon=True).start()

    def submit(self, job: Callable[..., None], *args) -> None:
        self._jobs.put((job, args))

    def hold_until_request_ends(self, job: Callable[..., None], *args) -> None:
        g.setdefault("mail_jobs", []).append((job, args))

    def _release_request_jobs(self, sender: Flask, **extra) -> None:
        for job, args in g.pop("mail_jobs", []):
            self.submit(job, *args)

    def join(self) -> None:
        """Return once every job submitted so far has run (tests read their inbox after it)."""
        self._jobs.join()

    def _work(self) -> None:
        while True:
            job, args = self._jobs.get()
            try:
                with self._app.app_context():
                    job(*args)
            except Exception:  # logged, with its traceback: one bad mail must not stop the rest
                # Not its arguments: the sign-up job carries a password hash.
                logger.exception("mail job %s failed", job.__name__)
            finally:
                self._jobs.task_done()


def outbox(app: Flask) -> MailOutbox:
    """The app's outbox, started on first use (apps that send nothing start no thread)."""
    with _OUTBOX_LOCK:
        if "mail_outbox" not in app.extensions:
            app.extensions["mail_outbox"] = MailOutbox(app)
        return app.extensions["mail_outbox"]


def queue_mail(job: Callable[..., None], *args) -> None:
    """Run `job(*args)` in the current app's outbox thread. In a request, the job starts once
    the request is torn down, its answer made: jobs differ with the account (a new code, or
    only a hash), and their Python work must not compete with the answer for the GIL.
    Arguments are plain values (an address, not a User): the job has its own database session."""
    box = outbox(current_app._get_current_object())
    if has_request_context():
        box.hold_until_request_ends(job, *args)
    else:
        box.submit(job, *args)


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
