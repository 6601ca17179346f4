"""job_statuses.arguments and run_at: a pending job can be queued again from its row (issue 17)

Revision ID: b7d2e9f1c3a4
Revises: 5a7c3e9d1b20
Create Date: 2026-12-01 09:00:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'b7d2e9f1c3a4'
down_revision = '5a7c3e9d1b20'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('job_statuses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('arguments', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('run_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('job_statuses', schema=None) as batch_op:
        batch_op.drop_column('run_at')
        batch_op.drop_column('arguments')
