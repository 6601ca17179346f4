"""clients.currency: a client's own currency (ISO 4217) for its projects' amounts; empty, the organization's
(issue 21)

Revision ID: a21c4d5e6f70
Revises: a21b3c4d5e60
Create Date: 2026-12-06 02:05:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'a21c4d5e6f70'
down_revision = 'a21b3c4d5e60'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('clients', sa.Column('currency', sa.String(length=3), nullable=True))


def downgrade():
    # SQLite drops a plain column in place (no rebuild of clients, whose projects would cascade)
    op.drop_column('clients', 'currency')
