"""Security of the account flows (findings 5, 6, 10, 13): redirects stay on this site as the
browser reads them, every answer costs the same work whether or not an address has an account,
and passwords are counted in real characters. Real SMTP (aiosmtpd), real SQLite and PostgreSQL;
scrypt calls are counted on werkzeug's real function, never replaced."""

from __future__ import annotations

import asyncio
import html
import logging
import re
import threading
import unicodedata
from datetime import datetime, timezone
from urllib.parse import urlsplit

import pytest
from conftest import Inbox, MailFlushingClient, free_port, smtp_capture
from flask import url_for
from flask.testing import FlaskClient
from hypothesis import example, given, settings
from hypothesis import strategies as st
from werkzeug.security import generate_password_hash

from search_app import create_app, passwords
from search_app.auth import safe_next
from search_app.models import User, db
from search_app.passwords import broken_rules, hash_secret

GOOD = "Quote-Check-2009!"
NEW = "Another-G00d-Pass?"
HOME = ("/", "/search")
INVISIBLE_RULE = "no invisible or control characters"
LIFTED = {"LIMIT_SEND": "1000 per minute", "LIMIT_LOGIN": "1000 per minute",
          "LIMIT_CODE": "1000 per minute"}


@pytest.fixture
def inbox():
    with smtp_capture() as capture:
        yield capture


def app_config(tmp_path, database_url: str, port: int) -> dict:
    return {"TESTING": True, "DATA_DIR": str(tmp_path / "data"), "DATABASE_URL": database_url,
            "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": port, "WTF_CSRF_ENABLED": False, **LIFTED}


@pytest.fixture
def make_app(tmp_path, inbox, database_url: str):
    def make(**extra):
        app = create_app({**app_config(tmp_path, database_url, inbox[1]), **extra})
        app.test_client_class = MailFlushingClient
        return app
    return make


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture(scope="module")
def plain_app(tmp_path_factory):
    """An app for what needs only its context (url_for, translated rule labels)."""
    return create_app({"TESTING": True, "DATA_DIR": str(tmp_path_factory.mktemp("p") / "data")})


def add_user(app, email: str, verified: bool = True, password_hash: str | None = None) -> None:
    with app.app_context():
        moment = datetime(2026, 1, 5, tzinfo=timezone.utc)
        db.session.add(User(email=email, password_hash=password_hash or hash_secret(GOOD),
                            locale="en", created_at=moment,
                            verified_at=moment if verified else None))
        db.session.commit()


def register(client, address: str, password: str = GOOD):
    return client.post("/register", data={"email": address, "password": password,
                                          "confirm": password})


def login(client, address: str, password: str = GOOD, query: str = ""):
    return client.post(f"/login{query}", data={"email": address, "password": password})


# --- 5 and 10: redirects -----------------------------------------------------------------

OFF_SITE = ["/\t/evil.example", "/\n/evil.example", "/\r/evil.example", "/\r\n/evil.example",
            "\t//evil.example", " //evil.example", "  /\\evil.example", "/\\evil.example",
            "\\\\evil.example", "/\t\\evil.example", "https:evil.example", "https://evil.example",
            "//evil.example", "///evil.example", "java\tscript:alert(1)", "/\x00/evil.example",
            "\x1f/evil.example"]


def browser_reading(target: str) -> str:
    """What a browser makes of a Location (WHATWG URL): tabs and newlines removed anywhere,
    leading and trailing C0 controls and spaces trimmed, a backslash read as a slash."""
    cleaned = re.sub(r"[\t\n\r]", "", target).strip("".join(map(chr, range(0x21))))
    return cleaned.replace("\\", "/")


@pytest.mark.parametrize("target", OFF_SITE)
def test_login_never_redirects_off_site(app, target: str) -> None:
    add_user(app, "desk@example.org")
    response = app.test_client().post("/login", query_string={"next": target},
                                      data={"email": "desk@example.org", "password": GOOD})
    assert response.status_code == 302 and response.headers["Location"] in HOME


@pytest.mark.parametrize("query", ["?next=/%09/evil.example", "?next=/%0d/x", "?next=/%0a/x",
                                   "?next=%20%20//evil.example", "?next=/%5Cevil.example"])
def test_login_repros_go_home(app, query: str) -> None:
    """Finding 5 (Location: //evil.example) and finding 10 (a 500 on a carriage return)."""
    add_user(app, "desk@example.org")
    response = login(app.test_client(), "desk@example.org", query=query)
    assert response.status_code == 302 and response.headers["Location"] in HOME


def test_login_keeps_a_path_on_the_site(app) -> None:
    add_user(app, "desk@example.org")
    start = "/search?q=terrorisme&lang=fr"
    response = app.test_client().post("/login", query_string={"next": start},
                                      data={"email": "desk@example.org", "password": GOOD})
    assert response.headers["Location"] == start


