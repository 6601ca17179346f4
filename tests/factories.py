"""Factories: records with realistic Faker values, wired the way the app expects."""
from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache

from faker import Faker

from app import passwords
from app.models import Client, Membership, Organization, Project, Role, Team, TeamMembership, TimeLog, User, utcnow

fake = Faker()


@cache
def password_hash(password: str) -> str:
    """One real hash per password per test run: scrypt is slow on purpose, as seeding knows too."""
    return passwords.hash_password(password)


def this_week(ago: timedelta = timedelta(hours=3)) -> datetime:
    """A start `ago` before now, or the week's first minute (UTC) when that falls in last week: a run just after
    Monday 00:00 UTC still finds the time in the dashboards' "this week" figures."""
    now = utcnow()
    monday = (now - timedelta(days=now.weekday())).replace(hour=0, minute=1, second=0, microsecond=0)
    return max(now - ago, monday)


class Factory:
    def __init__(self, db):
        self.db = db

    def _save(self, record):
        self.db.session.add(record)
        self.db.session.commit()
        return record

    def organization(self, **kw) -> Organization:
        kw.setdefault("name", fake.unique.company())
        kw.setdefault("organization_type", "company")
        return self._save(Organization(**kw))

    def user(self, org: Organization | None = None, role: str | Role = Role.MEMBER, teams=(), **kw) -> User:
        kw.setdefault("email", fake.unique.email())
        kw.setdefault("name", fake.name())
        kw.setdefault("password_hash", password_hash(kw.pop("password", "password")))
        user = User(**kw)
        self._save(user)
        if org is not None:
            self._save(Membership(organization_id=org.id, user_id=user.id, role=Role(role).value))
        for team in teams:
            self._save(TeamMembership(team_id=team.id, user_id=user.id))
        self.db.session.refresh(user)
        return user

    def team(self, org: Organization, **kw) -> Team:
        if "name" not in kw:  # not setdefault: a unique word drawn for every team would run out (~1,000 words)
            kw["name"] = f"{fake.unique.word().title()} team"
        return self._save(Team(organization_id=org.id, **kw))

    def client(self, org: Organization, **kw) -> Client:
        kw.setdefault("name", fake.unique.company())
        return self._save(Client(organization_id=org.id, **kw))

    def project(self, org: Organization, team: Team | None = None, client: Client | None = None, **kw) -> Project:
        kw.setdefault("name", fake.unique.catch_phrase())
        return self._save(Project(organization_id=org.id, team_id=team.id if team else None,
                                  client_id=client.id if client else None, **kw))

    def time_log(self, user: User, project: Project, start: datetime | None = None, minutes: int | None = 60,
                 **kw) -> TimeLog:
        start = start or (utcnow() - timedelta(hours=3))
        end = None if minutes is None else start + timedelta(minutes=minutes)
        kw.setdefault("description", fake.sentence())
        return self._save(TimeLog(user_id=user.id, project_id=project.id, organization_id=project.organization_id,
                                  start_time=start, end_time=end, duration_minutes=minutes,
                                  billable=kw.pop("billable", project.billable), **kw))

    def world(self):
        """One organization with every role, two teams, projects and logs, plus an outsider organization."""
        from types import SimpleNamespace

        org = self.organization(name="Acme")
        alpha, beta = self.team(org, name="Alpha"), self.team(org, name="Beta")
        client = self.client(org, name="Globex")
        w = SimpleNamespace(org=org, alpha=alpha, beta=beta, client=client)
        w.owner = self.user(org, Role.OWNER, email="owner@acme.test")
        w.admin = self.user(org, Role.ADMIN, email="admin@acme.test")
        w.manager = self.user(org, Role.MANAGER, teams=[alpha], email="manager@acme.test")
        w.member = self.user(org, Role.MEMBER, teams=[alpha], email="member@acme.test")
        w.beta_member = self.user(org, Role.MEMBER, teams=[beta], email="beta@acme.test")
        w.sysadmin = self.user(None, email="root@platform.test", is_system_admin=True)
        w.alpha_project = self.project(org, team=alpha, client=client, name="Alpha site")
        w.beta_project = self.project(org, team=beta, name="Beta app")
        w.org_project = self.project(org, name="Internal")
        w.other_org = self.organization(name="Other Inc")
        w.outsider = self.user(w.other_org, Role.OWNER, email="outsider@other.test")
        w.other_project = self.project(w.other_org, name="Other project")
        w.member_log = self.time_log(w.member, w.alpha_project)
        w.beta_log = self.time_log(w.beta_member, w.beta_project)
        w.other_log = self.time_log(w.outsider, w.other_project)
        return w
