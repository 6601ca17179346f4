"""notifications, notification_preferences, notification_settings, report_schedules, report_schedule_runs

Revision ID: a39003e644ae
Revises: c4e7a91f2b3d
Create Date: 2026-11-29 08:20:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'a39003e644ae'
down_revision = 'c4e7a91f2b3d'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'notifications',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('dedup_key', sa.String(length=200), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('link', sa.String(length=500), nullable=True),
        sa.Column('data', sa.JSON(), nullable=False),
        sa.Column('in_app', sa.Boolean(), nullable=False),
        sa.Column('email_state', sa.String(length=10), nullable=False),
        sa.Column('email_due_at', sa.DateTime(), nullable=True),
        sa.Column('emailed_at', sa.DateTime(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('read_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notifications_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications')),
        sa.UniqueConstraint('user_id', 'dedup_key', name='uq_notifications_user_dedup'),
    )
    op.create_index('ix_notifications_user_read_created', 'notifications', ['user_id', 'read_at', 'created_at'],
                    unique=False)
    op.create_table(
        'notification_preferences',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('channel', sa.String(length=10), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notification_preferences_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_notification_preferences')),
        sa.UniqueConstraint('user_id', 'kind', name='uq_notification_preferences_user_kind'),
    )
    op.create_table(
        'notification_settings',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('daily_digest', sa.Boolean(), nullable=False),
        sa.Column('quiet_start', sa.Integer(), nullable=True),
        sa.Column('quiet_end', sa.Integer(), nullable=True),
        sa.Column('last_digest_on', sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notification_settings_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id', name=op.f('pk_notification_settings')),
    )
    op.create_table(
        'report_schedules',
        sa.Column('definition_id', sa.Integer(), nullable=False),
        sa.Column('frequency', sa.String(length=10), nullable=False),
        sa.Column('recipient_ids', sa.JSON(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['definition_id'], ['report_definitions.id'],
                                name=op.f('fk_report_schedules_definition_id_report_definitions'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('definition_id', name=op.f('pk_report_schedules')),
    )
    op.create_table(
        'report_schedule_runs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('definition_id', sa.Integer(), nullable=False),
        sa.Column('period', sa.String(length=16), nullable=False),
        sa.Column('report_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['definition_id'], ['report_definitions.id'],
                                name=op.f('fk_report_schedule_runs_definition_id_report_definitions'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['report_id'], ['reports.id'], name=op.f('fk_report_schedule_runs_report_id_reports'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_report_schedule_runs')),
        sa.UniqueConstraint('definition_id', 'period', name='uq_report_schedule_runs_definition_period'),
    )
    op.create_index(op.f('ix_report_schedule_runs_report_id'), 'report_schedule_runs', ['report_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_report_schedule_runs_report_id'), table_name='report_schedule_runs')
    op.drop_table('report_schedule_runs')
    op.drop_table('report_schedules')
    op.drop_table('notification_settings')
    op.drop_table('notification_preferences')
    op.drop_index('ix_notifications_user_read_created', table_name='notifications')
    op.drop_table('notifications')
