"""The job table (SQLAlchemy, no Flask): one row per media file to transcribe and index.

The site's own tables (accounts, downloads) are declared on the same `Base`, so that one
metadata, and one history of Alembic migrations (search_app/migrations), covers the database.
"""

from __future__ import annotations

from datetime import datetime, timezone
from enum import StrEnum

from sqlalchemy import JSON, Boolean, DateTime, Float, Integer, MetaData, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


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


def utc_now() -> datetime:
    """The real clock; the site passes its own (tests inject one) wherever time is kept."""
    return datetime.now(timezone.utc)


def as_utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else \
        moment.astimezone(timezone.utc)


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


class JobState(StrEnum):
    """queued -> running -> transcribed (transcript saved, waiting for the index writer) ->
    done; or failed, with the reason."""

    QUEUED = "queued"
    RUNNING = "running"
    TRANSCRIBED = "transcribed"
    DONE = "done"
    FAILED = "failed"


# Being worked on, or about to be: a file in one of these is not queued again.
ACTIVE_STATES = (JobState.QUEUED, JobState.RUNNING, JobState.TRANSCRIBED)
# Being worked on right now: the video must not be removed from under the job.
IN_FLIGHT_STATES = (JobState.RUNNING, JobState.TRANSCRIBED)


class Job(Base):
    """Indexing one media file: transcribe and analyse it, save the transcript, index it;
    or, with `official_text`, align that text to the file's saved transcript and index that.

    A job is keyed by its file's content hash (video_id), so the same file is never indexed
    twice. `user_id` is whoever queued it on the site (an id of the site's accounts, which the
    indexer knows nothing of: the site clears it when the account goes).
    """

    __tablename__ = "job"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    video_id: Mapped[str] = mapped_column(String(16), index=True)  # content hash
    path: Mapped[str] = mapped_column(Text)  # absolute path every worker can read
    name: Mapped[str] = mapped_column(String(300))  # the file's name as given (upload, CLI)
    state: Mapped[str] = mapped_column(String(16), index=True, default=JobState.QUEUED.value)
    # Title, date, speaker, event given at enqueue time; they win over a sidecar JSON.
    meta: Mapped[dict] = mapped_column(JSON, default=dict)
    force: Mapped[bool] = mapped_column(Boolean, default=False)  # transcribe again if indexed
    duration: Mapped[float] = mapped_column(Float, default=0.0)  # seconds of audio, once known
    done_seconds: Mapped[float] = mapped_column(Float, default=0.0)  # of audio transcribed
    error: Mapped[str] = mapped_column(Text, default="")  # in English (CLI, logs)
    # The error named, for the site to say in the reader's language: an official text the
    # aligner refused, {"kind", "name", **details} (pipeline.FileOutcome.refusal); else NULL.
    error_reason: Mapped[dict | None] = mapped_column(JSON, default=None)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    worker: Mapped[str] = mapped_column(String(200), default="")  # host:pid:token that runs it
    user_id: Mapped[int | None] = mapped_column(Integer, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    transcribe_seconds: Mapped[float] = mapped_column(Float, default=0.0)  # wall time
    # An official text to align to the already transcribed video (`JobQueue.enqueue_official`):
    # the path of the queue's own copy under <data>/official/, never one a user chose.
    official_text: Mapped[str | None] = mapped_column(Text, default=None)
