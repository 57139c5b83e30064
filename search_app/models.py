"""The site's tables (SQLAlchemy): users, their one-time codes and downloads.

They share the indexer's declarative `Base` with the job table (indexer/jobs/table.py): one
metadata, one history of migrations. A change here needs a migration:
`speechsearch db migrate -m "why"` (see database.py and the README).
"""

from __future__ import annotations

import secrets
from datetime import datetime

from flask_login import UserMixin
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from indexer.jobs.table import Base, UTCDateTime, as_utc

from .passwords import hash_secret

db = SQLAlchemy(model_class=Base)
__all__ = ["ROLES", "Download", "OneTimeCode", "User", "as_utc", "db"]

ROLES = ("member", "archivist")  # archivists upload media, edit metadata, run jobs


def new_session_token() -> str:
    return secrets.token_urlsafe(32)  # 256 random bits, 43 characters


class User(UserMixin, db.Model):
    # AUTOINCREMENT: SQLite would otherwise give a deleted account's id to the next one, and
    # whatever still names the old id (a log line, a link) would point at someone else.
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True, index=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    # What the session and remember cookies carry instead of the id (get_id): a new token ends
    # every session of the user, on every device, at once (end_sessions).
    session_token: Mapped[str] = mapped_column(String(64), unique=True, index=True,
                                               default=new_session_token)
    role: Mapped[str] = mapped_column(String(16), default="member", server_default="member")
    locale: Mapped[str] = mapped_column(String(8), default="en")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # Newsletter consent is kept with its time, as the law asks.
    newsletter_since: Mapped[datetime | None] = mapped_column(UTCDateTime,
                                                              default=None)
    codes: Mapped[list[OneTimeCode]] = relationship(back_populates="user",
                                                    cascade="all, delete-orphan")
    downloads: Mapped[list[Download]] = relationship(back_populates="user",
                                                     cascade="all, delete-orphan",
                                                     order_by="Download.at.desc()")

    def get_id(self) -> str:
        """Flask-Login's alternative id: cookies name the session token, never the row id."""
        return self.session_token

    def end_sessions(self) -> None:
        """Log the user out everywhere: cookies that carry the old token find no one."""
        self.session_token = new_session_token()

    def set_password(self, password: str) -> None:
        """A new password also ends every session opened with the old one."""
        self.password_hash = hash_secret(password)
        self.end_sessions()

    @property
    def verified(self) -> bool:
        return self.verified_at is not None

    @property
    def is_archivist(self) -> bool:
        return self.role == "archivist"


class OneTimeCode(db.Model):
    """A 6-digit code mailed to a user (or a reset grant), stored hashed; single use,
    short-lived."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    # "verify", "reset", or "reset-grant" (the right reset code was given: the new password
    # may be set once; its secret is a random token kept in the session, see codes.py)
    purpose: Mapped[str] = mapped_column(String(16))
    code_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    user: Mapped[User] = relationship(back_populates="codes")


class Download(db.Model):
    """Every download is logged: who, which video, which range, which format, when."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    video_id: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(300), default="")
    start: Mapped[float | None] = mapped_column(Float, default=None)  # None: the whole video
    end: Mapped[float | None] = mapped_column(Float, default=None)
    format: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    user: Mapped[User] = relationship(back_populates="downloads")
