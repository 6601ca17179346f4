"""organizations.currency and week_start, projects.hourly_rate, memberships.removed_at (former members keep their logs)

Revision ID: 3b5e1c7d2a90
Revises: 8920365e8c1f
Create Date: 2026-11-29 07:40:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '3b5e1c7d2a90'
down_revision = '8920365e8c1f'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('currency', sa.String(length=3), server_default='EUR', nullable=False))
        batch_op.add_column(sa.Column('week_start', sa.Integer(), server_default='0', nullable=False))
        batch_op.create_check_constraint('week_start', 'week_start in (0, 6)')
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.add_column(sa.Column('hourly_rate', sa.Numeric(precision=10, scale=2), nullable=True))
        batch_op.create_check_constraint('hourly_rate', 'hourly_rate IS NULL OR hourly_rate >= 0')
    with op.batch_alter_table('memberships', schema=None) as batch_op:
        batch_op.add_column(sa.Column('removed_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('memberships', schema=None) as batch_op:
        batch_op.drop_column('removed_at')
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.drop_constraint('hourly_rate', type_='check')
        batch_op.drop_column('hourly_rate')
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.drop_constraint('week_start', type_='check')
        batch_op.drop_column('week_start')
        batch_op.drop_column('currency')
