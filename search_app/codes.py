"""One-time codes mailed for sign-up and password reset.

Six digits from `secrets`, stored hashed, single use, void after 30 minutes or after five wrong
tries; sending a new code voids the previous ones. Time comes from the app's injectable clock.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from enum import Enum

from .clock import now
from .models import OneTimeCode, User, as_utc, db
from .passwords import check_secret, hash_secret

CODE_LIFETIME = timedelta(minutes=30)
MAX_ATTEMPTS = 5


class CodeCheck(Enum):
    OK = "ok"
    WRONG = "wrong"
    EXPIRED = "expired"
    LOCKED = "locked"  # too many wrong tries: a new code is needed
    MISSING = "missing"


def _live(user: User, purpose: str) -> list[OneTimeCode]:
    return [c for c in user.codes if c.purpose == purpose and c.used_at is None]


def issue_code(user: User, purpose: str) -> str:
    """A new code for `user`; earlier unused codes for the same purpose stop working."""
    moment = now()
    for old in _live(user, purpose):
        old.used_at = moment
    code = f"{secrets.randbelow(1_000_000):06d}"
    user.codes.append(OneTimeCode(purpose=purpose, code_hash=hash_secret(code),
                                  created_at=moment, expires_at=moment + CODE_LIFETIME))
    db.session.commit()
    return code


def check_code(user: User, purpose: str, code: str) -> CodeCheck:
    live = _live(user, purpose)
    if not live:
        return CodeCheck.MISSING
    current = max(live, key=lambda c: as_utc(c.created_at))
    if as_utc(current.expires_at) <= now():
        return CodeCheck.EXPIRED
    if current.attempts >= MAX_ATTEMPTS:
        return CodeCheck.LOCKED
    if check_secret(current.code_hash, code.strip()):
        current.used_at = now()
        db.session.commit()
        return CodeCheck.OK
    current.attempts += 1
    db.session.commit()
    return CodeCheck.LOCKED if current.attempts >= MAX_ATTEMPTS else CodeCheck.WRONG
