"""imports (an uploaded file of another tracker's time: its dry run, import and undo), time_logs.external_id and
organizations.time_zone (issue 20 E)

Revision ID: f3c1a9d27e40
Revises: f3a8d2c61e07
Create Date: 2026-12-05 23:00:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'f3c1a9d27e40'
down_revision = 'f3a8d2c61e07'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'imports',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('organization_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('file_name', sa.String(length=255), nullable=False),
        sa.Column('content', sa.Text(), nullable=False),
        sa.Column('format', sa.String(length=20), nullable=False),
        sa.Column('options', sa.JSON(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('rows_done', sa.Integer(), nullable=False),
        sa.Column('rows_total', sa.Integer(), nullable=False),
        sa.Column('plan', sa.JSON(), nullable=False),
        sa.Column('errors', sa.JSON(), nullable=False),
        sa.Column('message', sa.Text(), nullable=False),
        sa.Column('created', sa.JSON(), nullable=False),
        sa.Column('entries_created', sa.Integer(), nullable=False),
        sa.Column('entries_skipped', sa.Integer(), nullable=False),
        sa.Column('rq_job_id', sa.String(length=64), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('imported_at', sa.DateTime(), nullable=True),
        sa.Column('undone_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_imports_organization_id', 'imports', ['organization_id'])
    op.create_index('ix_imports_user_id', 'imports', ['user_id'])
    op.create_index('ix_imports_status', 'imports', ['status'])
    with op.batch_alter_table('time_logs') as batch:
        batch.add_column(sa.Column('external_id', sa.String(length=120), nullable=True))
    op.create_index('uq_time_logs_org_external_id', 'time_logs', ['organization_id', 'external_id'], unique=True)
    with op.batch_alter_table('organizations') as batch:
        batch.add_column(sa.Column('time_zone', sa.String(length=64), nullable=False, server_default='UTC'))


def downgrade():
    with op.batch_alter_table('organizations') as batch:
        batch.drop_column('time_zone')
    op.drop_index('uq_time_logs_org_external_id', table_name='time_logs')
    with op.batch_alter_table('time_logs') as batch:
        batch.drop_column('external_id')
    op.drop_index('ix_imports_status', table_name='imports')
    op.drop_index('ix_imports_user_id', table_name='imports')
    op.drop_index('ix_imports_organization_id', table_name='imports')
    op.drop_table('imports')
