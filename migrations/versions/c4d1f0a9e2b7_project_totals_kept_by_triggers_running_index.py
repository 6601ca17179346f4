"""project_totals kept by triggers on time_logs; partial index on open logs; index on time_logs.created_at

Revision ID: c4d1f0a9e2b7
Revises: 3b5e1c7d2a90
Create Date: 2026-11-29 08:30:00.000000

Dashboards read all-time figures (a project's budget used, the platform's count of logs) from
project_totals instead of summing every log. The database keeps it exact: SQLite with row triggers
(an UPSERT per log), PostgreSQL with statement triggers over transition tables (one grouped UPSERT per
statement, so a bulk COPY of a million rows pays once per statement, not per row). Both see every write,
whoever makes it: the ORM, the bulk seeder, a cascade.
"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'c4d1f0a9e2b7'
down_revision = '3b5e1c7d2a90'
branch_labels = None
depends_on = None

SQLITE_ADD = """
INSERT INTO project_totals (project_id, organization_id, logs, minutes)
VALUES (NEW.project_id, NEW.organization_id, 1, COALESCE(NEW.duration_minutes, 0))
ON CONFLICT (project_id) DO UPDATE SET logs = logs + 1, minutes = minutes + excluded.minutes;
"""
SQLITE_SUBTRACT = """
UPDATE project_totals SET logs = logs - 1, minutes = minutes - COALESCE(OLD.duration_minutes, 0)
WHERE project_id = OLD.project_id;
"""
SQLITE = [
    f"CREATE TRIGGER trg_time_logs_totals_insert AFTER INSERT ON time_logs BEGIN {SQLITE_ADD} END",
    f"CREATE TRIGGER trg_time_logs_totals_delete AFTER DELETE ON time_logs BEGIN {SQLITE_SUBTRACT} END",
    "CREATE TRIGGER trg_time_logs_totals_update AFTER UPDATE OF project_id, organization_id, duration_minutes "
    f"ON time_logs BEGIN {SQLITE_SUBTRACT} {SQLITE_ADD} END",
]

PG_ADD = """
INSERT INTO project_totals (project_id, organization_id, logs, minutes)
SELECT project_id, min(organization_id), count(*), COALESCE(sum(duration_minutes), 0) FROM new_rows GROUP BY project_id
ON CONFLICT (project_id) DO UPDATE
SET logs = project_totals.logs + excluded.logs, minutes = project_totals.minutes + excluded.minutes;
"""
PG_SUBTRACT = """
UPDATE project_totals AS t SET logs = t.logs - d.logs, minutes = t.minutes - d.minutes
FROM (SELECT project_id, count(*) AS logs, COALESCE(sum(duration_minutes), 0) AS minutes
      FROM old_rows GROUP BY project_id) AS d
WHERE t.project_id = d.project_id;
"""
PG = [
    f"CREATE FUNCTION time_logs_totals_insert() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN {PG_ADD} "
    "RETURN NULL; END $$",
    f"CREATE FUNCTION time_logs_totals_delete() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN {PG_SUBTRACT} "
    "RETURN NULL; END $$",
    f"CREATE FUNCTION time_logs_totals_update() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN {PG_SUBTRACT} "
    f"{PG_ADD} RETURN NULL; END $$",
    "CREATE TRIGGER trg_time_logs_totals_insert AFTER INSERT ON time_logs REFERENCING NEW TABLE AS new_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION time_logs_totals_insert()",
    "CREATE TRIGGER trg_time_logs_totals_delete AFTER DELETE ON time_logs REFERENCING OLD TABLE AS old_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION time_logs_totals_delete()",
    "CREATE TRIGGER trg_time_logs_totals_update AFTER UPDATE ON time_logs "
    "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION time_logs_totals_update()",
]

BACKFILL = """
INSERT INTO project_totals (project_id, organization_id, logs, minutes)
SELECT project_id, min(organization_id), count(*), COALESCE(sum(duration_minutes), 0) FROM time_logs GROUP BY project_id
"""


def upgrade():
    op.create_table(
        'project_totals',
        sa.Column('project_id', sa.Integer(), nullable=False),
        sa.Column('organization_id', sa.Integer(), nullable=False),
        sa.Column('logs', sa.BigInteger(), nullable=False),
        sa.Column('minutes', sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_project_totals_project_id_projects'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('project_id', name=op.f('pk_project_totals')),
    )
    with op.batch_alter_table('project_totals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_project_totals_organization_id'), ['organization_id'], unique=False)
    with op.batch_alter_table('time_logs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_time_logs_created_at'), ['created_at'], unique=False)
        batch_op.create_index('ix_time_logs_org_running', ['organization_id'], unique=False,
                              sqlite_where=sa.text('end_time IS NULL'), postgresql_where=sa.text('end_time IS NULL'))
    op.execute(BACKFILL)
    for statement in (PG if op.get_bind().dialect.name == "postgresql" else SQLITE):
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for event in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER trg_time_logs_totals_{event} ON time_logs")
            op.execute(f"DROP FUNCTION time_logs_totals_{event}()")
    else:
        for event in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS trg_time_logs_totals_{event}")
    with op.batch_alter_table('time_logs', schema=None) as batch_op:
        batch_op.drop_index('ix_time_logs_org_running', sqlite_where=sa.text('end_time IS NULL'),
                            postgresql_where=sa.text('end_time IS NULL'))
        batch_op.drop_index(batch_op.f('ix_time_logs_created_at'))
    with op.batch_alter_table('project_totals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_project_totals_organization_id'))
    op.drop_table('project_totals')
