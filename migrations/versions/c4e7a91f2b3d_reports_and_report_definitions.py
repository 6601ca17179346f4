"""reports and report_definitions (issue 12: on-demand reports)

Revision ID: c4e7a91f2b3d
Revises: dd14c385b2b8
Create Date: 2026-11-29 07:50:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'c4e7a91f2b3d'
down_revision = 'dd14c385b2b8'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'reports',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('organization_id', sa.Integer(), nullable=False),
        sa.Column('params', sa.JSON(), nullable=False),
        sa.Column('format', sa.String(length=8), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('phase', sa.String(length=20), nullable=False),
        sa.Column('rows_done', sa.Integer(), nullable=False),
        sa.Column('rows_total', sa.Integer(), nullable=True),
        sa.Column('row_count', sa.Integer(), nullable=True),
        sa.Column('byte_size', sa.Integer(), nullable=True),
        sa.Column('file_path', sa.String(length=300), nullable=True),
        sa.Column('file_name', sa.String(length=200), nullable=True),
        sa.Column('archived', sa.Boolean(), nullable=False),
        sa.Column('summary', sa.JSON(), nullable=True),
        sa.Column('error_message', sa.Text(), nullable=True),
        sa.Column('rq_job_id', sa.String(length=64), nullable=True),
        sa.Column('as_of', sa.DateTime(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('started_at', sa.DateTime(), nullable=True),
        sa.Column('finished_at', sa.DateTime(), nullable=True),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'],
                                name=op.f('fk_reports_organization_id_organizations'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_reports_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_reports')),
    )
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.create_index('ix_reports_expires', ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_reports_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index('ix_reports_user_created', ['user_id', 'created_at'], unique=False)

    op.create_table(
        'report_definitions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('organization_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('params', sa.JSON(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'],
                                name=op.f('fk_report_definitions_organization_id_organizations'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_report_definitions_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_report_definitions')),
    )
    with op.batch_alter_table('report_definitions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_definitions_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('report_definitions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_definitions_user_id'))
    op.drop_table('report_definitions')
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.drop_index('ix_reports_user_created')
        batch_op.drop_index(batch_op.f('ix_reports_organization_id'))
        batch_op.drop_index('ix_reports_expires')
    op.drop_table('reports')