@pytest.mark.parametrize("query", ["next=/%09/evil.example", "next=/%0d/x",
                                   "next=%20//evil.example", "next=/%5Cevil.example",
                                   "next=https:evil.example"])
def test_reset_button_never_leads_off_site(app, inbox, query: str) -> None:
    add_user(app, "desk@example.org")
    client = app.test_client()
    client.get(f"/reset?{query}")
    client.post("/reset", data={"email": "desk@example.org"})
    client.post("/reset/code", data={"code": inbox[0].code_for("desk@example.org")})
    done = client.post("/reset/password", data={"password": NEW, "confirm": NEW}).text
    assert "Your password has been updated" in done
    button = re.search(r'class="button" href="([^"]*)"', done).group(1)
    assert html.unescape(button) in HOME


# Slashes, backslashes and what browsers drop, around a scheme and a host: the shapes of
# "/<tab>/host", " //host", "/\\host", "https:host"; and any text at all.
SLASHY = st.text(alphabet="/\\\t\r\n \x00\x1f\x7f\x85\u200b\uff0f", max_size=4)
URLISH = st.tuples(SLASHY, st.sampled_from(["", "https:", "java\tscript:", "e.x", "e.x:80"]),
                   SLASHY, st.sampled_from(["", "evil.example", "@e.x", "?q=/x", "#//x"]),
                   ).map("".join) | st.text(max_size=20)


@settings(max_examples=500, deadline=None)
@given(target=URLISH)
@example(target="/\t/evil.example")
@example(target="/\r/x")
def test_no_accepted_target_leaves_the_site(plain_app, target: str) -> None:
    with plain_app.test_request_context():
        default, result = url_for("search.index"), safe_next(target)
    assert result in (target, default)
    seen = urlsplit(browser_reading(result))
    assert result.startswith("/") and not seen.scheme and not seen.netloc


# --- 6: the same work for known and unknown addresses -------------------------------------

def set_session(client, **values) -> None:
    with client.session_transaction() as session:
        session.update(values)


def ask_register(client, address: str):
    return register(client, address)


def ask_verify_resend(client, address: str):
    set_session(client, pending_email=address)
    return client.post("/verify/resend")


def ask_reset(client, address: str):
    return client.post("/reset", data={"email": address})


def ask_reset_resend(client, address: str):
    set_session(client, reset_email=address)
    return client.post("/reset/resend")


ROUTES = {"register": ask_register, "verify/resend": ask_verify_resend, "reset": ask_reset,
          "reset/resend": ask_reset_resend}


@pytest.fixture
def hash_threads(monkeypatch) -> list[int]:
    """The thread of every scrypt hash made: werkzeug's real function, only counted."""
    threads: list[int] = []

    def counted(*args, **kwargs):
        threads.append(threading.get_ident())
        return generate_password_hash(*args, **kwargs)

    monkeypatch.setattr(passwords, "generate_password_hash", counted)
    return threads


@pytest.mark.parametrize("route", ROUTES)
def test_known_and_unknown_addresses_cost_the_same_hashing(app, hash_threads, route) -> None:
    add_user(app, "verified@example.org")
    add_user(app, "pending@example.org", verified=False)
    work = {}
    for address in ("verified@example.org", "pending@example.org", f"nobody-{route}@x.org"):
        before = len(hash_threads)
        response = ROUTES[route](app.test_client(), address)  # returns once its mail is out
        made = hash_threads[before:]
        in_request = sum(thread == threading.get_ident() for thread in made)
        work[address] = (response.status_code, response.headers.get("Location"), in_request,
                         len(made))
    assert len(set(work.values())) == 1, work
    assert next(iter(work.values()))[3] >= 1  # and that work is a real scrypt hash


class HeldInbox(Inbox):
    """An SMTP server that holds each mail until released (5 s at most, not to hang)."""

    def __init__(self):
        super().__init__()
        self.release = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        await asyncio.get_running_loop().run_in_executor(None, self.release.wait, 5)
        return await super().handle_DATA(server, session, envelope)


@pytest.mark.parametrize("route", ROUTES)
def test_the_answer_does_not_wait_for_the_mail(tmp_path, database_url, route) -> None:
    with smtp_capture(HeldInbox()) as (held, port):
        app = create_app(app_config(tmp_path, database_url, port))
        address = "pending@example.org" if route == "verify/resend" else "desk@example.org"
        if route != "register":
            add_user(app, address, verified=route != "verify/resend")
        client = FlaskClient(app)  # plain: returns as soon as the app answers
        response = ROUTES[route](client, address)
        assert response.status_code == 302
        assert held.messages == []  # the server still holds the mail: the answer did not wait
        held.release.set()
        app.extensions["mail_outbox"].join()
        assert [m["To"] for m in held.messages] == [address]


