"""people choose light or dark pages (issue 24): users.theme, "system" (the device's setting), "light" or "dark"

Revision ID: d24a6e1f3b70
Revises: c21f7b4e9a10
Create Date: 2026-12-06 17:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = "d24a6e1f3b70"
down_revision = "c21f7b4e9a10"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(sa.Column("theme", sa.String(length=8), nullable=False, server_default="system"))


def downgrade():
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_column("theme")
