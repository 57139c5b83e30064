"""Account data (SQLAlchemy): users, their one-time codes and their downloads.

SQLite in the data dir by default, any SQLAlchemy URL through SPEECHSEARCH_DATABASE_URL. A change
here needs a migration: `speechsearch db migrate -m "why"` (see schema.py and the README).
"""

from __future__ import annotations

from datetime import datetime, timezone

from flask_login import UserMixin
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import DateTime, Float, ForeignKey, Integer, MetaData, String, TypeDecorator
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


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


class User(UserMixin, db.Model):
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True, index=True)
    password_hash: Mapped[str] = mapped_column(String(255))
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

    @property
    def verified(self) -> bool:
        return self.verified_at is not None


class OneTimeCode(db.Model):
    """A 6-digit code mailed to a user, stored hashed; single use, short-lived."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(16))  # "verify" or "reset"
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
