"""Accounts: sign-up by mailed code, login, reset, newsletter, security. Real SMTP (aiosmtpd)
on localhost, real SQLite and PostgreSQL, and an injectable clock instead of sleeps."""

from __future__ import annotations

import email
import os
import re
import stat
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from conftest import MailFlushingClient, mail_text, smtp_capture

from search_app import create_app
from search_app.models import OneTimeCode, User, db

GOOD = "Quote-Check-2009!"
NEW = "Another-G00d-Pass?"


class Clock:
    def __init__(self):
        self.moment = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.moment


@pytest.fixture
def inbox():
    with smtp_capture() as capture:
        yield capture


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def make_app(tmp_path: Path, inbox, clock: Clock, database_url: str):
    """create_app for this test: its data dir, the SMTP capture, the clock, its database."""
    def make(**extra):
        config = {"TESTING": True, "DATA_DIR": str(tmp_path / "data"),
                  "DATABASE_URL": database_url, "MAIL_SERVER": "127.0.0.1",
                  "MAIL_PORT": inbox[1], "CLOCK": clock, "WTF_CSRF_ENABLED": False,
                  "LIMIT_SEND": "100 per minute", "LIMIT_LOGIN": "100 per minute",
                  "LIMIT_CODE": "100 per minute"}
        config.update(extra)
        app = create_app(config)
        app.test_client_class = MailFlushingClient  # the mails are in when it returns
        return app
    return make


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


def register(client, address="journalist@example.org", password=GOOD, ui="en"):
    return client.post(f"/register?ui={ui}", data={"email": address, "password": password,
                                                   "confirm": password})


def test_sign_up_with_the_mailed_code(client, inbox, app) -> None:
    handler, _ = inbox
    response = register(client)
    assert response.status_code == 302 and response.headers["Location"] == "/verify"
    page = client.get("/verify").text
    assert "Check your inbox and enter the verification code" in page
    assert "Send a new code" in page
    mail = handler.messages[-1]
    assert mail["To"] == "journalist@example.org" and mail.is_multipart()
    assert {p.get_content_type() for p in mail.walk()} >= {"text/plain", "text/html"}
    code = handler.code_for("journalist@example.org")
    wrong = client.post("/verify", data={"code": f"{(int(code) + 1) % 1_000_000:06d}"})
    assert "This code is not right" in wrong.text
    done = client.post("/verify", data={"code": code}, follow_redirects=True)
    assert "You have successfully created your account; from now on you can download full " \
           "or partial versions of our videos" in done.text
    assert "Subscribe to our newsletter" in done.text
    client.post("/account/newsletter", data={"subscribe": "1"})
    with app.app_context():
        user = db.session.execute(db.select(User)).scalar_one()
        assert user.verified and user.newsletter_since is not None
    assert "Subscribed since 2026-01-05" in client.get("/account").text


def test_codes_and_passwords_are_stored_hashed(client, inbox, app) -> None:
    register(client)
    code = inbox[0].code_for("journalist@example.org")
    with app.app_context():
        user = db.session.execute(db.select(User)).scalar_one()
        stored = db.session.execute(db.select(OneTimeCode)).scalar_one()
        assert user.password_hash.startswith("scrypt:") and GOOD not in user.password_hash
        assert stored.code_hash.startswith("scrypt:") and code not in stored.code_hash


@pytest.mark.parametrize("password, rule", [
    ("Sh0rt!pass", "at least 12 characters"),
    ("With Space-2009!", "no spaces"),
    ("QUOTE-CHECK-2009!", "a lower-case letter"),
    ("quote-check-2009!", "an upper-case letter"),
    ("Quote-Check-Year!", "a digit"),
    ("QuoteCheck20091", "a symbol"),
])
def test_each_broken_password_rule_is_named(client, password: str, rule: str) -> None:
    page = register(client, password=password).text
    assert "The password needs:" in page and rule in page
    assert page.count("field-error") == 1


def test_password_rules_in_french(client) -> None:
    page = register(client, password="court", ui="fr").text
    assert "au moins 12 caractères" in page


def test_confirmation_must_match(client) -> None:
    response = client.post("/register", data={"email": "a@example.org", "password": GOOD,
                                              "confirm": GOOD + "x"})
    assert "The two passwords differ." in response.text


def test_new_code_voids_the_old_one(client, inbox) -> None:
    register(client)
    first = inbox[0].code_for("journalist@example.org")
    client.post("/verify/resend")
    second = inbox[0].code_for("journalist@example.org")
    assert len(inbox[0].messages) == 2
    if first != second:
        assert "not right" in client.post("/verify", data={"code": first}).text
    assert client.post("/verify", data={"code": second}).headers["Location"] == "/welcome"


def test_code_expires_after_30_minutes(client, inbox, clock) -> None:
    register(client)
    code = inbox[0].code_for("journalist@example.org")
    clock.moment += timedelta(minutes=30, seconds=1)
    assert "This code has expired" in client.post("/verify", data={"code": code}).text
    client.post("/verify/resend")
    fresh = inbox[0].code_for("journalist@example.org")
    assert client.post("/verify", data={"code": fresh}).status_code == 302


