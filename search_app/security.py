"""Secret key, cookies, CSRF, rate limits and login sessions (the database: schema.py)."""

from __future__ import annotations

import logging
import os
import secrets
from datetime import timedelta
from pathlib import Path

from flask import Flask, request
from flask.sessions import SecureCookieSessionInterface
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf import CSRFProtect

from .models import User, db

logger = logging.getLogger(__name__)


def secret_key(data_dir: Path) -> str:
    """SECRET_KEY from config, else one generated once and kept in the data dir (0600)."""
    path = data_dir / "secret_key"
    if path.is_file():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    logger.info("generated a secret key in %s", path)
    return key


class SessionInterface(SecureCookieSessionInterface):
    """Session cookies are Secure whenever the request came over HTTPS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"] or request.is_secure)


def remember_duration(days: int | float | str) -> timedelta:
    """REMEMBER_DAYS as Flask-Login wants it; from the environment it may come as a string."""
    try:
        duration = timedelta(days=float(days))
    except (TypeError, ValueError):
        raise ValueError(f"REMEMBER_DAYS must be a number of days, not {days!r}") from None
    if duration <= timedelta(0):
        raise ValueError(f"REMEMBER_DAYS must be more than 0, not {days!r}")
    return duration


def init_app(app: Flask, data_dir: Path) -> Limiter:
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = secret_key(data_dir)
    app.session_interface = SessionInterface()
    app.config.setdefault("REMEMBER_COOKIE_SECURE", False)
    CSRFProtect(app)
    login = LoginManager(app)
    login.login_view = "auth.login"
    login.session_protection = "strong"

    app.config["REMEMBER_COOKIE_DURATION"] = remember_duration(app.config["REMEMBER_DAYS"])

    @login.user_loader
    def load_user(session_token: str) -> User | None:
        """Both cookies carry User.get_id(), the session token: a token rotated since (logout,
        new password) or an account deleted since finds no one."""
        return db.session.execute(
            db.select(User).filter_by(session_token=session_token)).scalar()

    # One limiter per app: limits of one app (or test) never leak into another.
    return Limiter(get_remote_address, app=app, storage_uri=app.config["RATELIMIT_STORAGE_URI"],
                   default_limits=[])
