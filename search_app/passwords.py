"""Password rules, checked on the server and explained on the form; hashing with scrypt."""

from __future__ import annotations

import string

from flask_babel import lazy_gettext as _l
from werkzeug.security import check_password_hash, generate_password_hash

MIN_LENGTH = 12
RULES = [
    (lambda p: len(p) >= MIN_LENGTH, _l("at least 12 characters")),
    (lambda p: not any(c.isspace() for c in p), _l("no spaces")),
    (lambda p: any(c.islower() for c in p), _l("a lower-case letter")),
    (lambda p: any(c.isupper() for c in p), _l("an upper-case letter")),
    (lambda p: any(c.isdigit() for c in p), _l("a digit")),
    (lambda p: any(c in string.punctuation or not (c.isalnum() or c.isspace()) for c in p),
     _l("a symbol, such as ! ? # @ %")),
]


def broken_rules(password: str) -> list[str]:
    """The rules `password` breaks, each said in the UI language; empty if it is good."""
    return [str(label) for rule, label in RULES if not rule(password)]


def rule_labels() -> list[str]:
    return [str(label) for _, label in RULES]


def hash_secret(secret: str) -> str:
    return generate_password_hash(secret, method="scrypt")


def check_secret(stored_hash: str, secret: str) -> bool:
    return check_password_hash(stored_hash, secret)
