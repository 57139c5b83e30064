"""The job queue's database: an SQLAlchemy engine and sessions, no Flask.

SQLite in the data dir by default, PostgreSQL (or any SQLAlchemy URL) through
SPEECHSEARCH_DATABASE_URL. The schema is brought up to date by whoever provides it: the site
registers its Alembic migrations under the `speechsearch.database` entry-point group (they
cover the job table too); an indexer installed without the site creates the job table itself.
"""

from __future__ import annotations

import logging
import sqlite3
from importlib.metadata import entry_points
from pathlib import Path

from sqlalchemy import create_engine, event, inspect
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

from .table import Base, Job

logger = logging.getLogger(__name__)
SCHEMA_PROVIDERS = "speechsearch.database"


@event.listens_for(Engine, "connect")
def sqlite_for_several_processes(connection, _record) -> None:
    """The site's threads, its embedded job pool and `speechsearch worker` share one SQLite
    file: write-ahead logging lets readers go on while a job writes its progress, and a writer
    waits for its turn (30 s) instead of failing with "database is locked"."""
    if isinstance(connection, sqlite3.Connection):
        connection.execute("PRAGMA busy_timeout = 30000")
        connection.execute("PRAGMA journal_mode = WAL")


def database_url(configured: str | None, data_dir: Path) -> str:
    """The configured URL, else SQLite in the data dir. A bare postgresql:// (or Heroku-style
    postgres://) means psycopg 3, the driver installed with the app, not SQLAlchemy's psycopg2."""
    if not configured:
        data_dir.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{(data_dir / 'speechsearch.db').resolve()}"
    url = make_url(configured)
    if url.drivername in ("postgres", "postgresql"):
        url = url.set(drivername="postgresql+psycopg")
    return url.render_as_string(hide_password=False)


def prepare_schema(url: str) -> None:
    """Bring the database's schema up to date: every registered provider's migrations, or,
    with none installed, just the job table."""
    providers = entry_points(group=SCHEMA_PROVIDERS)
    for provider in providers:
        provider.load()(url)
    if not providers:
        engine = create_engine(url)
        try:
            if not inspect(engine).has_table(Job.__tablename__):
                Base.metadata.create_all(engine, tables=[Job.__table__])
        finally:
            engine.dispose()


class Database:
    """One engine and its sessions, for a process's job queue."""

    def __init__(self, url: str, *, prepare: bool = True):
        if prepare:
            prepare_schema(url)
        # A database server may drop idle connections (restart, failover): test before use.
        self.engine = create_engine(url, pool_pre_ping=True)
        # Jobs handed out by the queue stay readable after their session has closed.
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    def session(self) -> Session:
        return self.sessions()

    def dispose(self, close: bool = True) -> None:
        self.engine.dispose(close=close)
