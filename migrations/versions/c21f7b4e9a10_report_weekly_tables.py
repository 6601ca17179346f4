"""reports keep their Weekly tables (issue 21): a report spanning more than one week stores, from its job, the hours
by day per person and per project of every week of its range, so its Weekly tab reads them instead of a query

Revision ID: c21f7b4e9a10
Revises: c21f6a3d8b25
Create Date: 2026-12-06 06:10:00
"""
import sqlalchemy as sa
from alembic import op

revision = "c21f7b4e9a10"
down_revision = "c21f6a3d8b25"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("reports") as batch_op:
        batch_op.add_column(sa.Column("weekly", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("reports") as batch_op:
        batch_op.drop_column("weekly")
