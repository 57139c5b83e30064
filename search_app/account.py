"""The account page, the newsletter (consent kept with its time) and account deletion."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import update

from indexer.jobs import Job

from .clock import now
from .forms import DeleteAccountForm, EmptyForm
from .mail import send_newsletter
from .models import User, db
from .urls import external_url, mail_base_url

bp = Blueprint("account", __name__)


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="newsletter-unsubscribe")


def unsubscribe_url(user: User) -> str:
    """The one-click link put in every newsletter mail."""
    token = _serializer().dumps(user.id)
    return external_url("account.unsubscribe", token=token)


def send_newsletter_issue(subject: str, body: str) -> int:
    """Mail `body` to every subscriber, each with their own unsubscribe link."""
    query = db.select(User).where(User.newsletter_since.is_not(None))
    subscribers = db.session.execute(query).scalars().all()
    with current_app.test_request_context(base_url=mail_base_url()):
        for user in subscribers:
            send_newsletter(user.email, subject, body, user.locale, unsubscribe_url(user))
    return len(subscribers)


@bp.route("/welcome")
@login_required
def welcome():
    return render_template("auth/welcome.html", form=EmptyForm())


@bp.route("/account")
@login_required
def page():
    return render_template("auth/account.html", newsletter=EmptyForm(),
                           delete=DeleteAccountForm())


@bp.route("/account/newsletter", methods=["POST"])
@login_required
def newsletter():
    if EmptyForm().validate_on_submit():
        subscribe = request.form.get("subscribe") == "1"
        current_user.newsletter_since = now() if subscribe else None
        db.session.commit()
        flash(_("You are subscribed to the newsletter.") if subscribe
              else _("You are no longer subscribed to the newsletter."))
    return redirect(url_for("account.page"))


@bp.route("/newsletter/unsubscribe/<token>", methods=["GET", "POST"])
def unsubscribe(token: str):
    try:
        user = db.session.get(User, int(_serializer().loads(token)))
    except (BadSignature, ValueError, TypeError):
        user = None
    if user is not None:
        user.newsletter_since = None
        db.session.commit()
    # Same page for a stale link: nothing more to do either way.
    return render_template("auth/message.html", title=_("You are unsubscribed"),
                           text=_("You will receive no more newsletters."),
                           button=_("Go to the archive"), button_url=url_for("search.index"))


@bp.route("/account/delete", methods=["POST"])
@login_required
def delete():
    form = DeleteAccountForm()
    if not form.validate_on_submit():
        flash(_("Tick the box to confirm."))
        return redirect(url_for("account.page"))
    user = db.session.get(User, current_user.id)
    logout_user()
    db.session.delete(user)  # codes go with it (cascade)
    # The jobs it queued stay (the archive's), without a link to a person who is gone.
    db.session.execute(update(Job).where(Job.user_id == user.id).values(user_id=None))
    db.session.commit()
    return render_template("auth/message.html", title=_("Your account is deleted"),
                           text=_("Your e-mail address and your data have been removed."),
                           button=_("Go to the archive"), button_url=url_for("search.index"))
