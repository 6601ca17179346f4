"""job monitor (issue 23): job_statuses.fingerprint, manual_retries, discarded_at; known_failures

Failure clusters group failed jobs by fingerprint; a discard can be undone for a day.

Revision ID: b7e2f4a91c05
Revises: b7a1e4c93d20
Create Date: 2026-12-05 17:30:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'b7e2f4a91c05'
down_revision = 'b7a1e4c93d20'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('job_statuses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('fingerprint', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('manual_retries', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('discarded_at', sa.DateTime(), nullable=True))
        batch_op.create_index('ix_job_statuses_fingerprint_status', ['fingerprint', 'status'], unique=False)
    op.create_table(
        'known_failures',
        sa.Column('fingerprint', sa.String(length=40), nullable=False),
        sa.Column('kind', sa.String(length=64), nullable=False),
        sa.Column('marked_by_id', sa.Integer(), nullable=True),
        sa.Column('marked_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['marked_by_id'], ['users.id'], name=op.f('fk_known_failures_marked_by_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('fingerprint', name=op.f('pk_known_failures')),
    )


def downgrade():
    op.drop_table('known_failures')
    with op.batch_alter_table('job_statuses', schema=None) as batch_op:
        batch_op.drop_index('ix_job_statuses_fingerprint_status')
        batch_op.drop_column('discarded_at')
        batch_op.drop_column('manual_retries')
        batch_op.drop_column('fingerprint')
