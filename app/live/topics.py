"""Every stream topic, in one place: how it is built, parsed and authorized.

A topic names what a page's socket subscribes to and what a broadcast is pushed to:

    dashboard:user:7  dashboard:team:3  dashboard:org:42  dashboard:system    DashboardKey
    user:7                                                                      UserTopic (the header timer)
    jobs:all  jobs:user:7  jobs:org:42                                          JobsTopic (the job monitor)
    report:12                                                                   ReportTopic (a report's page)
    timesheet:7                                                                 TimesheetTopic (a person's week)
    export:org:42                                                               ExportTopic (an organization's exports)
    import:5                                                                    ImportTopic (an import's page)

A DashboardKey also names the dashboard's cache entries, its job's coalescing key and its page.
Each kind is a small frozen dataclass whose str() is its name: layers pass these objects, and
only the relay, the cache and the job queue see the strings. parse() is the one parser (BadTopic
for anything else; ids go through form_filters.parse_id); can_receive() is the one check of a
socket's topic, each kind asking app.policies (topics call policies, never the other way).
Reports and notifications add a kind here: a dataclass, a case in parse(). (turbo-rails'
StreamName plays this part there.)

A page in another language than English subscribes to its topics' language variants, "dashboard:org:42@de"
(in_language()): a broadcast renders its partial once per language someone watches (app/live/streams.py), and
each page receives the one in its own. A variant is authorized, counted and kept in history as its topic is.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import url_for

from app import i18n, policies
from app.extensions import db
from app.models import Import, Report, User
from app.web.form_filters import parse_id

DASHBOARD_KINDS = ("user", "team", "org", "system")
LANGUAGE_MARK = "@"
OTHER_LANGUAGES = tuple(code for code in i18n.LANGUAGES if code != i18n.DEFAULT)


def in_language(topic, language: str) -> str:
    """The name a page speaking `language` subscribes to: the topic's own in English, else "<name>@<language>"."""
    return str(topic) if language == i18n.DEFAULT else f"{topic}{LANGUAGE_MARK}{language}"


def language_of(name: str) -> tuple[str, str]:
    """(the topic's own name, the language) of a topic name or a language variant's."""
    base, mark, language = str(name).partition(LANGUAGE_MARK)
    return (base, language) if mark else (base, i18n.DEFAULT)


class BadTopic(ValueError):
    """Not a topic name (or not one of the kind asked for)."""


@dataclass(frozen=True)
class DashboardKey:
    kind: str  # one of DASHBOARD_KINDS
    id: int | None = None  # None for the system dashboard only

    def __post_init__(self):
        if self.kind not in DASHBOARD_KINDS or (self.id is None) != (self.kind == "system"):
            raise BadTopic(f"not a dashboard: {self.kind!r} {self.id!r}")

    @classmethod
    def parse(cls, name: str) -> DashboardKey:
        topic = parse(name)
        if not isinstance(topic, cls):
            raise BadTopic(f"not a dashboard key: {name!r}")
        return topic

    def __str__(self) -> str:
        return "dashboard:system" if self.kind == "system" else f"dashboard:{self.kind}:{self.id}"

    @property
    def url(self) -> str:
        """The dashboard's page (a user's key leads to /dashboard: everyone's page of their own)."""
        args = {"team": {"team_id": self.id}, "org": {"org_id": self.id}}.get(self.kind, {})
        return url_for(f"dashboard.{self.kind}", **args)

    def allows(self, user: User) -> bool:
        return policies.can_view_dashboard(user, self.kind, self.id)


SYSTEM_DASHBOARD = DashboardKey("system")


@dataclass(frozen=True)
class UserTopic:
    """What concerns one signed-in user wherever they are (their running timer in the header)."""
    user_id: int

    def __str__(self) -> str:
        return f"user:{self.user_id}"

    def allows(self, user: User) -> bool:
        return self.user_id == user.id


@dataclass(frozen=True)
class JobsTopic:
    """The job monitor: every job (no ids, system admins), the jobs that serve one user, or the jobs of one
    organization (its owners and admins)."""
    user_id: int | None = None
    organization_id: int | None = None

    def __post_init__(self):
        if self.user_id is not None and self.organization_id is not None:
            raise BadTopic("a jobs topic is a user's or an organization's, not both")

    def __str__(self) -> str:
        if self.organization_id is not None:
            return f"jobs:org:{self.organization_id}"
        return "jobs:all" if self.user_id is None else f"jobs:user:{self.user_id}"

    def allows(self, user: User) -> bool:
        if self.organization_id is not None:
            return policies.can_view_org_jobs(user, self.organization_id)
        return user.is_system_admin or self.user_id == user.id


