"""job_statuses.organization_id and request_id; recurring_settings (operating Timeboard, issue 14)

Revision ID: e387a647e2cf
Revises: a39003e644ae
Create Date: 2026-11-29 08:20:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'e387a647e2cf'
down_revision = 'a39003e644ae'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('job_statuses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('organization_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('request_id', sa.String(length=64), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_job_statuses_organization_id_organizations'), 'organizations',
                                    ['organization_id'], ['id'], ondelete='SET NULL')
        batch_op.create_index('ix_job_statuses_org_enqueued', ['organization_id', 'enqueued_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_job_statuses_request_id'), ['request_id'], unique=False)
    op.create_table(
        'recurring_settings',
        sa.Column('name', sa.String(length=64), nullable=False),
        sa.Column('enabled', sa.Boolean(), nullable=False),
        sa.Column('changed_by_id', sa.Integer(), nullable=True),
        sa.Column('changed_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['changed_by_id'], ['users.id'], name=op.f('fk_recurring_settings_changed_by_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_recurring_settings')),
    )


def downgrade():
    op.drop_table('recurring_settings')
    with op.batch_alter_table('job_statuses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_job_statuses_request_id'))
        batch_op.drop_index('ix_job_statuses_org_enqueued')
        batch_op.drop_constraint(batch_op.f('fk_job_statuses_organization_id_organizations'), type_='foreignkey')
        batch_op.drop_column('request_id')
        batch_op.drop_column('organization_id')
