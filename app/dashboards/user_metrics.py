"""The signed-in user's dashboard, in the user's own time zone."""
from __future__ import annotations

from sqlalchemy import and_, func, select

from app.dashboards import charts
from app.dashboards.charts import N_
from app.dashboards.common import (
    FINISHED,
    add_running,
    daily_minutes,
    elapsed_minutes,
    in_window,
    recent_activity,
    running_minutes,
    summed,
    top,
)
from app.extensions import db
from app.models import Project, TimeLog
from app.web.helpers import format_minutes


def _scope(ctx):
    return TimeLog.user_id == ctx.subject.id


def summary(ctx) -> dict:
    """Hours today, this week and this month; the running timer; the billable share of this month."""
    p = ctx.periods
    today, week, month, billable = db.session.execute(
        select(summed(in_window(p.today, p.tomorrow)), summed(in_window(p.week, p.tomorrow)),
               summed(in_window(p.month, p.tomorrow)),
               summed(and_(in_window(p.month, p.tomorrow), TimeLog.billable.is_(True))))
        .where(_scope(ctx), FINISHED, TimeLog.start_time >= p.earliest)
    ).one()
    timers = ctx.running(_scope(ctx))
    today = float(today or 0) + running_minutes(timers, p.now, p.today)
    week = float(week or 0) + running_minutes(timers, p.now, p.week)
    month = float(month or 0) + running_minutes(timers, p.now, p.month)
    billable = float(billable or 0) + running_minutes([t for t in timers if t["billable"]], p.now, p.month)
    timer = None
    for t in timers:  # at most one: the database allows one running timer per user
        timer = {"project": t["project"], "since": p.local(t["start"], "%H:%M"), "minutes": elapsed_minutes(t, p.now),
                 "start_iso": t["start"].isoformat() + "Z"}
    share = round(100 * billable / month) if month else None
    return {"today": today, "week": week, "month": month, "billable_share": share, "timer": timer,
            "zone": str(p.zone)}


def daily(ctx) -> dict:
    p = ctx.periods
    minutes = daily_minutes(_scope(ctx), p)
    for t in ctx.running(_scope(ctx)):
        i = p.day_index(t["start"])
        if i is not None:
            minutes[i] += elapsed_minutes(t, p.now)
    total = sum(minutes)
    return {"chart": charts.columns(N_("Hours per day, last 14 days"), list(zip(p.day_labels, minutes, strict=True)),
                                    days=p.days),
            "total": format_minutes(total)}


def projects(ctx) -> dict:
    """Hours by project this week."""
    p = ctx.periods
    rows = db.session.execute(
        select(TimeLog.project_id, Project.name, func.sum(TimeLog.duration_minutes))
        .join(Project, Project.id == TimeLog.project_id)
        .where(_scope(ctx), FINISHED, in_window(p.week, p.tomorrow))
        .group_by(TimeLog.project_id, Project.name)
    ).all()
    totals = {r[0]: float(r[2] or 0) for r in rows}
    names = {r[0]: r[1] for r in rows}
    add_running(totals, ctx.running(_scope(ctx)), p.now, p.week, "project_id", names, "project")
    return {"chart": charts.bars(N_("Hours by project this week"), top(totals, names))}


def activity(ctx) -> dict:
    return {"items": recent_activity(_scope(ctx), ctx.periods), "title": N_("My recent activity")}
