"""people read Timeboard in their language (issue 24): users.language (their choice, NULL: as their browser
asks) and users.browser_language (what their browser asked for at their last sign-in, for e-mails)

Revision ID: e5b1c7a9d402
Revises: d24a6e1f3b70
Create Date: 2026-12-06 23:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = "e5b1c7a9d402"
down_revision = "d24a6e1f3b70"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column("browser_language", sa.String(length=8), nullable=True))


def downgrade():
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_column("browser_language")
        batch_op.drop_column("language")
