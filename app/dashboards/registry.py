"""The sections of each kind of dashboard, and the context their compute functions share.

Each section is one partial, named explicitly (several sections share the bar-chart partial), used
by the page and by the stream, and one compute function returning JSON-safe data (cached as is).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC

from flask_babel import lazy_gettext as _l

from app.dashboards import org_metrics, people, system_metrics, team_metrics, user_metrics
from app.dashboards.common import running
from app.dashboards.periods import Periods, periods
from app.extensions import db
from app.live.topics import DashboardKey
from app.models import Organization, Team, User


@dataclass(frozen=True)
class Section:
    name: str
    title: str  # lazy: translated where it is shown
    compute: Callable[[Context], dict]
    template: str
    primary: bool = False  # the summary: carries data-testid="dashboard-metrics"


BAR_CHART = "dashboard/_bar_chart.html"
ACTIVITY = "dashboard/_activity.html"


SECTIONS: dict[str, list[Section]] = {
    "user": [
        Section("user_summary", _l("At a glance"), user_metrics.summary, "dashboard/_user_summary.html",
                primary=True),
        Section("user_daily", _l("Last 14 days"), user_metrics.daily, "dashboard/_user_daily.html"),
        Section("user_projects", _l("Projects this week"), user_metrics.projects, BAR_CHART),
        Section("activity", _l("My recent activity"), user_metrics.activity, ACTIVITY),
    ],
    "team": [
        Section("team_summary", _l("This week"), team_metrics.summary, "dashboard/_team_summary.html", primary=True),
        Section("team_members", _l("Members this week"), team_metrics.members, BAR_CHART),
        Section("team_projects", _l("Projects and budgets"), team_metrics.projects, "dashboard/_team_projects.html"),
        Section("activity", _l("Recent team activity"), team_metrics.activity, ACTIVITY),
    ],
    "org": [
        Section("org_summary", _l("At a glance"), org_metrics.summary, "dashboard/_org_summary.html", primary=True),
        Section("org_people", _l("People"), people.org_people, "dashboard/_org_people.html"),
        Section("org_by_team", _l("Hours by team"), org_metrics.by_team, BAR_CHART),
        Section("org_by_client", _l("Hours by client"), org_metrics.by_client, BAR_CHART),
        Section("org_top_projects", _l("Top projects"), org_metrics.top_projects, BAR_CHART),
        Section("activity", _l("Recent activity"), org_metrics.activity, ACTIVITY),
    ],
    "system": [
        Section("system_summary", _l("Platform"), system_metrics.summary, "dashboard/_system_summary.html",
                primary=True),
        Section("system_growth", _l("Growth"), system_metrics.growth, "dashboard/_system_growth.html"),
        Section("system_jobs", _l("Jobs and queues"), system_metrics.jobs, "dashboard/_system_jobs.html"),
    ],
}

SUBJECTS = {"user": User, "team": Team, "org": Organization}


class SubjectGone(LookupError):
    """The user, team or organization of a dashboard no longer exists."""


@dataclass
class Context:
    key: DashboardKey
    subject: object | None
    periods: Periods
    _running: dict = field(default_factory=dict)

    def running(self, scope) -> list[dict]:
        """Running timers for the scope, fetched once per computation and shared by its sections."""
        marker = str(scope.compile(compile_kwargs={"literal_binds": True}))
        if marker not in self._running:
            self._running[marker] = running(scope)
        return self._running[marker]


def sections(kind: str) -> list[Section]:
    return SECTIONS[kind]


def context(key: DashboardKey, now=None) -> Context:
    subject = None
    if key.kind in SUBJECTS:
        subject = db.session.get(SUBJECTS[key.kind], key.id)
        if subject is None:
            raise SubjectGone(str(key))
    zone = subject.zone if isinstance(subject, User) else UTC
    return Context(key=key, subject=subject, periods=periods(zone, now))
