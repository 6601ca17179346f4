"""A small, exactly known data set for report tests, and an independent reckoning of its totals straight
from the database (its own SQL and its own rounding, not the report service's)."""
from __future__ import annotations

import calendar
import math
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from sqlalchemy import text

from app.models import Role
from app.timezones import to_local, to_utc, utcnow

ZONE = "Europe/Berlin"


def last_month() -> tuple[int, int]:
    today = to_local(utcnow(), ZoneInfo(ZONE)).date()
    last = today.replace(day=1) - timedelta(days=1)
    return last.year, last.month


def build(factory, db, year: int | None = None, month: int | None = None):
    """Acme (EUR) in Europe/Berlin: two teams, three projects (one with a rate, one of a client), logs in
    one month (last month by default) with odd lengths, one crossing local midnight, one non-billable, one by
    a former member, one the evening before the month (outside the range) and one in another organization
    (never in a report). w.first, w.last: the month's days; w.start, w.end: its bounds in naive UTC."""
    if year is None:
        year, month = last_month()
    f = factory
    org = f.organization(name="Acme", currency="EUR")
    alpha, beta = f.team(org, name="Alpha"), f.team(org, name="Beta")
    client = f.client(org, name="Globex")
    w = SimpleNamespace(org=org, alpha=alpha, beta=beta, client=client)
    w.owner = f.user(org, Role.OWNER, email="owner@acme.test", name="Olivia Owner", time_zone=ZONE)
    w.manager = f.user(org, Role.MANAGER, teams=[alpha], email="manager@acme.test", name="Mona Manager",
                       time_zone=ZONE)
    w.member = f.user(org, Role.MEMBER, teams=[alpha], email="member@acme.test", name="Max Member", time_zone=ZONE)
    w.beta_member = f.user(org, Role.MEMBER, teams=[beta], email="beta@acme.test", name="Bea Beta", time_zone=ZONE)
    w.former = f.user(org, Role.MEMBER, teams=[alpha], email="former@acme.test", name="Fred Former", time_zone=ZONE)
    w.sysadmin = f.user(None, email="root@platform.test", is_system_admin=True, name="Root")
    w.site = f.project(org, team=alpha, client=client, name="Alpha site", hourly_rate=Decimal("90.00"))
    w.app = f.project(org, team=beta, name="Beta app", hourly_rate=Decimal("120.50"))
    w.internal = f.project(org, name="Internal", billable=False)
    w.other_org = f.organization(name="Other Inc")
    w.outsider = f.user(w.other_org, Role.OWNER, email="outsider@other.test", time_zone=ZONE)
    w.other_project = f.project(w.other_org, name="Other project")

    zone = ZoneInfo(ZONE)
    days = calendar.monthrange(year, month)[1]
    w.first, w.last = date(year, month, 1), date(year, month, days)
    w.start, w.end = to_utc(w.first, time(0), zone), to_utc(w.last + timedelta(days=1), time(0), zone)

    def utc(day, hh, mm):  # Berlin wall clock that month -> naive UTC
        return to_utc(date(year, month, day), time(hh, mm), zone)
    f.time_log(w.member, w.site, utc(2, 9, 0), 52, description="Kick-off, café ☕")
    f.time_log(w.member, w.site, utc(2, 23, 30), 75, description="Night deploy")  # crosses midnight
    f.time_log(w.member, w.internal, utc(3, 10, 0), 7, billable=False, description="Stand-up")
    f.time_log(w.manager, w.site, utc(3, 14, 0), 61, description="Review")
    f.time_log(w.manager, w.internal, utc(9, 8, 0), 33, billable=False, description="Planning")
    f.time_log(w.beta_member, w.app, utc(10, 13, 0), 128, description="Feature \"x\", part 1")
    f.time_log(w.beta_member, w.app, utc(16, 13, 0), 16, description="Hotfix")
    f.time_log(w.owner, w.internal, utc(days, 22, 45), 44, billable=False, description="Month end")
    f.time_log(w.former, w.site, utc(5, 11, 0), 29, description="Handover")
    f.time_log(w.member, w.site, to_utc(w.first - timedelta(days=1), time(22, 0), zone), 40,
               description="The month before (outside)")
    f.time_log(w.outsider, w.other_project, utc(4, 10, 0), 300, description="Elsewhere")
    db.session.execute(text("UPDATE memberships SET removed_at = :t WHERE user_id = :u"),
                       {"t": datetime(2026, 11, 20), "u": w.former.id})
    db.session.commit()
    return w


def expected(db, w, user_ids=None, billable=None, rounding="none", step=15, project_ids=None, end=None,
             as_of=None):
    """{'seconds', 'amount', 'rows'} summed from the database with plain SQL for the same filter and rounding."""
    rows = db.session.execute(text(
        "SELECT l.start_time, l.end_time, l.billable, l.user_id, l.project_id, "
        # this world's only rates are its projects' own, since always
        "(SELECT r.amount FROM rates r WHERE r.project_id = p.id AND r.user_id IS NULL AND r.kind = 'billable' "
        "ORDER BY r.effective_from DESC LIMIT 1) FROM time_logs l "
        "JOIN projects p ON p.id = l.project_id WHERE l.organization_id = :org AND l.start_time >= :s "
        "AND l.start_time < :e"), {"org": w.org.id, "s": w.start, "e": end or w.end}).all()
    seconds, amount, count = 0, Decimal("0"), 0
    for started, ended, bill, user_id, project_id, rate in rows:
        started = _dt(started)
        ended = _dt(ended) if ended is not None else None
        if user_ids is not None and user_id not in user_ids:
            continue
        if project_ids is not None and project_id not in project_ids:
            continue
        if billable is not None and bool(bill) != billable:
            continue
        if ended is None:
            if as_of is None or started >= as_of:
                continue
            ended = as_of
        s = int((ended - started).total_seconds())
        if rounding == "up":
            s = math.ceil(s / (step * 60)) * step * 60
        elif rounding == "down":
            s = math.floor(s / (step * 60)) * step * 60
        elif rounding == "nearest":
            s = int(Decimal(s / (step * 60)).quantize(Decimal(1), rounding=ROUND_HALF_UP)) * step * 60
        seconds += s
        count += 1
        if rate is not None and bill:
            amount += (Decimal(s) * Decimal(str(rate)) / 3600).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return {"seconds": seconds, "amount": amount, "rows": count}


def _dt(value):
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
