"""notification_settings.reminder_at and last_reminder_on: the daily "nothing tracked today" reminder (issue 19 D)

Revision ID: e19d2b3c4d51
Revises: e19d1a2b3c40
Create Date: 2026-12-05 19:00:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'e19d2b3c4d51'
down_revision = 'e19d1a2b3c40'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('notification_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reminder_at', sa.Time(), nullable=True))
        batch_op.add_column(sa.Column('last_reminder_on', sa.Date(), nullable=True))


def downgrade():
    with op.batch_alter_table('notification_settings', schema=None) as batch_op:
        batch_op.drop_column('last_reminder_on')
        batch_op.drop_column('reminder_at')
