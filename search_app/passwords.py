"""Password rules, checked on the server and explained on the form; hashing with scrypt.

A password is taken in Unicode NFKC form everywhere (rules, hash, check), so that the same
password typed on another keyboard or system (fullwidth letters, é as one code point or as e and
a combining accent) is the same password. The rules count real characters: control, format
(zero-width...), surrogate, private-use and unassigned code points are refused, and combining
marks belong to the letter before them.
"""

from __future__ import annotations

import string
import unicodedata

from flask_babel import lazy_gettext as _l
from werkzeug.security import check_password_hash, generate_password_hash

MIN_LENGTH = 12
# Cc control, Cf format (zero-width space, joiners, BOM, soft hyphen), Cs surrogate, Co private
# use, Cn unassigned: nothing one can see or type reliably.
INVISIBLE = {"Cc", "Cf", "Cs", "Co", "Cn"}


def normalised(secret: str) -> str:
    return unicodedata.normalize("NFKC", secret)


def characters(password: str) -> int:
    """Characters as a reader counts them: a combining mark (Mn, Mc, Me) adds to the letter
    before it, not to the count (approximates grapheme clusters without a dependency)."""
    return sum(not unicodedata.category(c).startswith("M") for c in password)


def _symbol(c: str) -> bool:
    return c in string.punctuation or unicodedata.category(c)[0] in "PS"


RULES = [
    (lambda p: characters(p) >= MIN_LENGTH, _l("at least 12 characters")),
    (lambda p: not any(unicodedata.category(c) in INVISIBLE for c in p),
     _l("no invisible or control characters")),
    (lambda p: not any(c.isspace() for c in p), _l("no spaces")),
    (lambda p: any(c.islower() for c in p), _l("a lower-case letter")),
    (lambda p: any(c.isupper() for c in p), _l("an upper-case letter")),
    (lambda p: any(c.isdigit() for c in p), _l("a digit")),
    (lambda p: any(_symbol(c) for c in p), _l("a symbol, such as ! ? # @ %")),
]


def broken_rules(password: str) -> list[str]:
    """The rules `password` breaks, each said in the UI language; empty if it is good."""
    password = normalised(password)
    return [str(label) for rule, label in RULES if not rule(password)]


def rule_labels() -> list[str]:
    return [str(label) for _, label in RULES]


def hash_secret(secret: str) -> str:
    return generate_password_hash(normalised(secret), method="scrypt")


def check_secret(stored_hash: str, secret: str) -> bool:
    """Also the password exactly as typed: hashes made before NFKC was applied (accounts
    created before) are of that form. The second hash runs only for input NFKC changes, the
    same for every account and for none, so it tells nothing about the address."""
    if check_password_hash(stored_hash, normalised(secret)):
        return True
    return secret != normalised(secret) and check_password_hash(stored_hash, secret)