def test_five_wrong_codes_lock_the_code(client, inbox) -> None:
    register(client)
    code = inbox[0].code_for("journalist@example.org")
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(4):
        assert "not right" in client.post("/verify", data={"code": wrong}).text
    assert "Too many wrong codes" in client.post("/verify", data={"code": wrong}).text
    assert "Too many wrong codes" in client.post("/verify", data={"code": code}).text


def test_no_account_enumeration(client, inbox, app) -> None:
    register(client, "known@example.org")
    client.post("/verify", data={"code": inbox[0].code_for("known@example.org")})
    client.post("/logout")
    other = app.test_client()
    again = register(other, "known@example.org")
    fresh = register(app.test_client(), "unknown@example.org")
    assert again.status_code == fresh.status_code == 302
    assert again.headers["Location"] == fresh.headers["Location"]
    before = len(inbox[0].messages)
    known = app.test_client().post("/reset", data={"email": "known@example.org"})
    unknown = app.test_client().post("/reset", data={"email": "nobody@example.org"})
    assert (known.status_code, known.headers["Location"]) == \
           (unknown.status_code, unknown.headers["Location"])
    assert len(inbox[0].messages) == before + 1  # only the real account gets a mail
    assert inbox[0].messages[-1]["To"] == "known@example.org"
    login_known = app.test_client().post("/login", data={"email": "known@example.org",
                                                         "password": "Wrong-Pass-123!"})
    login_unknown = app.test_client().post("/login", data={"email": "nobody@example.org",
                                                           "password": "Wrong-Pass-123!"})
    assert login_known.status_code == login_unknown.status_code == 200
    assert "Wrong e-mail or password." in login_known.text
    assert login_known.text == login_unknown.text.replace("nobody@", "known@")


def test_password_reset_returns_to_where_the_user_was(client, inbox) -> None:
    register(client)
    client.post("/verify", data={"code": inbox[0].code_for("journalist@example.org")})
    client.post("/logout")
    start = "/search?q=terrorisme"
    login_page = client.get(f"/login?next={start}").text
    assert "/reset?next=/search?q%3Dterrorisme" in login_page
    client.get("/reset", query_string={"next": start})
    assert client.post("/reset", data={"email": "journalist@example.org"}).headers[
        "Location"] == "/reset/code"
    code = inbox[0].code_for("journalist@example.org")
    assert client.post("/reset/code", data={"code": code}).headers["Location"] == \
        "/reset/password"
    weak = client.post("/reset/password", data={"password": "weak", "confirm": "weak"}).text
    assert "The password needs:" in weak
    done = client.post("/reset/password", data={"password": NEW, "confirm": NEW}).text
    assert "Your password has been updated" in done and f'href="{start}"' in done
    old = client.post("/login", data={"email": "journalist@example.org", "password": GOOD})
    assert old.status_code == 200 and "Wrong e-mail or password." in old.text
    new = client.post(f"/login?next={start}", data={"email": "journalist@example.org",
                                                    "password": NEW})
    assert new.status_code == 302 and new.headers["Location"] == start


def test_login_redirects_only_inside_the_site(client, inbox) -> None:
    register(client)
    client.post("/verify", data={"code": inbox[0].code_for("journalist@example.org")})
    client.post("/logout")
    response = client.post("/login?next=//evil.example/x",
                           data={"email": "journalist@example.org", "password": GOOD})
    assert response.headers["Location"] in ("/", "/search")  # home, not the other host


def test_unverified_login_is_sent_to_the_code_page(client, inbox) -> None:
    register(client)
    response = client.post("/login", data={"email": "journalist@example.org", "password": GOOD})
    assert response.headers["Location"] == "/verify"


def test_csrf_is_required(make_app) -> None:
    client = make_app(WTF_CSRF_ENABLED=True).test_client()
    response = client.post("/login", data={"email": "a@example.org", "password": GOOD})
    assert response.status_code == 400 and "CSRF" in response.text
    page = client.get("/login").text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    accepted = client.post("/login", data={"email": "a@example.org", "password": GOOD,
                                           "csrf_token": token})
    assert accepted.status_code == 200 and "Wrong e-mail or password." in accepted.text


def test_login_is_rate_limited(make_app) -> None:
    client = make_app(LIMIT_LOGIN="3 per minute").test_client()
    for _ in range(3):
        assert client.post("/login", data={"email": "a@example.org",
                                           "password": "x"}).status_code == 200
    limited = client.post("/login", data={"email": "a@example.org", "password": "x"})
    assert limited.status_code == 429
    assert client.get("/login").status_code == 200  # reading the form is not limited


def test_code_entry_is_rate_limited(make_app) -> None:
    client = make_app(LIMIT_CODE="2 per minute").test_client()
    register(client)
    for _ in range(2):
        client.post("/verify", data={"code": "000000"})
    assert client.post("/verify", data={"code": "000000"}).status_code == 429


