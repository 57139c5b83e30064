"""official texts on jobs: job.official_text, the kept copy of a text to align (issue 15)

A job that carries one aligns that text to its video's saved transcript instead of
transcribing the file; every other job has NULL there, as all the existing ones get.

Revision ID: 5d2f8a61c0e7
Revises: 3b7e1c9d2a40
Create Date: 2026-12-02 17:05:00
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '5d2f8a61c0e7'
down_revision = '3b7e1c9d2a40'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.add_column(sa.Column('official_text', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.drop_column('official_text')
