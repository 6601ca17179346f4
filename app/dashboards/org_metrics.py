"""An organization's dashboard (windows in UTC: an organization spans time zones)."""
from __future__ import annotations

from sqlalchemy import and_, case, func, select

from app.dashboards import charts
from app.dashboards.charts import N_
from app.dashboards.common import FINISHED, add_running, in_window, recent_activity, running_minutes, summed, top
from app.extensions import db
from app.models import Client, Project, ProjectStatus, Team, TimeLog


def _scope(ctx):
    return TimeLog.organization_id == ctx.subject.id


def summary(ctx) -> dict:
    """Projects, running timers, this week's hours and its billable split."""
    p, org = ctx.periods, ctx.subject
    projects, active = db.session.execute(
        select(func.count(), func.coalesce(func.sum(case((Project.status == ProjectStatus.ACTIVE, 1),
                                                          else_=0)), 0))
        .where(Project.organization_id == org.id)
    ).one()
    week = in_window(p.week, p.tomorrow)
    today, total, billable = db.session.execute(
        select(summed(in_window(p.today, p.tomorrow)), summed(week), summed(and_(week, TimeLog.billable.is_(True))))
        .where(_scope(ctx), FINISHED, TimeLog.start_time >= min(p.week, p.today))
    ).one()
    timers = ctx.running(_scope(ctx))
    today = float(today or 0) + running_minutes(timers, p.now, p.today)
    total = float(total or 0) + running_minutes(timers, p.now, p.week)
    billable = float(billable or 0) + running_minutes([t for t in timers if t["billable"]], p.now, p.week)
    return {"projects": projects or 0, "active_projects": int(active or 0), "running": len(timers),
            "today": today, "week": total, "billable": billable, "non_billable": total - billable,
            "billable_share": round(100 * billable / total) if total else None}


def _week_by(ctx, column, field: str) -> dict:
    """Minutes this week grouped by a project column (team_id or client_id), running timers included."""
    p = ctx.periods
    rows = db.session.execute(
        select(column, func.sum(TimeLog.duration_minutes)).join(Project, Project.id == TimeLog.project_id)
        .where(_scope(ctx), FINISHED, in_window(p.week, p.tomorrow)).group_by(column)
    ).all()
    return add_running({r[0]: float(r[1] or 0) for r in rows}, ctx.running(_scope(ctx)), p.now, p.week, field)


def by_team(ctx) -> dict:
    totals = _week_by(ctx, Project.team_id, "team_id")
    names = dict(db.session.execute(select(Team.id, Team.name).where(Team.organization_id == ctx.subject.id)).all())
    names[None] = "No team"
    return {"chart": charts.bars(N_("Hours by team this week"), top(totals, names))}


def by_client(ctx) -> dict:
    totals = _week_by(ctx, Project.client_id, "client_id")
    names = dict(db.session.execute(
        select(Client.id, Client.name).where(Client.organization_id == ctx.subject.id)).all())
    names[None] = "No client"
    return {"chart": charts.bars(N_("Hours by client this week"), top(totals, names))}


def top_projects(ctx) -> dict:
    """The five projects with the most time this month."""
    p = ctx.periods
    rows = db.session.execute(
        select(TimeLog.project_id, Project.name, func.sum(TimeLog.duration_minutes).label("m"))
        .join(Project, Project.id == TimeLog.project_id)
        .where(_scope(ctx), FINISHED, in_window(p.month, p.tomorrow))
        .group_by(TimeLog.project_id, Project.name).order_by(func.sum(TimeLog.duration_minutes).desc()).limit(20)
    ).all()
    totals = {r[0]: float(r[2] or 0) for r in rows}
    names = {r[0]: r[1] for r in rows}
    add_running(totals, ctx.running(_scope(ctx)), p.now, p.month, "project_id", names, "project")
    return {"chart": charts.bars(N_("Top projects this month"), top(totals, names, limit=5))}


def activity(ctx) -> dict:
    return {"items": recent_activity(_scope(ctx), ctx.periods), "title": N_("Recent activity")}