def test_secret_key_kept_in_the_data_dir_and_cookie_flags(make_app, tmp_path) -> None:
    app = make_app()
    key_file = tmp_path / "data" / "secret_key"
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    assert make_app().config["SECRET_KEY"] == app.config["SECRET_KEY"]
    client = app.test_client()
    register(client)
    cookie = client.get_cookie("session")
    assert cookie.http_only and cookie.same_site == "Lax" and not cookie.secure
    secure = app.test_client()
    secure.post("/register", base_url="https://localhost",
                data={"email": "b@example.org", "password": GOOD, "confirm": GOOD})
    assert secure.get_cookie("session", domain="localhost").secure


def test_without_a_mail_server_mails_go_to_the_outbox(make_app, tmp_path) -> None:
    app = make_app(MAIL_SERVER=None)
    register(app.test_client())
    files = list((tmp_path / "data" / "outbox").glob("*.eml"))
    assert len(files) == 1
    assert re.search(r"\b\d{6}\b", mail_text(email.message_from_bytes(files[0].read_bytes())))


def test_mail_in_the_users_language(client, inbox) -> None:
    register(client, "fr@example.org", ui="fr")
    assert "Votre code de vérification est" in mail_text(inbox[0].last_to("fr@example.org"))


def test_one_click_unsubscribe_and_delete(client, inbox, app) -> None:
    from search_app.account import unsubscribe_url

    register(client)
    client.post("/verify", data={"code": inbox[0].code_for("journalist@example.org")})
    client.post("/account/newsletter", data={"subscribe": "1"})
    with app.test_request_context():
        user = db.session.execute(db.select(User)).scalar_one()
        link = unsubscribe_url(user)
    assert "You are unsubscribed" in app.test_client().get(link).text
    with app.app_context():
        assert db.session.execute(db.select(User)).scalar_one().newsletter_since is None
    assert "You are unsubscribed" in app.test_client().get("/newsletter/unsubscribe/forged").text
    kept = client.post("/account/delete", data={}, follow_redirects=True)
    assert "Tick the box to confirm." in kept.text
    gone = client.post("/account/delete", data={"confirm": "y"})
    assert "Your account is deleted" in gone.text
    with app.app_context():
        assert db.session.execute(db.select(User)).first() is None
        assert db.session.execute(db.select(OneTimeCode)).first() is None


def test_newsletter_export_cli(client, inbox, app, tmp_path, database_url) -> None:
    from click.testing import CliRunner

    from indexer.cli import main

    register(client, "reader@example.org")
    client.post("/verify", data={"code": inbox[0].code_for("reader@example.org")})
    client.post("/account/newsletter", data={"subscribe": "1"})
    register(app.test_client(), "quiet@example.org")
    result = CliRunner().invoke(main, ["users", "newsletter-export", "--data-dir",
                                       str(tmp_path / "data")],
                                env={"SPEECHSEARCH_DATABASE_URL": database_url})
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == ["email,subscribed_since,language",
                                          "reader@example.org,2026-01-05T09:00:00+00:00,en"]


def test_newsletter_mail_has_a_working_one_click_link(client, inbox, app, tmp_path,
                                                     database_url) -> None:
    from click.testing import CliRunner

    from indexer.cli import main

    register(client, "reader@example.org")
    client.post("/verify", data={"code": inbox[0].code_for("reader@example.org")})
    client.post("/account/newsletter", data={"subscribe": "1"})
    body = tmp_path / "issue.txt"
    body.write_text("Twelve new press conferences this month.")
    env = {"SPEECHSEARCH_MAIL_SERVER": "127.0.0.1", "SPEECHSEARCH_MAIL_PORT": str(inbox[1]),
           "SPEECHSEARCH_PUBLIC_URL": "https://archive.example.org",
           "SPEECHSEARCH_DATABASE_URL": database_url}
    result = CliRunner().invoke(main, ["users", "newsletter-send", "--subject", "New",
                                       "--body", str(body), "--data-dir",
                                       str(tmp_path / "data")], env=env)
    assert result.exit_code == 0 and "sent to 1 subscriber(s)" in result.output, result.output
    mail = inbox[0].last_to("reader@example.org")
    link = re.search(r"(https://archive\.example\.org/newsletter/unsubscribe/\S+)",
                     mail_text(mail)).group(1)
    assert mail["List-Unsubscribe"] == f"<{link}>"
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "Twelve new press conferences" in mail_text(mail)
    client.get(link.replace("https://archive.example.org", ""))
    assert "Not subscribed" in client.get("/account").text


def test_remember_me_sets_a_lasting_cookie(client, inbox, app) -> None:
    register(client)
    client.post("/verify", data={"code": inbox[0].code_for("journalist@example.org")})
    client.post("/logout")
    forgetful = app.test_client()
    forgetful.post("/login", data={"email": "journalist@example.org", "password": GOOD})
    assert forgetful.get_cookie("remember_token") is None
    remembered = app.test_client()
    remembered.post("/login", data={"email": "journalist@example.org", "password": GOOD,
                                    "remember": "y"})
    cookie = remembered.get_cookie("remember_token")
    assert cookie is not None and cookie.http_only and cookie.expires is not None
