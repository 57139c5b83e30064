"""Alembic's entry point, run by Flask-Migrate inside the app: the app's engine and models."""

import logging

from alembic import context
from flask import current_app

from search_app.models import UTCDateTime
from search_app.schema import migration_lock

logger = logging.getLogger("alembic.env")
config = context.config
migrate_ext = current_app.extensions["migrate"]
engine = migrate_ext.db.engine
config.set_main_option("sqlalchemy.url",
                       engine.url.render_as_string(hide_password=False).replace("%", "%%"))


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
    context.configure(url=config.get_main_option("sqlalchemy.url"),
                      target_metadata=migrate_ext.db.metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    options = dict(migrate_ext.configure_args)
    options.setdefault("process_revision_directives", skip_empty_revisions)
    options.setdefault("render_item", render_item)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=migrate_ext.db.metadata,
                          **options)
        with context.begin_transaction(), migration_lock(connection):
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
