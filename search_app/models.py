"""The site's tables (SQLAlchemy): users, their one-time codes and downloads.

They share the indexer's declarative `Base` with the job table (indexer/jobs/table.py): one
metadata, one history of migrations. A change here needs a migration:
`speechsearch db migrate -m "why"` (see database.py and the README).
"""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from indexer.jobs.table import Base, UTCDateTime, as_utc

db = SQLAlchemy(model_class=Base)
__all__ = ["ROLES", "Download", "OneTimeCode", "User", "as_utc", "db"]

ROLES = ("member", "archivist")  # archivists upload media, edit metadata, run jobs


class User(UserMixin, db.Model):
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True, index=True)
    password_hash: Mapped[str] = mapped_column(String(255))
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

    @property
    def verified(self) -> bool:
        return self.verified_at is not None

    @property
    def is_archivist(self) -> bool:
        return self.role == "archivist"


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
