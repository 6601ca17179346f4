"""Scheduled reports: a saved report definition with a weekly or monthly schedule runs at 08:00 in its owner's
time zone (weekly on Mondays, monthly on the 1st), once per period (ReportScheduleRun's unique key); when the
report is ready its recipients are notified (reports.report_finished), the file attached up to 10 MB."""
from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.i18n import speaking_to
from app.models import Organization, Report, ReportDefinition, User, utcnow
from app.models.report_schedule import Frequency, ReportSchedule, ReportScheduleRun
from app.notifications.notify import notify
from app.notifications.weekly_summary import zones_at
from app.reports import runs
from app.reports.params import ParamError, ReportParams, check
from app.timezones import to_local

log = logging.getLogger(__name__)

RUN_HOUR = 8
FREQUENCY_WORDS = {Frequency.WEEKLY: _l("Weekly, Mondays at 08:00"),
                   Frequency.MONTHLY: _l("Monthly, on the 1st at 08:00")}


def in_words(schedule: ReportSchedule | None) -> str:
    """A saved report's schedule as the list of saved reports shows it."""
    if schedule is None:
        return _("Not scheduled")
    count = len(schedule.recipient_ids or [])
    return ngettext("%(frequency)s, to %(num)d person", "%(frequency)s, to %(num)d people", count,
                    frequency=FREQUENCY_WORDS.get(schedule.frequency, schedule.frequency))


def schedules_of(definition_ids: list[int]) -> dict[int, ReportSchedule]:
    if not definition_ids:
        return {}
    rows = db.session.scalars(db.select(ReportSchedule).where(ReportSchedule.definition_id.in_(definition_ids)))
    return {s.definition_id: s for s in rows}


def period_for(frequency: str, today: date) -> str | None:
    """The period a run on `today` covers (the week or month just over), or None when today is not its day."""
    if frequency == Frequency.WEEKLY and today.weekday() == 0:
        year, week, _day = (today - timedelta(days=7)).isocalendar()
        return f"{year}-W{week:02d}"
    if frequency == Frequency.MONTHLY and today.day == 1:
        last = today - timedelta(days=1)
        return f"{last:%Y-%m}"
    return None


def start_run(definition: ReportDefinition, owner: User, period: str) -> Report | None:
    """Create the period's run and its report (linked before its job is queued), once; None when it exists."""

    run = ReportScheduleRun(definition_id=definition.id, period=period)
    db.session.add(run)
    try:
        db.session.commit()
    except IntegrityError:  # this period's run exists already
        db.session.rollback()
        return None
    organization = db.session.get(Organization, definition.organization_id)
    try:
        params = ReportParams.from_dict(definition.params)
        params.time_zone = owner.time_zone or "UTC"
        with speaking_to(owner):  # its errors go to the owner
            params = check(params.resolved(to_local(utcnow(), owner.zone).date(), organization.week_start or 0))
    except ParamError as exc:
        with speaking_to(owner):  # stored as written: in its recipient's language
            notify(owner, "report_failed", f"scheduled_report:{definition.id}:{period}:failed",
                   _("Scheduled report %(name)s (%(period)s) could not run", name=definition.name, period=period),
                   str(exc), link="/reports")
        return None
    report = Report(user_id=owner.id, organization_id=params.organization_id, params=params.to_dict(),
                    format=params.format)
    report.restart()
    db.session.add(report)
    db.session.flush()
    run.report_id = report.id
    db.session.commit()
    runs.build_report_later(report)
    return report


def run_due(now: datetime | None = None) -> int:
    now = now or utcnow()
    zones = zones_at(now, RUN_HOUR)
    if not zones:
        return 0
    due = db.session.execute(
        db.select(ReportSchedule, ReportDefinition, User)
        .join(ReportDefinition, ReportDefinition.id == ReportSchedule.definition_id)
        .join(User, User.id == ReportDefinition.user_id)
        .where(User.time_zone.in_(zones)).order_by(ReportSchedule.definition_id)).all()
    started = 0
    for schedule, definition, owner in due:
        period = period_for(schedule.frequency, to_local(now, owner.zone).date())
        if period is None or owner.membership_in(definition.organization_id) is None:
            continue
        if start_run(definition, owner, period) is not None:
            started += 1
    return started
