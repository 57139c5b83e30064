"""The database schema: migrations equal the models, old create_all databases keep their
accounts, the `db` commands, upgrades on start; on SQLite and on a real PostgreSQL."""

from __future__ import annotations

import multiprocessing
import shutil
import urllib.request
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from click.testing import CliRunner
from conftest import serving

from indexer.cli import main
from search_app import create_app
from search_app import database as schema
from search_app.models import Download, User, db
from search_app.passwords import hash_secret

PASSWORD = "Quote-Check-2009!"
MOMENT = datetime(2025, 6, 1, 8, 30, tzinfo=timezone.utc)


def old_create_all_schema(with_downloads: bool) -> sa.MetaData:
    """The tables as the start-up create_all of the releases before migrations made them:
    user and one_time_code (accounts), then download one release later. No constraint names."""
    old = sa.MetaData()
    sa.Table("user", old,
             sa.Column("id", sa.Integer, primary_key=True),
             sa.Column("email", sa.String(254), nullable=False, unique=True, index=True),
             sa.Column("password_hash", sa.String(255), nullable=False),
             sa.Column("locale", sa.String(8), nullable=False),
             sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
             sa.Column("verified_at", sa.DateTime(timezone=True)),
             sa.Column("newsletter_since", sa.DateTime(timezone=True)))
    sa.Table("one_time_code", old,
             sa.Column("id", sa.Integer, primary_key=True),
             sa.Column("user_id", sa.ForeignKey("user.id", ondelete="CASCADE"),
                       nullable=False, index=True),
             sa.Column("purpose", sa.String(16), nullable=False),
             sa.Column("code_hash", sa.String(255), nullable=False),
             sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
             sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
             sa.Column("attempts", sa.Integer, nullable=False),
             sa.Column("used_at", sa.DateTime(timezone=True)))
    if with_downloads:
        sa.Table("download", old,
                 sa.Column("id", sa.Integer, primary_key=True),
                 sa.Column("user_id", sa.ForeignKey("user.id", ondelete="CASCADE"),
                           nullable=False, index=True),
                 sa.Column("video_id", sa.String(16), nullable=False),
                 sa.Column("title", sa.String(300), nullable=False),
                 sa.Column("start", sa.Float),
                 sa.Column("end", sa.Float),
                 sa.Column("format", sa.String(16), nullable=False),
                 sa.Column("at", sa.DateTime(timezone=True), nullable=False))
    return old


def make_old_database(url: str, with_downloads: bool) -> None:
    """A database as a user of the previous release has it: one verified account (and its
    download log, if that release had one)."""
    old = old_create_all_schema(with_downloads)
    engine = sa.create_engine(schema.database_url(url, Path(".")))
    try:
        old.create_all(engine)
        with engine.begin() as connection:
            connection.execute(old.tables["user"].insert().values(
                id=1, email="desk@example.org", password_hash=hash_secret(PASSWORD),
                locale="fr", created_at=MOMENT, verified_at=MOMENT, newsletter_since=MOMENT))
            if with_downloads:
                connection.execute(old.tables["download"].insert().values(
                    user_id=1, video_id="0123456789abcdef", title="Point de presse",
                    start=1.0, end=4.5, format="mp4", at=MOMENT))
    finally:
        engine.dispose()


def schema_differences(app) -> list:
    """What Alembic's autogenerate would write into a new revision: nothing, if the database
    the migrations built is the models' schema."""
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def app_on(data_dir: Path, url: str, **extra):
    return create_app({"TESTING": True, "DATA_DIR": str(data_dir), "DATABASE_URL": url,
                       "WTF_CSRF_ENABLED": False, **extra})


def test_migrations_build_exactly_the_models_schema(tmp_path, database_url) -> None:
    app = app_on(tmp_path / "data", database_url)
    assert schema_differences(app) == []
    with app.app_context():
        assert schema.current_revisions() == schema.head_revisions()


