"""A project's budget reaching 80% and 100% of its hours: the organization's owners and admins and the project's
team managers are told once per threshold (and budget), with a forecast at the last four weeks' pace.

Hours used come from project_totals (finished logs, kept by the database); the check runs as a coalesced job
after time data changes: it subscribes to app/time_tracking/changes.py's time_changed signal (subscribe(), called
by create_app())."""
from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from flask_babel import format_date
from flask_babel import gettext as _

from app.background.enqueue import EnqueueError, enqueue
from app.extensions import db
from app.i18n import speaking_to
from app.models import Membership, Project, ProjectTotal, Role, TeamMembership, TimeLog, User, utcnow
from app.notifications.notify import notify
from app.time_tracking import changes

log = logging.getLogger(__name__)

THRESHOLDS = (100, 80)  # highest first: only the highest reached is announced
PACE_WINDOW = timedelta(weeks=4)


def subscribe() -> None:
    """Check budgets after every change to time data (connecting twice is harmless)."""
    changes.time_changed.connect(on_time_changed)


def on_time_changed(sender, change: changes.TimeChange) -> None:
    """A project's budget reaching 80% or 100%: a coalesced check per project with a budget whose finished hours
    may have changed."""
    check_later(change.finished_project_ids)


def check_later(project_ids: Iterable[int]) -> None:
    """Enqueue a check for each of these projects that has a budget (coalesced per project)."""

    ids = {pid for pid in project_ids if pid}
    if not ids:
        return
    budgeted = db.session.scalars(db.select(Project.id).where(Project.id.in_(ids), Project.budget_hours > 0))
    for project_id in budgeted:
        try:
            enqueue("budget_check", project_id, key=f"budget:{project_id}")
        except EnqueueError as exc:
            log.error("could not queue the budget check of project %s: %s", project_id, exc)


def recipients(project: Project) -> list[User]:
    wide = db.select(Membership.user_id).where(
        Membership.organization_id == project.organization_id, Membership.removed_at.is_(None),
        Membership.role.in_([Role.OWNER.value, Role.ADMIN.value]))
    ids = set(db.session.scalars(wide))
    if project.team_id:
        ids |= set(db.session.scalars(
            db.select(TeamMembership.user_id).join(Membership, Membership.user_id == TeamMembership.user_id).where(
                TeamMembership.team_id == project.team_id, Membership.organization_id == project.organization_id,
                Membership.removed_at.is_(None), Membership.role == Role.MANAGER.value)))
    return list(db.session.scalars(db.select(User).where(User.id.in_(ids)).order_by(User.id))) if ids else []


def used_hours(project: Project) -> float:
    minutes = db.session.scalar(db.select(ProjectTotal.minutes).where(ProjectTotal.project_id == project.id)) or 0
    return minutes / 60


def weekly_pace(project: Project, now: datetime) -> float:
    """Hours per week logged on the project over the last four weeks."""
    minutes = db.session.scalar(db.select(db.func.coalesce(db.func.sum(TimeLog.duration_minutes), 0)).where(
        TimeLog.project_id == project.id, TimeLog.end_time.is_not(None),
        TimeLog.start_time >= now - PACE_WINDOW, TimeLog.start_time < now)) or 0
    return minutes / 60 / 4


def forecast(budget: float, used: float, pace_per_week: float, now: datetime) -> str:
    if used >= budget:
        return _("The budget is used up.")
    if pace_per_week <= 0:
        return _("No time was logged in the last four weeks, so there is no forecast of when %(full)s is reached.",
                 full="100%")
    days = (budget - used) / (pace_per_week / 7)
    when = (now + timedelta(days=days)).date()
    return _("At the last four weeks' pace (%(pace)s h a week), 100%% is reached around %(when)s.",
             pace=f"{pace_per_week:.1f}", when=format_date(when, "dd MMMM yyyy"))


def check(project_id: int, now: datetime | None = None) -> str:
    now = now or utcnow()
    project = db.session.get(Project, project_id)
    if project is None or not project.budget_hours or project.budget_hours <= 0:
        return "no budget"
    budget, used = float(project.budget_hours), used_hours(project)
    percent = used / budget * 100
    reached = next((t for t in THRESHOLDS if percent >= t), None)
    if reached is None:
        return f"{percent:.0f}% used"
    pace = weekly_pace(project, now)
    data = {"project": project.name, "used": round(used, 2), "budget": budget, "percent": round(percent),
            "threshold": reached, "pace": round(pace, 2)}
    sent = 0
    for user in recipients(project):
        with speaking_to(user):  # stored as text: written in the recipient's language
            title = _("%(project)s has reached %(threshold)s%% of its budget", project=project.name,
                      threshold=reached)
            body = _("%(used)s h of its %(budget)s h budget are used (%(percent)s%%). %(forecast)s",
                     used=f"{used:.1f}", budget=f"{budget:g}", percent=f"{percent:.0f}",
                     forecast=forecast(budget, used, pace, now))
        if notify(user, "budget", f"budget:{project.id}:{reached}:{budget:g}", title, body,
                  link=f"/projects/{project.id}/edit", data=data, now=now):
            sent += 1
    return f"{percent:.0f}% used: {sent} notified of {reached}%"
