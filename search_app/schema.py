"""The site's database and its schema: Alembic migrations (Flask-Migrate) follow the models.

SQLite in the data dir by default, PostgreSQL (or any SQLAlchemy URL) through
SPEECHSEARCH_DATABASE_URL. On start the app upgrades its database to the newest revision
(DATABASE_AUTO_UPGRADE); with that off, an operator runs `speechsearch db upgrade` and the app
refuses to start on an older schema rather than fail on its first query. Databases created by
create_all before migrations existed are adopted by the first revision, rows and all.
"""

from __future__ import annotations

import fcntl
import sqlite3
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask
from flask_migrate import Migrate
from sqlalchemy import Connection, event, text
from sqlalchemy.engine import Engine, make_url

from .models import db

MIGRATIONS = Path(__file__).with_name("migrations")
# Any fixed 64-bit number: the PostgreSQL advisory lock that serializes this app's migrations.
LOCK_KEY = 7_362_580_113_495_001

# render_as_batch: SQLite cannot ALTER most things; batch mode rebuilds the table instead.
migrate = Migrate(db=db, directory=str(MIGRATIONS), compare_type=True, render_as_batch=True)


@event.listens_for(Engine, "connect")
def sqlite_for_several_processes(connection, _record) -> None:
    """The site's threads, its embedded job pool and `speechsearch worker` share one SQLite
    file: write-ahead logging lets readers go on while a job writes its progress, and a writer
    waits for its turn (30 s) instead of failing with "database is locked"."""
    if isinstance(connection, sqlite3.Connection):
        connection.execute("PRAGMA busy_timeout = 30000")
        connection.execute("PRAGMA journal_mode = WAL")


@migrate.configure
def print_to_current_stdout(config: Config) -> Config:
    """Alembic's commands print to the sys.stdout of when alembic was imported; follow any
    redirection made since (click's test runner, contextlib.redirect_stdout)."""
    config.stdout = sys.stdout
    return config


class SchemaError(RuntimeError):
    """The database is not at the revision this version of the code needs."""


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


def init_app(app: Flask, data_dir: Path) -> None:
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = database_url(app.config.get("DATABASE_URL"),
                                                             data_dir)
    # A database server may drop idle connections (restart, failover): test before use.
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"pool_pre_ping": True})
    db.init_app(app)
    migrate.init_app(app)
    with app.app_context():
        if app.config["DATABASE_AUTO_UPGRADE"]:
            command.upgrade(alembic_config(), "head")
        elif app.config["DATABASE_AUTO_UPGRADE"] is not None:
            check_current()


def alembic_config() -> Config:
    """The Alembic config of the current app (call inside an app context)."""
    return migrate.get_config()


def current_revisions() -> set[str]:
    with db.engine.connect() as connection:
        return set(MigrationContext.configure(connection).get_current_heads())


def head_revisions() -> set[str]:
    """The revision(s) this version of the code needs."""
    return set(ScriptDirectory(str(MIGRATIONS)).get_heads())


def check_current() -> None:
    current, heads = current_revisions(), head_revisions()
    if current != heads:
        where = db.engine.url.render_as_string(hide_password=True)
        raise SchemaError(
            f"the database {where} is at revision {', '.join(sorted(current)) or '(none)'}, "
            f"this version needs {', '.join(sorted(heads))}: run `speechsearch db upgrade` "
            "(or set SPEECHSEARCH_DATABASE_AUTO_UPGRADE=true)")


@contextmanager
def migration_lock(connection: Connection) -> Iterator[None]:
    """One migration run at a time per database: a site and its workers starting together on a
    new database would otherwise both try to create the same tables."""
    if connection.dialect.name == "postgresql":
        # Released when the migration's transaction ends; holds across machines.
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
        yield
    elif connection.dialect.name == "sqlite" and (database := sqlite_file(connection)):
        # A lock file of its own, never the database (nor its -wal, -shm): SQLite's locks are
        # POSIX (fcntl) locks, which belong to the process, and closing ANY descriptor of a
        # file drops all of them. A process that opened and closed the database file here would
        # silently lose the shared lock its connections hold; the next process to close its
        # last connection would then see no other reader, checkpoint, and delete the -wal and
        # -shm the site still writes to: a forked database. flock on another file touches no
        # fcntl lock. The file stays in place: removing it would let a process waiting on the
        # old one and a newcomer on a new one both go ahead.
        with open(f"{database}.migrate.lock", "a+b") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            yield
    else:
        yield


def sqlite_file(connection: Connection) -> str:
    """The file of the connection's main SQLite database, as SQLite resolved it (a relative
    path, a file: URI); "" for an in-memory or temporary database."""
    rows = connection.exec_driver_sql("PRAGMA database_list").all()
    return next((file for _seq, name, file in rows if name == "main"), "")
