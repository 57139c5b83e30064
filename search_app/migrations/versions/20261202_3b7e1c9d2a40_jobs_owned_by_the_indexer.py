"""jobs owned by the indexer: the job table no longer points at the site's user table

The job queue now lives in the indexer (indexer/jobs/), which knows nothing of accounts; a
job keeps the id of the account that queued it, and the site clears it when that account is
deleted (what the foreign key's ON DELETE SET NULL did).

Revision ID: 3b7e1c9d2a40
Revises: 062de82c5779
Create Date: 2026-12-02 05:20:00
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '3b7e1c9d2a40'
down_revision = '062de82c5779'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.drop_constraint('fk_job_user_id_user', type_='foreignkey')


def downgrade():
    op.execute(sa.text('UPDATE job SET user_id = NULL WHERE user_id NOT IN '
                       '(SELECT id FROM "user")'))
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.create_foreign_key('fk_job_user_id_user', 'user', ['user_id'], ['id'],
                                    ondelete='SET NULL')
