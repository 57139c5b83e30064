"""Account sessions and codes under attack: a remember cookie must not outlive its account nor
open the next one, logout and a password reset end every session of the user, the reset step is
single use on the server, and code guesses are capped per account whatever the source address.
Real SMTP, real SQLite and PostgreSQL, the Flask test client, an injectable clock."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

import pytest
import test_accounts
from test_accounts import GOOD, NEW, register

from search_app.codes import MAX_ATTEMPTS
from search_app.models import OneTimeCode, User, db

# The same app, clock and SMTP fixtures as test_accounts.
app, clock, inbox, make_app = (test_accounts.app, test_accounts.clock, test_accounts.inbox,
                               test_accounts.make_app)
ADDRESS = "journalist@example.org"


def signed_up(app, inbox, address: str = ADDRESS):
    """A client that created and verified an account: it is logged in."""
    client = app.test_client()
    register(client, address)
    done = client.post("/verify", data={"code": inbox[0].code_for(address)})
    assert done.headers["Location"] == "/welcome"
    return client


def log_in(app, address: str = ADDRESS, password: str = GOOD, remember: bool = True):
    client = app.test_client()
    data = {"email": address, "password": password} | ({"remember": "y"} if remember else {})
    assert client.post("/login", data=data).status_code == 302
    return client


def with_cookie(app, name: str, value: str):
    """A new browser that holds only this one cookie (copied from another)."""
    client = app.test_client()
    client.set_cookie(name, value)
    return client


def opens_account(client) -> bool:
    return client.get("/account").status_code == 200


def copied_cookies(client) -> dict[str, str]:
    return {name: client.get_cookie(name).value for name in ("remember_token", "session")}


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def from_ip(number: int) -> dict:
    return {"environ_base": {"REMOTE_ADDR": f"198.51.100.{number % 250 + 1}"}}


def test_an_old_remember_cookie_does_not_open_the_next_account(app, inbox) -> None:
    """Finding 2, as reported: SQLite hands the freed id to the next account."""
    first = signed_up(app, inbox, "first@example.org")
    first.post("/logout")
    first = log_in(app, "first@example.org")
    kept = copied_cookies(first)
    assert first.post("/account/delete", data={"confirm": "y"}).status_code == 200
    signed_up(app, inbox, "second@example.org")
    for name, value in kept.items():
        assert not opens_account(with_cookie(app, name, value)), name


def test_logout_ends_every_session_and_remember_cookie(app, inbox) -> None:
    signed_up(app, inbox).post("/logout")
    laptop, phone = log_in(app), log_in(app)
    kept = copied_cookies(laptop)
    assert opens_account(phone)
    laptop.post("/logout")
    assert not opens_account(phone)  # the other device too: one logout ends them all
    for name, value in kept.items():
        assert not opens_account(with_cookie(app, name, value)), name
    assert opens_account(log_in(app))  # and the account still works


def test_a_password_reset_ends_every_session(app, inbox) -> None:
    signed_up(app, inbox).post("/logout")
    thief = log_in(app)
    kept = copied_cookies(thief)
    owner = app.test_client()  # resets from another browser, logged out
    owner.post("/reset", data={"email": ADDRESS})
    owner.post("/reset/code", data={"code": inbox[0].code_for(ADDRESS)})
    done = owner.post("/reset/password", data={"password": NEW, "confirm": NEW})
    assert "Your password has been updated" in done.text
    assert not opens_account(thief)
    for name, value in kept.items():
        assert not opens_account(with_cookie(app, name, value)), name
    assert opens_account(log_in(app, password=NEW))


def test_deleting_the_account_ends_its_other_sessions(app, inbox) -> None:
    signed_up(app, inbox).post("/logout")
    other = log_in(app)
    kept = copied_cookies(other)
    log_in(app).post("/account/delete", data={"confirm": "y"})
    signed_up(app, inbox, ADDRESS)  # the same address signs up again
    assert not opens_account(other)
    for name, value in kept.items():
        assert not opens_account(with_cookie(app, name, value)), name


def remember_days(client) -> float:
    cookie = client.get_cookie("remember_token")
    assert cookie is not None and cookie.expires is not None
    return (cookie.expires - datetime.now(timezone.utc)) / timedelta(days=1)


def test_the_remember_cookie_lasts_two_weeks_by_default(app, inbox) -> None:
    signed_up(app, inbox).post("/logout")
    assert 13 < remember_days(log_in(app)) <= 14


@pytest.mark.parametrize("setting", [3, "3"], ids=["int", "string-from-env"])
def test_the_remember_duration_is_configurable(make_app, inbox, setting) -> None:
    app = make_app(REMEMBER_DAYS=setting)
    signed_up(app, inbox).post("/logout")
    assert 2 < remember_days(log_in(app)) <= 3


def test_the_remember_duration_from_the_environment(make_app, inbox, monkeypatch) -> None:
    monkeypatch.setenv("SPEECHSEARCH_REMEMBER_DAYS", "5")
    app = make_app()
    signed_up(app, inbox).post("/logout")
    assert 4 < remember_days(log_in(app)) <= 5


def reach_new_password_step(client, inbox) -> None:
    client.post("/reset", data={"email": ADDRESS})
    answer = client.post("/reset/code", data={"code": inbox[0].code_for(ADDRESS)})
    assert answer.headers["Location"] == "/reset/password"


def test_the_reset_step_cannot_be_replayed(app, inbox) -> None:
    signed_up(app, inbox).post("/logout")
    client = app.test_client()
    reach_new_password_step(client, inbox)
    copy = client.get_cookie("session").value  # taken after the code step
    done = client.post("/reset/password", data={"password": NEW, "confirm": NEW})
    assert "Your password has been updated" in done.text
    third = "Third-G00d-Pass?"
    replay = with_cookie(app, "session", copy).post(
        "/reset/password", data={"password": third, "confirm": third})
    assert replay.status_code == 302 and replay.headers["Location"] == "/reset"
    assert app.test_client().post("/login", data={"email": ADDRESS,
                                                  "password": third}).status_code == 200
    assert opens_account(log_in(app, password=NEW))


def test_the_reset_step_expires(app, inbox, clock) -> None:
    signed_up(app, inbox).post("/logout")
    client = app.test_client()
    reach_new_password_step(client, inbox)
    clock.moment += timedelta(minutes=16)
    late = client.post("/reset/password", data={"password": NEW, "confirm": NEW})
    assert late.status_code == 302 and late.headers["Location"] == "/reset"
    assert opens_account(log_in(app))  # the password did not change


def test_verify_code_guesses_are_capped_across_addresses_resends_and_logins(
        app, inbox, clock) -> None:
    """Finding 14: each resend or log-in gives a fresh code with 5 tries, each address its own
    rate limit; the account still gets no more than 10 wrong guesses an hour."""
    attacker = app.test_client()
    register(attacker, "victim@example.org")
    for guess in range(10):
        if guess % 4 == 0:  # a fresh code before the per-code lock
            if guess % 8 == 0:
                attacker.post("/verify/resend", **from_ip(guess))
            else:
                attacker.post("/login", data={"email": "victim@example.org", "password": GOOD},
                              **from_ip(guess))
            code = inbox[0].code_for("victim@example.org")
        answer = attacker.post("/verify", data={"code": wrong(code)}, **from_ip(guess))
        assert answer.status_code == 200  # refused, never rate limited per address here
    attacker.post("/verify/resend", **from_ip(99))
    fresh = inbox[0].code_for("victim@example.org")
    refused = attacker.post("/verify", data={"code": fresh}, **from_ip(100))
    assert refused.status_code == 200 and "Too many wrong codes" in refused.text
    with app.app_context():
        assert not db.session.execute(db.select(User)).scalar_one().verified
    clock.moment += timedelta(hours=2)  # the cap is per hour: the owner gets in later
    attacker.post("/verify/resend", **from_ip(101))
    fresh = inbox[0].code_for("victim@example.org")
    assert attacker.post("/verify", data={"code": fresh}).headers["Location"] == "/welcome"


def test_reset_code_guesses_are_capped_per_account(make_app, inbox) -> None:
    app = make_app(CODE_GUESSES_PER_HOUR=6)
    signed_up(app, inbox).post("/logout")
    for guess in range(6):
        attacker = app.test_client()  # a new browser and address each time
        attacker.post("/reset", data={"email": ADDRESS}, **from_ip(guess))
        answer = attacker.post("/reset/code", data={"code": wrong(inbox[0].code_for(ADDRESS))},
                               **from_ip(guess))
        assert answer.status_code == 200 and ("not right" in answer.text or guess == 5)
    attacker = app.test_client()
    attacker.post("/reset", data={"email": ADDRESS}, **from_ip(50))
    refused = attacker.post("/reset/code", data={"code": inbox[0].code_for(ADDRESS)},
                            **from_ip(51))
    assert refused.status_code == 200 and "Too many wrong codes" in refused.text
    assert attacker.get("/reset/password").headers["Location"] == "/reset"


def test_guesses_sent_together_share_no_try(app, inbox) -> None:
    """Many wrong codes at once, from many addresses: each request takes its own try."""
    attacker = app.test_client()
    register(attacker, "victim@example.org")
    guess = wrong(inbox[0].code_for("victim@example.org"))
    browsers = [with_cookie(app, "session", attacker.get_cookie("session").value)
                for _ in range(12)]
    with ThreadPoolExecutor(len(browsers)) as pool:
        answers = list(pool.map(
            lambda pair: pair[1].post("/verify", data={"code": guess}, **from_ip(pair[0])).text,
            enumerate(browsers)))
    assert sum("not right" in answer for answer in answers) <= MAX_ATTEMPTS - 1
    with app.app_context():
        assert db.session.execute(db.select(OneTimeCode.attempts)).scalar_one() == MAX_ATTEMPTS


def test_codes_no_longer_counted_are_deleted(app, inbox, clock) -> None:
    """Each resend adds a row: rows past the counting window go when a new code is issued,
    else an attacker's resends grow the table for ever."""
    client = app.test_client()
    register(client, ADDRESS)
    for _ in range(5):
        client.post("/verify/resend")
    clock.moment += timedelta(hours=2)  # every earlier code is past the guess window now
    client.post("/verify/resend")
    with app.app_context():
        rows = db.session.execute(db.select(OneTimeCode)).scalars().all()
        assert [row.created_at for row in rows] == [clock.moment]
