"""`speechsearch db ...`: Flask-Migrate's commands on the site's database, without `flask`."""

from __future__ import annotations

from pathlib import Path

import click
from flask import g
from flask_migrate.cli import db as flask_migrate_db

from indexer.cli_common import data_dir_option, settings_from

from . import create_app

# Flask-Migrate's commands that make sense here; `init` is left out (the migrations folder
# ships with the package), and so are the branch tools a linear history does not need.
COMMANDS = ("upgrade", "downgrade", "current", "history", "heads", "show", "check", "stamp",
            "migrate", "revision")


@click.group()
@data_dir_option
@click.pass_context
def db(ctx: click.Context, data_dir: Path | None) -> None:
    """The site's database schema (SPEECHSEARCH_DATABASE_URL, else SQLite in the data dir).

    The site upgrades its database on start (unless SPEECHSEARCH_DATABASE_AUTO_UPGRADE=false);
    these commands do it by hand and show where it stands:

    \b
      speechsearch db upgrade     bring the database to this version's schema
      speechsearch db current     show the database's revision
      speechsearch db history     list the revisions
      speechsearch db migrate -m "add a video table"
                                  after a change to search_app/models.py: write a new
                                  revision into search_app/migrations/versions (review it)
    """
    settings = settings_from(ctx, data_dir)
    # No automatic upgrade: `db current` must show the database as it is, `db downgrade` must
    # not be undone by the app's own start-up.
    app = create_app({"DATA_DIR": str(settings.data_dir), "DATABASE_AUTO_UPGRADE": None})
    ctx.with_resource(app.app_context())
    g.directory, g.x_arg = None, ()  # what Flask-Migrate's own `db` group would have set


for _name in COMMANDS:
    db.add_command(flask_migrate_db.commands[_name])