def test_logging_in_to_an_unverified_account_does_not_wait_for_the_mail(
        tmp_path, database_url) -> None:
    with smtp_capture(HeldInbox()) as (held, port):
        app = create_app(app_config(tmp_path, database_url, port))
        add_user(app, "pending@example.org", verified=False)
        response = login(FlaskClient(app), "pending@example.org")
        assert response.status_code == 302 and response.location.endswith("/verify")
        assert held.messages == []
        held.release.set()
        app.extensions["mail_outbox"].join()
        assert [m["To"] for m in held.messages] == ["pending@example.org"]


@pytest.mark.parametrize("route", ROUTES)
def test_every_route_that_mails_is_rate_limited(make_app, route) -> None:
    """Each of them sends a mail to an address the asker chooses: a mail bomb without a limit."""
    app = make_app(LIMIT_SEND="2 per minute")
    add_user(app, "desk@example.org", verified=route != "verify/resend")
    client = app.test_client()
    for _ in range(2):
        assert ROUTES[route](client, "desk@example.org").status_code == 302
    assert ROUTES[route](client, "desk@example.org").status_code == 429


@pytest.mark.parametrize("route", ["register", "reset"])
def test_a_mail_that_cannot_be_sent_is_logged(make_app, caplog, route) -> None:
    app = make_app(MAIL_PORT=free_port())  # nothing listens there
    add_user(app, "desk@example.org", verified=route == "reset")
    with caplog.at_level(logging.ERROR):
        response = ROUTES[route](app.test_client(), "desk@example.org")
    assert response.status_code == 302
    failures = [r for r in caplog.records if r.name == "search_app.mail" and r.exc_info]
    assert failures and isinstance(failures[0].exc_info[1], OSError)
    assert "scrypt:" not in caplog.text  # the sign-up job carries the password's hash


# --- 13: passwords in real characters -----------------------------------------------------

@pytest.mark.parametrize("padding, rules", [
    ("\u200b", ["at least 12 characters", INVISIBLE_RULE]),  # zero-width space (Cf)
    ("\x00", ["at least 12 characters", INVISIBLE_RULE]),  # NUL (Cc)
    ("\u0301", ["at least 12 characters"]),  # combining acute accent: not a character alone
])
def test_invisible_padding_is_not_a_password(app, padding: str, rules: list[str]) -> None:
    page = register(app.test_client(), "pad@example.org", "Ab1!" + padding * 10).text
    assert "The password needs:" in page
    for rule in rules:
        assert rule in page
    with app.app_context():
        assert db.session.execute(db.select(User)).first() is None


@pytest.mark.parametrize("char", ["\u200b", "\u200d", "\u2060", "\ufeff", "\u00ad", "\U000e0041",
                                  "\x00", "\x1b", "\x7f", "\x85", "\ue000", "\U000f0000",
                                  "\ud800", "\u0378"])
def test_control_format_private_and_unassigned_characters_are_refused(plain_app,
                                                                      char: str) -> None:
    with plain_app.test_request_context():
        assert INVISIBLE_RULE in broken_rules(GOOD + char)
        assert broken_rules(GOOD) == []


def test_rules_count_characters_after_nfkc(plain_app) -> None:
    with plain_app.test_request_context():
        # "ﬀ" (one ligature) folds to "ff": twelve characters once normalised
        assert "at least 12 characters" not in broken_rules("Ab1!-x\ufb00yz-w")
        # eleven letters with accents written as combining marks still count eleven
        decomposed = unicodedata.normalize("NFD", "Éé1!-àèùçôî")
        assert "at least 12 characters" in broken_rules(decomposed)
        assert broken_rules(unicodedata.normalize("NFD", "Éé1!-àèùçôîx")) == []


def fullwidth(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


@pytest.mark.parametrize("typed_first, typed_later", [
    (fullwidth(GOOD), GOOD),  # NFKC folds fullwidth letters to ASCII
    (unicodedata.normalize("NFD", "Café-Crème-2009!"), unicodedata.normalize("NFC",
                                                                            "Café-Crème-2009!")),
])
def test_a_password_matches_whatever_its_unicode_form(app, inbox, typed_first: str,
                                                      typed_later: str) -> None:
    client = app.test_client()
    assert register(client, "wide@example.org", typed_first).headers["Location"] == "/verify"
    client.post("/verify", data={"code": inbox[0].code_for("wide@example.org")})
    client.post("/logout")
    assert login(app.test_client(), "wide@example.org", typed_later).status_code == 302
    assert login(app.test_client(), "wide@example.org", typed_first).status_code == 302


def test_a_hash_made_before_normalisation_still_logs_in(app) -> None:
    """Accounts whose hash is of the password as typed (before NFKC) keep working."""
    typed = fullwidth(GOOD)
    add_user(app, "old@example.org", password_hash=generate_password_hash(typed, "scrypt"))
    assert login(app.test_client(), "old@example.org", typed).status_code == 302
    assert login(app.test_client(), "old@example.org", NEW).status_code == 200