@pytest.mark.parametrize("with_downloads", [True, False], ids=["downloads", "accounts-only"])
def test_old_create_all_database_keeps_its_accounts(tmp_path, database_url,
                                                    with_downloads: bool) -> None:
    make_old_database(database_url, with_downloads)
    app = app_on(tmp_path / "data", database_url)
    assert schema_differences(app) == []
    client = app.test_client()
    response = client.post("/login", data={"email": "desk@example.org", "password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] != "/verify"
    assert "desk@example.org" in client.get("/account?ui=en").text
    with app.app_context():
        user = db.session.execute(db.select(User)).scalar_one()
        assert user.newsletter_since == MOMENT and user.locale == "fr"
        downloads = db.session.execute(db.select(Download)).scalars().all()
        assert [d.title for d in downloads] == (["Point de presse"] if with_downloads else [])
        assert schema.current_revisions() == schema.head_revisions()


def test_a_foreign_user_table_is_refused_untouched(tmp_path, database_url) -> None:
    engine = sa.create_engine(schema.database_url(database_url, tmp_path))
    with engine.begin() as connection:
        connection.execute(sa.text('CREATE TABLE "user" (id INTEGER PRIMARY KEY, name TEXT)'))
        connection.execute(sa.text("""INSERT INTO "user" VALUES (7, 'someone else')"""))
    with pytest.raises(RuntimeError, match="table 'user' exists but lacks column.*email"):
        app_on(tmp_path / "data", database_url)
    # Alembic's empty version table may stay on SQLite (its DDL is not transactional there).
    assert set(sa.inspect(engine).get_table_names()) - {"alembic_version"} == {"user"}
    with engine.connect() as connection:
        assert connection.execute(sa.text('SELECT * FROM "user"')).all() == [(7, "someone else")]
    engine.dispose()


def test_times_come_back_in_utc(tmp_path, database_url) -> None:
    """The test PostgreSQL runs at +13:45; SQLite keeps no zone. Both must give back UTC."""
    app = app_on(tmp_path / "data", database_url)
    paris = datetime(2026, 3, 1, 11, 0, tzinfo=timezone(timedelta(hours=1)))
    with app.app_context():
        db.session.add(User(email="a@example.org", password_hash="x", locale="en",
                            created_at=paris))
        db.session.commit()
        db.session.expire_all()
        created = db.session.execute(db.select(User.created_at)).scalar_one()
    assert created == paris and created.tzinfo == timezone.utc


def test_db_commands_and_refusing_an_old_schema(tmp_path, database_url) -> None:
    data = tmp_path / "data"
    env = {"SPEECHSEARCH_DATABASE_URL": database_url}
    with pytest.raises(schema.SchemaError, match="run `speechsearch db upgrade`"):
        app_on(data, database_url, DATABASE_AUTO_UPGRADE=False)
    runner = CliRunner()
    assert runner.invoke(main, ["--data-dir", str(data), "db", "current"], env=env).output == ""
    upgraded = runner.invoke(main, ["--data-dir", str(data), "db", "upgrade"], env=env)
    assert upgraded.exit_code == 0, upgraded.output
    current = runner.invoke(main, ["--data-dir", str(data), "db", "current"], env=env)
    head = schema.head_revisions().pop()
    assert current.exit_code == 0 and current.output.strip() == f"{head} (head)"
    app_on(data, database_url, DATABASE_AUTO_UPGRADE=False)  # now it starts
    assert "speechsearch db migrate" in runner.invoke(main, ["db", "--help"]).output


def start_app(url: str, data_dir: str, barrier) -> None:
    barrier.wait(timeout=60)
    create_app({"DATA_DIR": data_dir, "DATABASE_URL": url})


def test_processes_starting_together_on_a_new_database(tmp_path, database_url) -> None:
    """A site and its workers may all start at once: the migration lock lets one create the
    tables and the others find them made."""
    fork = multiprocessing.get_context("fork")  # the app is imported already: fast to start
    barrier = fork.Barrier(3)
    processes = [fork.Process(target=start_app, args=(database_url, str(tmp_path / "data"),
                                                      barrier)) for _ in range(3)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=120)
    assert [p.exitcode for p in processes] == [0, 0, 0]
    assert schema_differences(app_on(tmp_path / "data", database_url)) == []


def test_serve_upgrades_the_database_on_start(tmp_path, database_url) -> None:
    data = tmp_path / "data"
    with serving(data, {"SPEECHSEARCH_DATABASE_URL": database_url}) as base:
        with urllib.request.urlopen(f"{base}/login?ui=en") as response:
            assert response.status == 200
    app = app_on(data, database_url, DATABASE_AUTO_UPGRADE=None)
    with app.app_context():
        assert schema.current_revisions() == schema.head_revisions()


def test_a_new_revision_spells_plain_column_types(tmp_path) -> None:
    """`speechsearch db migrate` from an empty history writes the models' schema with plain
    SQLAlchemy types (a revision must not import today's models)."""
    import flask_migrate

    folder = tmp_path / "migrations"
    shutil.copytree(schema.MIGRATIONS, folder, ignore=shutil.ignore_patterns("__pycache__"))
    for revision in (folder / "versions").glob("*.py"):
        revision.unlink()
    app = app_on(tmp_path / "data", f"sqlite:///{tmp_path / 'empty.db'}",
                 DATABASE_AUTO_UPGRADE=None)
    with app.app_context():
        flask_migrate.migrate(directory=str(folder), message="from scratch")
    [written] = (folder / "versions").glob("*_from_scratch.py")
    text = written.read_text()
    assert "sa.DateTime(timezone=True)" in text and "UTCDateTime" not in text
