"""Sign-up confirmed by a mailed code, log in and out, password reset by code.

Every answer is the same whether or not an address has an account (no enumeration), and the
work done is the same too, by construction: sign-up, "Send a new code" and reset do the same
thing for every address (sign-up: one password hash), then hand one job to the mail outbox. What
depends on the account (creating it, issuing a code or hashing a dummy one, the SMTP exchange)
happens in that background job, after the answer.
"""

from __future__ import annotations

import secrets
import unicodedata
from urllib.parse import urlsplit

from flask import Blueprint, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from .clock import now
from .codes import (
    CodeCheck,
    check_code,
    granted_user,
    issue_code,
    issue_grant,
    redeem_grant,
)
from .forms import CodeForm, EmptyForm, LoginForm, NewPasswordForm, RegisterForm, ResetRequestForm
from .mail import queue_mail, send_reset_code, send_verification_code
from .models import User, db
from .passwords import check_secret, hash_secret, rule_labels

bp = Blueprint("auth", __name__)
# endpoint -> config key of its rate limit (applied per app in create_app)
LIMITS = {"auth.login": "LIMIT_LOGIN", "auth.verify": "LIMIT_CODE",
          "auth.reset_code": "LIMIT_CODE", "auth.register": "LIMIT_SEND",
          "auth.resend": "LIMIT_SEND", "auth.reset": "LIMIT_SEND",
          "auth.reset_resend": "LIMIT_SEND"}
_DUMMY_HASH = hash_secret("not a real password, only spends the same time")


def safe_next(target: str | None, default: str = "search.index") -> str:
    """Only a path on this site, as the browser will read it: never an open redirect.

    Browsers drop tabs and newlines anywhere in a URL, trim controls and spaces at its ends and
    read a backslash as a slash ("/<tab>/evil.example" is "//evil.example" to them), and a
    newline in a header is a 500: so a control character or a backslash refuses the target
    outright, and what is left must be a path starting with exactly one slash.
    """
    if (target and target.startswith("/") and not target.startswith("//")
            and "\\" not in target and not any(unicodedata.category(c) == "Cc" for c in target)):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for(default)


def find_user(email: str) -> User | None:
    return db.session.execute(db.select(User).filter_by(email=email.strip().lower())).scalar()


def code_message(result: CodeCheck) -> str:
    return {
        CodeCheck.WRONG: _("This code is not right. Check the last mail we sent."),
        CodeCheck.EXPIRED: _("This code has expired: send a new code."),
        CodeCheck.LOCKED: _("Too many wrong codes: send a new code."),
        CodeCheck.MISSING: _("This code is not right. Check the last mail we sent."),
    }[result]


@bp.route("/register", methods=["GET", "POST"])
def register():
    form = RegisterForm()
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        # The same for every address: one hash, one job; the account is looked at in the job.
        queue_mail(sign_up, email, hash_secret(form.password.data), g.ui_lang)
        session["pending_email"] = email
        return redirect(url_for("auth.verify"))
    return render_template("auth/register.html", form=form, rules=rule_labels())


def entered_code(purpose: str, email: str) -> tuple[CodeForm, User | None]:
    """The code form of a sign-up or reset; the user once the right code was entered."""
    form = CodeForm()
    if form.validate_on_submit():
        user = find_user(email)
        result = check_code(user, purpose, form.code.data) if user else CodeCheck.MISSING
        if result is CodeCheck.OK:
            return form, user
        # A fresh code does not help here: the account had its wrong codes for the hour.
        form.code.errors.append(
            _("Too many wrong codes for this account: try again in an hour.")
            if result is CodeCheck.THROTTLED else code_message(result))
    return form, None


def sign_up(email: str, password_hash: str, locale: str) -> None:
    """Mail-outbox job of /register: a new address gets its account, then a code as below.
    A verified address gets nothing new (its password stays), the same answer was given."""
    if find_user(email) is None:
        db.session.add(User(email=email, password_hash=password_hash, locale=locale,
                            created_at=now()))
        db.session.commit()
    mail_code("verify", email)


