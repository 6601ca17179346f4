"""report share links (issue 21 D): report_shares, a hashed secret per link with its expiry and revocation

Revision ID: c21d5e7a9b13
Revises: c5e2a8d14f93
Create Date: 2026-12-06 01:50:00
"""
import sqlalchemy as sa
from alembic import op

revision = "c21d5e7a9b13"
down_revision = "c5e2a8d14f93"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "report_shares",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["report_id"], ["reports.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("secret_hash"),
    )
    op.create_index("ix_report_shares_report_id", "report_shares", ["report_id"])


def downgrade():
    op.drop_index("ix_report_shares_report_id", table_name="report_shares")
    op.drop_table("report_shares")
