"""organizations' billing details (issue 21): the address, tax/VAT id and contact e-mail an invoice shows as its
sender; all optional

Revision ID: c21f6a3d8b25
Revises: c21e8f3a6d52
Create Date: 2026-12-06 05:15:00
"""
import sqlalchemy as sa
from alembic import op

revision = "c21f6a3d8b25"
down_revision = "c21e8f3a6d52"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("organizations") as batch_op:
        batch_op.add_column(sa.Column("billing_address", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("tax_id", sa.String(length=50), nullable=True))
        batch_op.add_column(sa.Column("billing_email", sa.String(length=254), nullable=True))


def downgrade():
    with op.batch_alter_table("organizations") as batch_op:
        batch_op.drop_column("billing_email")
        batch_op.drop_column("tax_id")
        batch_op.drop_column("billing_address")
