"""user session tokens: cookies carry user.session_token, not the id; ids never reused

Each existing account gets its own fresh random token (its users log in once more: cookies
made before named the id). On SQLite the user table is rebuilt with AUTOINCREMENT, so that a
deleted account's id is never given to a new one (PostgreSQL's sequence never reuses one).

Revision ID: 062de82c5779
Revises: 6966a5bbf481
Create Date: 2026-11-25 10:12:41.402117
"""

import secrets

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '062de82c5779'
down_revision = '6966a5bbf481'
branch_labels = None
depends_on = None


def rebuild_on_sqlite(autoincrement: bool) -> dict:
    """batch_alter_table arguments: on SQLite, copy the table into one with (or without)
    AUTOINCREMENT; elsewhere, plain ALTER statements."""
    if op.get_bind().dialect.name != "sqlite":
        return {}
    return {"recreate": "always", "table_kwargs": {"sqlite_autoincrement": autoincrement}}


def upgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_token', sa.String(length=64), nullable=True))

    bind = op.get_bind()
    user = sa.table('user', sa.column('id', sa.Integer), sa.column('session_token', sa.String))
    for (user_id,) in bind.execute(sa.select(user.c.id)).all():
        bind.execute(user.update().where(user.c.id == user_id)
                     .values(session_token=secrets.token_urlsafe(32)))

    with op.batch_alter_table('user', schema=None, **rebuild_on_sqlite(True)) as batch_op:
        batch_op.alter_column('session_token', existing_type=sa.String(length=64),
                              nullable=False)
        batch_op.create_index(batch_op.f('ix_user_session_token'), ['session_token'],
                              unique=True)


def downgrade():
    with op.batch_alter_table('user', schema=None, **rebuild_on_sqlite(False)) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_session_token'))
        batch_op.drop_column('session_token')
