"""users.idle_minutes: minutes without input before a running timer asks about idle time (issue 19, part D)

Revision ID: e19d1a2b3c40
Revises: d19b7c4e2a61
Create Date: 2026-12-05 18:45:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'e19d1a2b3c40'
down_revision = 'd19b7c4e2a61'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('idle_minutes', sa.Integer(), server_default='10', nullable=False))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('idle_minutes')
