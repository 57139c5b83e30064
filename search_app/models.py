"""App data (SQLAlchemy): users, their one-time codes and downloads, and indexing jobs.

SQLite in the data dir by default, any SQLAlchemy URL through SPEECHSEARCH_DATABASE_URL. A change
here needs a migration: `speechsearch db migrate -m "why"` (see schema.py and the README).
"""

from __future__ import annotations

import secrets
from datetime import datetime, timezone

from flask_login import UserMixin
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from .passwords import hash_secret


class Base(DeclarativeBase):
    # Named constraints, so that later migrations can drop or alter them by name (SQLite's
    # batch mode needs the names; PostgreSQL's own defaults differ from SQLite's).
    metadata = MetaData(naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    })


db = SQLAlchemy(model_class=Base)


class UTCDateTime(TypeDecorator):
    """A point in time, always handed back aware and in UTC. SQLite keeps no zone (the app
    writes UTC, so a naive value is UTC); PostgreSQL answers in its session's time zone, which
    is the server's unless set: without this, times would shift with the server's settings."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        return None if value is None else as_utc(value)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        return None if value is None else as_utc(value)


def as_utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else \
        moment.astimezone(timezone.utc)


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


class Job(db.Model):
    """Indexing one media file: transcribe and analyse it, save the transcript, index it.

    States: queued -> running -> transcribed (transcript saved, waiting for the index writer)
    -> done; or failed, with the reason. `search_app/jobs/` moves jobs between them; a job is
    keyed by its file's content hash (video_id), so the same file is never indexed twice.
    """

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    video_id: Mapped[str] = mapped_column(String(16), index=True)  # content hash
    path: Mapped[str] = mapped_column(Text)  # absolute path every worker can read
    name: Mapped[str] = mapped_column(String(300))  # the file's name as given (upload, CLI)
    state: Mapped[str] = mapped_column(String(16), index=True, default="queued")
    # Title, date, speaker, event given at enqueue time; they win over a sidecar JSON.
    meta: Mapped[dict] = mapped_column(JSON, default=dict)
    force: Mapped[bool] = mapped_column(Boolean, default=False)  # transcribe again even if indexed
    duration: Mapped[float] = mapped_column(Float, default=0.0)  # seconds of audio, once known
    done_seconds: Mapped[float] = mapped_column(Float, default=0.0)  # of audio transcribed
    error: Mapped[str] = mapped_column(Text, default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    worker: Mapped[str] = mapped_column(String(200), default="")  # host:pid that runs it
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    transcribe_seconds: Mapped[float] = mapped_column(Float, default=0.0)  # wall time
