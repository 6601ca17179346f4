"""rates: billable and cost rates at four levels with effective dates (issue 21); projects.hourly_rate moves
into a project-level billable rate effective from 1970-01-01, so old reports keep their amounts; rates are the one
source of truth (the model maps the column no more)

PostgreSQL drops projects.hourly_rate. SQLite cannot drop a column under a CHECK constraint without rebuilding the
table, and rebuilding projects (drop and rename) with foreign keys on deletes every time log and rate through
ON DELETE CASCADE: on SQLite the column stays, emptied (NULL) and unread.

Revision ID: a21b3c4d5e60
Revises: b7d41e9a3c20
Create Date: 2026-12-06 01:50:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'a21b3c4d5e60'
down_revision = 'b7d41e9a3c20'
branch_labels = None
depends_on = None

FLOOR = '1970-01-01'


def upgrade():
    op.create_table(
        'rates',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('organization_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('project_id', sa.Integer(), nullable=True),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('amount', sa.Numeric(precision=10, scale=2), nullable=True),
        sa.Column('effective_from', sa.Date(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('created_by', sa.Integer(), nullable=True),
        sa.CheckConstraint("kind in ('billable', 'cost')", name=op.f('ck_rates_kind')),
        sa.CheckConstraint('amount IS NULL OR amount >= 0', name=op.f('ck_rates_amount')),
        sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'],
                                name=op.f('fk_rates_organization_id_organizations'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_rates_user_id_users'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_rates_project_id_projects'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_rates_created_by_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_rates')),
    )
    op.create_index('ix_rates_level', 'rates', ['organization_id', 'project_id', 'user_id', 'kind', 'effective_from'])
    op.create_index(op.f('ix_rates_user_id'), 'rates', ['user_id'])
    op.create_index(op.f('ix_rates_project_id'), 'rates', ['project_id'])
    op.execute(
        "INSERT INTO rates (organization_id, user_id, project_id, kind, amount, effective_from, created_at) "
        f"SELECT organization_id, NULL, id, 'billable', hourly_rate, DATE '{FLOOR}', CURRENT_TIMESTAMP "
        "FROM projects WHERE hourly_rate IS NOT NULL"
        if op.get_bind().dialect.name == 'postgresql' else
        "INSERT INTO rates (organization_id, user_id, project_id, kind, amount, effective_from, created_at) "
        f"SELECT organization_id, NULL, id, 'billable', hourly_rate, '{FLOOR}', CURRENT_TIMESTAMP "
        "FROM projects WHERE hourly_rate IS NOT NULL")
    with op.batch_alter_table('projects', schema=None) as batch_op:  # SQLite rebuilds it (keys off: env.py)
        batch_op.drop_constraint(op.f('ck_projects_hourly_rate'), type_='check')
        batch_op.drop_column('hourly_rate')


def downgrade():
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.add_column(sa.Column('hourly_rate', sa.Numeric(precision=10, scale=2), nullable=True))
        batch_op.create_check_constraint(op.f('ck_projects_hourly_rate'), 'hourly_rate IS NULL OR hourly_rate >= 0')
    # the project's current project-level billable rate (its latest effective today or before)
    op.execute(
        "UPDATE projects SET hourly_rate = (SELECT r.amount FROM rates r WHERE r.project_id = projects.id "
        "AND r.user_id IS NULL AND r.kind = 'billable' AND r.effective_from <= CURRENT_DATE "
        "ORDER BY r.effective_from DESC, r.id DESC LIMIT 1)")
    op.drop_index(op.f('ix_rates_project_id'), table_name='rates')
    op.drop_index(op.f('ix_rates_user_id'), table_name='rates')
    op.drop_index('ix_rates_level', table_name='rates')
    op.drop_table('rates')