def mail_code(purpose: str, email: str) -> None:
    """Mail-outbox job: a new code to `email` if it should get one (sign-up: an account not
    verified yet; reset: any account), which voids the previous one. Otherwise the same scrypt
    hash as issuing one, so that the server's load does not tell the two apart either."""
    user = find_user(email)
    if user is None or (purpose == "verify" and user.verified):
        hash_secret(f"{secrets.randbelow(1_000_000):06d}")  # what issue_code hashes
        return
    send = send_verification_code if purpose == "verify" else send_reset_code
    send(user.email, issue_code(user, purpose), user.locale)


def send_new_code(purpose: str, email: str | None) -> None:
    """'Send a new code': voids the previous one; says and does the same whoever asks."""
    if EmptyForm().validate_on_submit() and email:
        queue_mail(mail_code, purpose, email)
        flash(_("A new code is on its way. The previous one no longer works."))


@bp.route("/verify", methods=["GET", "POST"])
def verify():
    email = session.get("pending_email")
    if not email:
        return redirect(url_for("auth.register"))
    form, user = entered_code("verify", email)
    if user is not None:
        user.verified_at = now()
        db.session.commit()
        session.pop("pending_email", None)
        login_user(user)
        return redirect(url_for("account.welcome"))
    return render_template("auth/verify.html", form=form, email=email, resend=EmptyForm(),
                           resend_url=url_for("auth.resend"))


@bp.route("/verify/resend", methods=["POST"])
def resend():
    send_new_code("verify", session.get("pending_email"))
    return redirect(url_for("auth.verify"))


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    target = safe_next(request.args.get("next"))
    if form.validate_on_submit():
        user = find_user(form.email.data)
        valid = check_secret(user.password_hash if user else _DUMMY_HASH, form.password.data)
        if user and valid:
            if not user.verified:
                session["pending_email"] = user.email
                queue_mail(mail_code, "verify", user.email)
                return redirect(url_for("auth.verify"))
            login_user(user, remember=form.remember.data)
            return redirect(target)
        form.password.errors.append(_("Wrong e-mail or password."))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    if EmptyForm().validate_on_submit():
        current_user.end_sessions()  # every device, and any copy of the cookies, too
        db.session.commit()
        logout_user()
    return redirect(url_for("search.index"))


@bp.route("/reset", methods=["GET", "POST"])
def reset():
    form = ResetRequestForm()
    if request.method == "GET" and request.args.get("next"):
        session["reset_next"] = safe_next(request.args.get("next"))
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        queue_mail(mail_code, "reset", email)  # the same for every address, as for a new code
        session["reset_email"] = email
        session.pop("reset_grant", None)  # a new reset: any grant of an earlier one goes
        return redirect(url_for("auth.reset_code"))
    return render_template("auth/reset.html", form=form)


@bp.route("/reset/code", methods=["GET", "POST"])
def reset_code():
    email = session.get("reset_email")
    if not email:
        return redirect(url_for("auth.reset"))
    form, user = entered_code("reset", email)
    if user is not None:
        session["reset_grant"] = issue_grant(user)
        return redirect(url_for("auth.reset_password"))
    return render_template("auth/verify.html", form=form, email=email, resend=EmptyForm(),
                           resend_url=url_for("auth.reset_resend"), reset=True)


@bp.route("/reset/resend", methods=["POST"])
def reset_resend():
    send_new_code("reset", session.get("reset_email"))
    return redirect(url_for("auth.reset_code"))


@bp.route("/reset/password", methods=["GET", "POST"])
def reset_password():
    # The grant is checked on the server: used, expired, or for another address than the
    # reset under way (a new /reset in this browser), it sends back to the start.
    grant = session.get("reset_grant")
    user = granted_user(grant)
    if user is None or user.email != session.get("reset_email"):
        session.pop("reset_grant", None)
        return redirect(url_for("auth.reset"))
    form = NewPasswordForm()
    if form.validate_on_submit():
        if redeem_grant(grant) is None:  # another request with this cookie came first
            return redirect(url_for("auth.reset"))
        user.set_password(form.password.data)  # also ends every session of the account
        db.session.commit()
        for key in ("reset_grant", "reset_email"):
            session.pop(key, None)
        logout_user()  # whoever was logged in here: their cookies go too
        back = session.pop("reset_next", None) or url_for("search.index")
        return render_template("auth/message.html", title=_("Your password has been updated"),
                               text=_("Log in with your new password."),
                               button=_("Back to where you were"), button_url=back)
    return render_template("auth/new_password.html", form=form, rules=rule_labels())
