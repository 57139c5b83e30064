"""The site's database and its schema: Alembic migrations follow the models.

SQLite in the data dir by default, PostgreSQL (or any SQLAlchemy URL) through
SPEECHSEARCH_DATABASE_URL. On start the app upgrades its database to the newest revision
(DATABASE_AUTO_UPGRADE); with that off, an operator runs `speechsearch db upgrade` and the app
refuses to start on an older schema rather than fail on its first query. Databases created by
create_all before migrations existed are adopted by the first revision, rows and all.

The migrations cover the job table too, so the indexer's job queue asks for them through the
`speechsearch.database` entry point (`upgrade_url`): Alembic runs here without Flask.
"""

from __future__ import annotations

import fcntl
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
from sqlalchemy import Connection, text

from indexer.jobs.database import database_url

from .models import db

MIGRATIONS = Path(__file__).with_name("migrations")
# Any fixed 64-bit number: the PostgreSQL advisory lock that serializes this app's migrations.
LOCK_KEY = 7_362_580_113_495_001
# What every revision is compared and rendered with (env.py); also `db migrate`'s.
MIGRATION_OPTIONS = {"compare_type": True, "render_as_batch": True}

# render_as_batch: SQLite cannot ALTER most things; batch mode rebuilds the table instead.
migrate = Migrate(db=db, directory=str(MIGRATIONS), **MIGRATION_OPTIONS)


@migrate.configure
def configure_for_the_app(config: Config) -> Config:
    """Flask-Migrate's commands (`speechsearch db ...`): the app's database, and Alembic's
    output on the sys.stdout of now (click's test runner, contextlib.redirect_stdout), not of
    when alembic was imported."""
    config.stdout = sys.stdout
    config.set_main_option("sqlalchemy.url", _escaped(db.engine.url.render_as_string(
        hide_password=False)))
    return config


class SchemaError(RuntimeError):
    """The database is not at the revision this version of the code needs."""


def _escaped(url: str) -> str:
    return url.replace("%", "%%")  # Alembic's config is a ConfigParser: % interpolates


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", _escaped(url))
    config.stdout = sys.stdout
    return config


def upgrade_url(url: str) -> None:
    """Bring the database at `url` to the newest revision (no app needed: the job queue's
    workers call this through the `speechsearch.database` entry point)."""
    command.upgrade(alembic_config(url), "head")


def init_app(app: Flask, data_dir: Path) -> None:
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = database_url(app.config.get("DATABASE_URL"),
                                                             data_dir)
    # A database server may drop idle connections (restart, failover): test before use.
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"pool_pre_ping": True})
    db.init_app(app)
    migrate.init_app(app)
    if app.config["DATABASE_AUTO_UPGRADE"]:
        upgrade_url(app.config["SQLALCHEMY_DATABASE_URI"])
    elif app.config["DATABASE_AUTO_UPGRADE"] is not None:
        with app.app_context():
            check_current()


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
