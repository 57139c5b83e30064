"""Sign-up confirmed by a mailed code, log in and out, password reset by code.

Every answer is the same whether or not an address has an account (no enumeration), and the
work done is the same too: an unknown address still costs one password hash.
"""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from .clock import now
from .codes import CodeCheck, check_code, issue_code
from .forms import CodeForm, EmptyForm, LoginForm, NewPasswordForm, RegisterForm, ResetRequestForm
from .mail import send_reset_code, send_verification_code
from .models import User, db
from .passwords import check_secret, hash_secret, rule_labels

bp = Blueprint("auth", __name__)
# endpoint -> config key of its rate limit (applied per app in create_app)
LIMITS = {"auth.login": "LIMIT_LOGIN", "auth.verify": "LIMIT_CODE",
          "auth.reset_code": "LIMIT_CODE", "auth.register": "LIMIT_SEND",
          "auth.resend": "LIMIT_SEND", "auth.reset": "LIMIT_SEND"}
_DUMMY_HASH = hash_secret("not a real password, only spends the same time")


def safe_next(target: str | None, default: str = "search.index") -> str:
    """Only paths on this site: never an open redirect to another host."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
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
        user = find_user(email)
        if user is None:
            user = User(email=email, password_hash=hash_secret(form.password.data),
                        locale=g.ui_lang, created_at=now())
            db.session.add(user)
            db.session.commit()
        else:
            hash_secret(form.password.data)  # same work, same time, as a new account
        if not user.verified:
            send_verification_code(user.email, issue_code(user, "verify"), user.locale)
        # A verified address gets no new code, but the page says the same thing.
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
        form.code.errors.append(code_message(result))
    return form, None


def send_new_code(purpose: str, email: str | None) -> None:
    """'Send a new code': voids the previous one; says the same whoever asks."""
    if EmptyForm().validate_on_submit() and email:
        user = find_user(email)
        if purpose == "verify" and user and not user.verified:
            send_verification_code(user.email, issue_code(user, "verify"), user.locale)
        elif purpose == "reset" and user:
            send_reset_code(user.email, issue_code(user, "reset"), user.locale)
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
                send_verification_code(user.email, issue_code(user, "verify"), user.locale)
                return redirect(url_for("auth.verify"))
            login_user(user, remember=form.remember.data)
            return redirect(target)
        form.password.errors.append(_("Wrong e-mail or password."))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    if EmptyForm().validate_on_submit():
        logout_user()
    return redirect(url_for("search.index"))


@bp.route("/reset", methods=["GET", "POST"])
def reset():
    form = ResetRequestForm()
    if request.method == "GET" and request.args.get("next"):
        session["reset_next"] = safe_next(request.args.get("next"))
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        user = find_user(email)
        if user is not None:
            send_reset_code(user.email, issue_code(user, "reset"), user.locale)
        session["reset_email"] = email
        session.pop("reset_user", None)
        return redirect(url_for("auth.reset_code"))
    return render_template("auth/reset.html", form=form)


@bp.route("/reset/code", methods=["GET", "POST"])
def reset_code():
    email = session.get("reset_email")
    if not email:
        return redirect(url_for("auth.reset"))
    form, user = entered_code("reset", email)
    if user is not None:
        session["reset_user"] = user.id
        return redirect(url_for("auth.reset_password"))
    return render_template("auth/verify.html", form=form, email=email, resend=EmptyForm(),
                           resend_url=url_for("auth.reset_resend"), reset=True)


@bp.route("/reset/resend", methods=["POST"])
def reset_resend():
    send_new_code("reset", session.get("reset_email"))
    return redirect(url_for("auth.reset_code"))


@bp.route("/reset/password", methods=["GET", "POST"])
def reset_password():
    user = db.session.get(User, session.get("reset_user") or 0)
    if user is None:
        return redirect(url_for("auth.reset"))
    form = NewPasswordForm()
    if form.validate_on_submit():
        user.password_hash = hash_secret(form.password.data)
        db.session.commit()
        for key in ("reset_user", "reset_email"):
            session.pop(key, None)
        if current_user.is_authenticated:
            logout_user()
        back = session.pop("reset_next", None) or url_for("search.index")
        return render_template("auth/message.html", title=_("Your password has been updated"),
                               text=_("Log in with your new password."),
                               button=_("Back to where you were"), button_url=back)
    return render_template("auth/new_password.html", form=form, rules=rule_labels())
