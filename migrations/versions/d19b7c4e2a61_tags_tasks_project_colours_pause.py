"""tags, tasks, project colours and paused timers (issue 19)

Tags (per organization) and time_log_tags, tasks (per project) and time_logs.task_id, projects.color,
time_logs.paused and resumed_from_id.

time_logs keeps its triggers (project_totals): its new columns are added and dropped in place (no batch copy,
which would drop the triggers), so they carry no foreign key; the app keeps them consistent (a task's deletion
clears its logs' task_id, a resumed segment may outlive the one it resumed).

Revision ID: d19b7c4e2a61
Revises: b7e2f4a91c05
Create Date: 2026-12-05 17:40:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'd19b7c4e2a61'
down_revision = 'b7e2f4a91c05'
branch_labels = None
depends_on = None

PALETTE = ('#3b82f6', '#10b981', '#f59e0b', '#ef4444', '#8b5cf6', '#ec4899', '#14b8a6', '#64748b')
PAUSED = sa.text('paused')


def upgrade():
    op.create_table(
        'tags',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('organization_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=50), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('organization_id', 'name', name='uq_tags_org_name'),
    )
    op.create_index('ix_tags_organization_id', 'tags', ['organization_id'])
    op.create_table(
        'tasks',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('project_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['project_id'], ['projects.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('project_id', 'name', name='uq_tasks_project_name'),
    )
    op.create_index('ix_tasks_project_id', 'tasks', ['project_id'])
    op.create_table(
        'time_log_tags',
        sa.Column('time_log_id', sa.Integer(), nullable=False),
        sa.Column('tag_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['time_log_id'], ['time_logs.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['tag_id'], ['tags.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('time_log_id', 'tag_id'),
    )
    op.create_index('ix_time_log_tags_tag_id', 'time_log_tags', ['tag_id'])

    op.add_column('time_logs', sa.Column('task_id', sa.Integer(), nullable=True))
    op.add_column('time_logs', sa.Column('paused', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column('time_logs', sa.Column('resumed_from_id', sa.Integer(), nullable=True))
    op.create_index('ix_time_logs_task_id', 'time_logs', ['task_id'])
    op.create_index('uq_time_logs_one_paused_timer', 'time_logs', ['user_id'], unique=True,
                    sqlite_where=PAUSED, postgresql_where=PAUSED)

    op.add_column('projects', sa.Column('color', sa.String(length=7), nullable=False, server_default=PALETTE[0]))
    cases = " ".join(f"WHEN {i} THEN '{colour}'" for i, colour in enumerate(PALETTE))
    op.execute(f"UPDATE projects SET color = CASE id % {len(PALETTE)} {cases} END")


def downgrade():
    op.drop_column('projects', 'color')
    op.drop_index('uq_time_logs_one_paused_timer', table_name='time_logs', sqlite_where=PAUSED,
                  postgresql_where=PAUSED)
    op.drop_index('ix_time_logs_task_id', table_name='time_logs')
    op.drop_column('time_logs', 'resumed_from_id')
    op.drop_column('time_logs', 'paused')
    op.drop_column('time_logs', 'task_id')
    op.drop_index('ix_time_log_tags_tag_id', table_name='time_log_tags')
    op.drop_table('time_log_tags')
    op.drop_index('ix_tasks_project_id', table_name='tasks')
    op.drop_table('tasks')
    op.drop_index('ix_tags_organization_id', table_name='tags')
    op.drop_table('tags')
