"""Alembic's entry point: the database named by the config's sqlalchemy.url, and the models.

The same for the site's start-up, the job queue's workers (database.upgrade_url, no Flask)
and `speechsearch db ...` (Flask-Migrate, which sets the URL in database.py).
"""

import logging

from alembic import context
from sqlalchemy import create_engine

from indexer.jobs.table import UTCDateTime
from search_app.database import MIGRATION_OPTIONS, migration_lock
from search_app.models import db  # every table: the site's and the job queue's

logger = logging.getLogger("alembic.env")
config = context.config
URL = config.get_main_option("sqlalchemy.url")


def skip_empty_revisions(context, revision, directives):
    """`db migrate` with no model change writes nothing instead of an empty revision."""
    if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
        directives[:] = []
        logger.info("No changes in schema detected.")


def render_item(type_, obj, autogen_context):
    """New revisions spell the models' UTCDateTime as the plain column type it stores, so that
    a migration does not depend on the models module as it is today."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False  # Alembic's default rendering


def run_migrations_offline():
    """`--sql`: print the SQL instead of running it."""
    context.configure(url=URL, target_metadata=db.metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    engine = create_engine(URL)
    try:
        with engine.connect() as connection:
            context.configure(connection=connection, target_metadata=db.metadata,
                              process_revision_directives=skip_empty_revisions,
                              render_item=render_item, **MIGRATION_OPTIONS)
            with context.begin_transaction(), migration_lock(connection):
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
