"""exports: full exports of an organization (issue 20 F)

Revision ID: f3a8d2c61e07
Revises: e5a9c2f71b34
Create Date: 2026-12-05 22:50:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'f3a8d2c61e07'
down_revision = 'e5a9c2f71b34'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'exports',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('organization_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('percent', sa.Integer(), nullable=False),
        sa.Column('phase', sa.String(length=200), nullable=False),
        sa.Column('file_path', sa.String(length=300), nullable=True),
        sa.Column('byte_size', sa.Integer(), nullable=True),
        sa.Column('counts', sa.JSON(), nullable=True),
        sa.Column('error_message', sa.Text(), nullable=True),
        sa.Column('rq_job_id', sa.String(length=64), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('started_at', sa.DateTime(), nullable=True),
        sa.Column('finished_at', sa.DateTime(), nullable=True),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_exports_organization_id', 'exports', ['organization_id'])
    op.create_index('ix_exports_expires_at', 'exports', ['expires_at'])


def downgrade():
    op.drop_index('ix_exports_expires_at', table_name='exports')
    op.drop_index('ix_exports_organization_id', table_name='exports')
    op.drop_table('exports')
