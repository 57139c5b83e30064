"""job error reasons: job.error_reason, a failed job's error named (kind and values)

An official text that the aligner refused (another speech, another language) keeps its
English error in job.error, for the command line; job.error_reason names it, so that the jobs
page says it in the reader's language (search_app/official_reasons.py). Existing jobs get
NULL: their English error is shown as it was.

Revision ID: 8c4e2f17a9b3
Revises: 5d2f8a61c0e7
Create Date: 2026-12-07 10:00:00
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '8c4e2f17a9b3'
down_revision = '5d2f8a61c0e7'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.add_column(sa.Column('error_reason', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.drop_column('error_reason')