@dataclass(frozen=True)
class ReportTopic:
    """One report's progress and completion, on its page (/reports/<id>)."""
    report_id: int

    def __str__(self) -> str:
        return f"report:{self.report_id}"

    def allows(self, user: User) -> bool:
        return policies.can_view_report(user, db.session.get(Report, self.report_id))


@dataclass(frozen=True)
class TimesheetTopic:
    """A person's timesheet, open by them or by someone who may see their time (a manager, an owner)."""
    user_id: int

    def __str__(self) -> str:
        return f"timesheet:{self.user_id}"

    def allows(self, user: User) -> bool:
        return policies.can_view_time_of(user, db.session.get(User, self.user_id))


@dataclass(frozen=True)
class ExportTopic:
    """An organization's full exports and their progress, on its export page (its owners only)."""
    organization_id: int

    def __str__(self) -> str:
        return f"export:org:{self.organization_id}"

    def allows(self, user: User) -> bool:
        return policies.can_org(user, "export", self.organization_id)


@dataclass(frozen=True)
class ImportTopic:
    """One import's dry run and import progress, on its page (/organizations/<id>/imports/<id>)."""
    import_id: int

    def __str__(self) -> str:
        return f"import:{self.import_id}"

    def allows(self, user: User) -> bool:
        return policies.can_view_import(user, db.session.get(Import, self.import_id))


Topic = DashboardKey | UserTopic | JobsTopic | ReportTopic | TimesheetTopic | ExportTopic | ImportTopic


def jobs_topics_for_viewer(user: User) -> list[JobsTopic]:
    """What a user's job monitor page listens to: everything, or their own jobs and their organizations'."""
    if user.is_system_admin:
        return [JobsTopic()]
    return [JobsTopic(user.id)] + [JobsTopic(organization_id=o) for o in sorted(policies.org_wide_ids(user))]


def jobs_topics_for_job(user_id: int | None, organization_id: int | None = None) -> list[JobsTopic]:
    """Where a change to a job is pushed: every system admin's monitor, its requester's, its organization's."""
    return ([JobsTopic()] + ([JobsTopic(user_id)] if user_id else [])
            + ([JobsTopic(organization_id=organization_id)] if organization_id else []))


def topic_kind(name: str) -> str:
    """The one derivation of a topic's kind from its name, for counting (presence, the gateway's metrics):
    "dashboard:org:42" -> "dashboard:org", "jobs:user:7" -> "jobs:user", "jobs:all" -> "jobs:all",
    "user:3" -> "user"."""
    parts = language_of(name)[0].split(":")
    return ":".join(parts[:-1] if len(parts) > 1 and parts[-1].isdigit() else parts)


def parse(name: str) -> Topic:
    """The topic a name stands for; BadTopic for anything else (malformed ids included)."""
    parts = name.split(":") if isinstance(name, str) else []
    match parts:
        case ["dashboard", "system"]:
            return SYSTEM_DASHBOARD
        case ["dashboard", "user" | "team" | "org" as kind, raw_id]:
            return DashboardKey(kind, _id(raw_id, name))
        case ["user", raw_id]:
            return UserTopic(_id(raw_id, name))
        case ["jobs", "all"]:
            return JobsTopic()
        case ["jobs", "user", raw_id]:
            return JobsTopic(_id(raw_id, name))
        case ["jobs", "org", raw_id]:
            return JobsTopic(organization_id=_id(raw_id, name))
        case ["report", raw_id]:
            return ReportTopic(_id(raw_id, name))
        case ["timesheet", raw_id]:
            return TimesheetTopic(_id(raw_id, name))
        case ["export", "org", raw_id]:
            return ExportTopic(_id(raw_id, name))
        case ["import", raw_id]:
            return ImportTopic(_id(raw_id, name))
    raise BadTopic(f"not a topic: {name!r}")


def _id(raw: str, name: str) -> int:
    record_id = parse_id(raw)
    if record_id is None:
        raise BadTopic(f"not a topic: {name!r}")
    return record_id


def can_receive(user: User, topic: Topic | str) -> bool:
    """May this user's socket subscribe to the topic (or topic name, or a language variant's name)? Unknown topics:
    no, and so is a name spelled otherwise than its topic's own ("dashboard:org:042"): nothing is ever published
    to it."""
    if isinstance(topic, str):
        name = topic
        topic, language = language_of(name)
        if language not in i18n.LANGUAGES or in_language(topic, language) != name:
            return False  # "x@xx", "x@en" (English is the topic's own name): nothing is ever published to them
        try:
            parsed = parse(topic)
        except BadTopic:
            return False
        if str(parsed) != topic:
            return False
        topic = parsed
    if policies.two_factor_required_by(user):
        return False  # a member who must set up two-factor sign-in first receives nothing
    return topic.allows(user)
