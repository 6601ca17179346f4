"""week_approvals: a person's week submitted, approved (locked) or rejected; organizations.lock_date (issue 21 B)

Revision ID: c5e2a8d14f93
Revises: a21c4d5e6f70
Create Date: 2026-12-06 01:45:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'c5e2a8d14f93'
down_revision = 'a21c4d5e6f70'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'week_approvals',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('organization_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('week_start', sa.Date(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('submitted_at', sa.DateTime(), nullable=False),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.Column('decided_at', sa.DateTime(), nullable=True),
        sa.Column('comment', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('organization_id', 'user_id', 'week_start', name='uq_week_approval'),
    )
    op.create_index('ix_week_approvals_organization_id', 'week_approvals', ['organization_id'])
    op.create_index('ix_week_approvals_user_id', 'week_approvals', ['user_id'])
    op.create_index('ix_week_approvals_status', 'week_approvals', ['status'])
    with op.batch_alter_table('organizations') as batch_op:
        batch_op.add_column(sa.Column('lock_date', sa.Date(), nullable=True))


def downgrade():
    with op.batch_alter_table('organizations') as batch_op:
        batch_op.drop_column('lock_date')
    op.drop_index('ix_week_approvals_status', table_name='week_approvals')
    op.drop_index('ix_week_approvals_user_id', table_name='week_approvals')
    op.drop_index('ix_week_approvals_organization_id', table_name='week_approvals')
    op.drop_table('week_approvals')
