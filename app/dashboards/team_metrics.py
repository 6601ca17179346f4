"""A team's dashboard: its members' time in the team's organization (windows in UTC)."""
from __future__ import annotations

from sqlalchemy import and_, func, select

from app.dashboards import charts
from app.dashboards.charts import N_
from app.dashboards.common import (
    FINISHED,
    add_running,
    elapsed_minutes,
    in_window,
    recent_activity,
    running_minutes,
    summed,
)
from app.extensions import db
from app.models import Project, ProjectTotal, TeamMembership, TimeLog, User


def _scope(ctx):
    team = ctx.subject
    members = select(TeamMembership.user_id).where(TeamMembership.team_id == team.id)
    return and_(TimeLog.organization_id == team.organization_id, TimeLog.user_id.in_(members))


def summary(ctx) -> dict:
    """Team hours today and this week, and who is tracking right now."""
    p = ctx.periods
    today, week = db.session.execute(
        select(summed(in_window(p.today, p.tomorrow)), summed(in_window(p.week, p.tomorrow)))
        .where(_scope(ctx), FINISHED, TimeLog.start_time >= min(p.week, p.today))
    ).one()
    timers = ctx.running(_scope(ctx))
    today = float(today or 0) + running_minutes(timers, p.now, p.today)
    week = float(week or 0) + running_minutes(timers, p.now, p.week)
    tracking = [{"user": t["user"], "project": t["project"], "since": p.local(t["start"], "%H:%M"),
                 "minutes": elapsed_minutes(t, p.now)} for t in timers]
    members = db.session.scalar(select(func.count()).where(TeamMembership.team_id == ctx.subject.id))
    return {"today": today, "week": week, "tracking": tracking, "members": members or 0}


def members(ctx) -> dict:
    """Hours per member this week, members with no time included."""
    p, team = ctx.periods, ctx.subject
    rows = db.session.execute(
        select(User.id, User.name, func.coalesce(func.sum(TimeLog.duration_minutes), 0))
        .select_from(TeamMembership).join(User, User.id == TeamMembership.user_id)
        .outerjoin(TimeLog, and_(TimeLog.user_id == User.id, TimeLog.organization_id == team.organization_id,
                                 FINISHED, in_window(p.week, p.tomorrow)))
        .where(TeamMembership.team_id == team.id).group_by(User.id, User.name)
    ).all()
    totals = add_running({r[0]: float(r[2] or 0) for r in rows}, ctx.running(_scope(ctx)), p.now, p.week, "user_id")
    names = {r[0]: r[1] for r in rows}
    items = sorted(((names[k], v) for k, v in totals.items()), key=lambda kv: (-kv[1], kv[0]))[:12]
    return {"chart": charts.bars(N_("Hours per member this week"), items)}


def projects(ctx) -> dict:
    """The team's projects with their budget used (all time, anyone's logs: project_totals, kept on write)."""
    p, team = ctx.periods, ctx.subject
    rows = db.session.execute(
        select(Project.id, Project.name, Project.budget_hours, Project.status,
               func.coalesce(ProjectTotal.minutes, 0), Project.color)
        .outerjoin(ProjectTotal, ProjectTotal.project_id == Project.id)
        .where(Project.team_id == team.id)
        .order_by(Project.status, Project.name).limit(25)
    ).all()
    # Anyone's running timer on the team's projects: the organization's running timers (the partial index on
    # open logs) filtered here, rather than the projects' whole history in SQL.
    on_team = [t for t in ctx.running(TimeLog.organization_id == team.organization_id) if t["team_id"] == team.id]
    extra = add_running({}, on_team, p.now, None, "project_id")
    items = []
    for pid, name, budget, status, used, color in rows:
        used = float(used or 0) + extra.get(pid, 0)
        budget_minutes = float(budget) * 60 if budget is not None else None
        percent = round(100 * used / budget_minutes) if budget_minutes else None
        items.append({"name": name, "status": status, "used": used, "budget": budget_minutes, "percent": percent,
                      "color": color})
    return {"items": items}


def activity(ctx) -> dict:
    return {"items": recent_activity(_scope(ctx), ctx.periods), "title": N_("Recent team activity")}

