"""One-time codes mailed for sign-up and password reset, and the reset grant that follows.

Six digits from `secrets`, stored hashed, single use, void after 30 minutes or after five wrong
tries; sending a new code voids the previous ones. An account gets at most
CODE_GUESSES_PER_HOUR wrong codes an hour, whatever the address they come from and however many
fresh codes are asked for. Time comes from the app's injectable clock.

Every try is reserved in the database before the code is compared, so requests running at once
cannot share one try: the limits hold however many guesses arrive together.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from enum import Enum

from flask import current_app
from sqlalchemy import delete, func, update

from .clock import now
from .models import OneTimeCode, User, as_utc, db
from .passwords import check_secret, hash_secret

CODE_LIFETIME = timedelta(minutes=30)
MAX_ATTEMPTS = 5
GUESS_WINDOW = timedelta(hours=1)  # CODE_GUESSES_PER_HOUR counts the wrong codes of this long
COUNTED_FOR = GUESS_WINDOW + CODE_LIFETIME  # how long a code's tries may still count
# After the right reset code: the new password may be set once, within this time.
RESET_GRANT = "reset-grant"
GRANT_LIFETIME = timedelta(minutes=15)


class CodeCheck(Enum):
    OK = "ok"
    WRONG = "wrong"
    EXPIRED = "expired"
    LOCKED = "locked"  # too many wrong tries: a new code is needed
    THROTTLED = "throttled"  # too many wrong codes for the account this hour: wait
    MISSING = "missing"


def _live(user: User, purpose: str) -> list[OneTimeCode]:
    return [c for c in user.codes if c.purpose == purpose and c.used_at is None]


def _issue(user: User, purpose: str, secret: str, lifetime: timedelta) -> OneTimeCode:
    """A new hashed secret for `user`; earlier unused ones for the same purpose stop working."""
    moment = now()
    for old in _live(user, purpose):
        old.used_at = moment
    # Rows older than any guess count (recent_tries) serve no one: without this, every resend
    # would grow the table for ever.
    db.session.execute(delete(OneTimeCode).where(
        OneTimeCode.user_id == user.id, OneTimeCode.created_at < moment - COUNTED_FOR)
        .execution_options(synchronize_session="fetch"))
    row = OneTimeCode(purpose=purpose, code_hash=hash_secret(secret), created_at=moment,
                      expires_at=moment + lifetime)
    user.codes.append(row)
    db.session.commit()
    return row


def issue_code(user: User, purpose: str) -> str:
    """A new code for `user`; earlier unused codes for the same purpose stop working."""
    code = f"{secrets.randbelow(1_000_000):06d}"
    _issue(user, purpose, code, CODE_LIFETIME)
    return code


def _guess_cap() -> int:
    return int(current_app.config["CODE_GUESSES_PER_HOUR"])


def recent_tries(user: User, purpose: str) -> int:
    """The tries on the account's codes of the last hour, from any address. A code can only be
    tried while it lives, so every try of the last hour is on a code made at most
    GUESS_WINDOW + CODE_LIFETIME ago: summing those codes' tries never counts too few."""
    since = now() - COUNTED_FOR
    query = db.select(func.coalesce(func.sum(OneTimeCode.attempts), 0)).where(
        OneTimeCode.user_id == user.id, OneTimeCode.purpose == purpose,
        OneTimeCode.created_at >= since)
    return db.session.execute(query).scalar_one()


def _change_tries(code: OneTimeCode, step: int, *extra) -> bool:
    """Add `step` to the code's tries in one statement, if it is unused (and `extra` holds);
    committed at once, so that concurrent checks see it. False: nothing changed."""
    changed = db.session.execute(
        update(OneTimeCode)
        .where(OneTimeCode.id == code.id, OneTimeCode.used_at.is_(None), *extra)
        .values(attempts=OneTimeCode.attempts + step)
        .execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    return changed == 1


def _mark_used(code: OneTimeCode, **values) -> bool:
    """Use the code, if no other request did first (and set `values` with it). Not committed:
    the caller commits it with the change it allows."""
    return db.session.execute(
        update(OneTimeCode).where(OneTimeCode.id == code.id, OneTimeCode.used_at.is_(None))
        .values(used_at=now(), **values)
        .execution_options(synchronize_session=False)).rowcount == 1


def check_code(user: User, purpose: str, code: str) -> CodeCheck:
    live = _live(user, purpose)
    if not live:
        return CodeCheck.MISSING
    current = max(live, key=lambda c: as_utc(c.created_at))
    if as_utc(current.expires_at) <= now():
        return CodeCheck.EXPIRED
    # The try is taken before the comparison, and counted after it was taken: of the requests
    # running together, no more than the caps get as far as the comparison.
    if not _change_tries(current, +1, OneTimeCode.attempts < MAX_ATTEMPTS):
        return CodeCheck.LOCKED
    tries = recent_tries(user, purpose)
    if tries > _guess_cap():
        _change_tries(current, -1)  # refused unchecked: not a guess
        return CodeCheck.THROTTLED
    if check_secret(current.code_hash, code.strip()):
        # The right code is no wrong guess: its try is given back.
        used = _mark_used(current, attempts=OneTimeCode.attempts - 1)
        db.session.commit()
        return CodeCheck.OK if used else CodeCheck.MISSING  # MISSING: used meanwhile
    if tries >= _guess_cap():
        return CodeCheck.THROTTLED
    return CodeCheck.LOCKED if current.attempts >= MAX_ATTEMPTS else CodeCheck.WRONG


def issue_grant(user: User) -> str:
    """After the right reset code: the right to set a new password once, kept on the server
    (a copy of the session cookie cannot use it again). Returns its reference for the session;
    an earlier grant of the user stops working."""
    token = secrets.token_urlsafe(32)
    row = _issue(user, RESET_GRANT, token, GRANT_LIFETIME)
    return f"{row.id}.{token}"


def _live_grant(reference: str | None) -> OneTimeCode | None:
    row_id, _, token = (reference or "").partition(".")
    grant = db.session.get(OneTimeCode, int(row_id)) if row_id.isdigit() else None
    if grant is None or grant.purpose != RESET_GRANT or grant.used_at is not None:
        return None
    if as_utc(grant.expires_at) <= now() or not check_secret(grant.code_hash, token):
        return None
    return grant


def granted_user(reference: str | None) -> User | None:
    """Whom a live reset grant is for; None if it is unknown, forged, used or expired."""
    grant = _live_grant(reference)
    return grant.user if grant else None


def redeem_grant(reference: str | None) -> User | None:
    """Use the grant: its user, or None if it is not live (or another request used it first).
    Not committed: commit it with the new password, so that both happen or neither."""
    grant = _live_grant(reference)
    return grant.user if grant and _mark_used(grant) else None
