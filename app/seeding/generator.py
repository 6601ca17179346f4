"""Plans for seeded organizations: realistic Faker values, drawn from one random.Random.

Nothing here touches the database. A plan holds positions (team 0, client 2), not ids; bulk.py
turns it into rows. Everything is drawn from the `rng` and the seeded Faker passed in, and every
timestamp is derived from `now`, so the same seed gives the same plan, value for value.
"""
from __future__ import annotations

import random
import re
import string
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from faker import Faker

from app import passwords
from app.models import ProjectStatus, Role

ORGANIZATION_TYPES = [
    "consultancy", "software company", "design agency", "marketing agency", "law firm", "accounting firm",
    "architecture studio", "engineering firm", "research lab", "nonprofit", "translation agency", "IT services",
]
TEAM_NAMES = [
    "Engineering", "Design", "Delivery", "Consulting", "Sales", "Support", "Marketing", "Operations",
    "Research", "Data", "Finance", "Legal", "Quality", "Content",
]
PROJECT_KINDS = [
    "Website redesign", "Mobile app", "Annual audit", "Data migration", "Brand refresh", "Support retainer",
    "Market study", "Platform rebuild", "Onboarding portal", "Security review", "Analytics dashboard",
    "Product launch", "Tax filing", "Contract review", "API integration", "Training programme",
]
INTERNAL_PROJECTS = ["Internal tools", "Hiring", "Admin and meetings", "Professional development", "Pre-sales"]
TIME_ZONES = [
    "Europe/London", "Europe/Berlin", "Europe/Paris", "Europe/Madrid", "Europe/Warsaw", "America/New_York",
    "America/Chicago", "America/Denver", "America/Los_Angeles", "America/Sao_Paulo", "Asia/Kolkata",
    "Asia/Singapore", "Asia/Tokyo", "Australia/Sydney", "Africa/Johannesburg",
]
TASK_VERBS = [
    "Review", "Plan", "Draft", "Fix", "Discuss", "Prepare", "Test", "Document", "Research", "Implement",
    "Present", "Refine", "Estimate", "Design", "Debug", "Write up", "Sync on", "Follow up on",
]
ROUTINE_TASKS = [
    "Client call", "Weekly planning", "Stand-up", "Code review", "Email and admin", "Sprint retrospective",
    "Invoicing", "Team sync", "1:1", "Workshop", "Onboarding", "Status report",
]


@dataclass
class UserPlan:
    name: str
    email: str
    time_zone: str
    role: str
    teams: list[int] = field(default_factory=list)  # positions in OrgPlan.teams
    is_fixed: bool = False  # a named account (demo): never left with a running timer
    existing_id: int | None = None  # an account that already exists: only its memberships are added


@dataclass
class ProjectPlan:
    name: str
    client: int | None  # position in OrgPlan.clients
    team: int | None  # position in OrgPlan.teams; None = organization-wide
    status: str
    budget_hours: Decimal | None
    billable: bool


@dataclass
class OrgPlan:
    name: str
    organization_type: str
    description: str
    time_zone: str
    created_at: datetime
    teams: list[str]
    clients: list[tuple[str, bool]]  # (name, archived)
    users: list[UserPlan]
    projects: list[ProjectPlan]


def make_faker(seed: int | str) -> Faker:
    fake = Faker("en_US")
    fake.seed_instance(seed)
    return fake


def seeded_password_hash(password: str, rng: random.Random) -> str:
    """A hash of `password` with the same method as real accounts (passwords.py), its salt drawn from the rng.

    Hashing is slow on purpose, so one hash per run serves every seeded user; deriving its salt from the
    seed keeps the users table identical between two runs with the same seed.
    """
    salt = "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(16))
    return passwords.hash_password(password, salt=salt)


def slug(text: str, sep: str = "-") -> str:
    return sep.join(re.findall(r"[a-z0-9]+", text.lower()))


def descriptions_pool(fake: Faker, rng: random.Random, size: int = 400) -> list[str]:
    """Time log descriptions, made once per run: Faker is far too slow to call per log."""
    pool = list(ROUTINE_TASKS)
    while len(pool) < size:
        phrase = fake.bs() if rng.random() < 0.5 else fake.catch_phrase().lower()
        pool.append(f"{rng.choice(TASK_VERBS)} {phrase}"[:200])
    return pool


def build_org_plan(rng: random.Random, fake: Faker, users: int, serial: int, now: datetime, days: int,
                   name: str | None = None, organization_type: str | None = None,
                   fixed_users: list[UserPlan] | None = None, team_names: list[str] | None = None) -> OrgPlan:
    """Plan one organization of `users` people (fixed_users first, the rest made up).

    `serial` goes into the e-mail domain so that people of different runs never share an address.
    """
    fixed_users = list(fixed_users or [])
    name = name or fake.company()
    home_zone = rng.choice(TIME_ZONES)
    n_teams = len(team_names) if team_names else max(1, min(6, round(users / 6)))
    teams = team_names or rng.sample(TEAM_NAMES, n_teams)
    domain = f"{slug(name)[:40]}-{serial}.example.com"
    plan = OrgPlan(
        name=name, organization_type=organization_type or rng.choice(ORGANIZATION_TYPES),
        description=fake.catch_phrase(), time_zone=home_zone,
        created_at=now - timedelta(days=days + rng.randint(30, 900), minutes=rng.randint(0, 1439)),
        teams=teams, clients=_clients(rng, fake, users), users=[], projects=[],
    )
    plan.users = _people(rng, fake, users, domain, home_zone, n_teams, fixed_users)
    plan.projects = _projects(rng, plan)
    return plan


def _clients(rng: random.Random, fake: Faker, users: int) -> list[tuple[str, bool]]:
    names: list[str] = []
    for _ in range(max(1, min(12, users // 3 + rng.randint(1, 3)))):
        candidate = fake.company()
        if candidate not in names:
            names.append(candidate)
    return [(client, rng.random() < 0.1) for client in names]


def _people(rng: random.Random, fake: Faker, count: int, domain: str, home_zone: str, n_teams: int,
            fixed: list[UserPlan]) -> list[UserPlan]:
    """Roles: one owner, an admin per dozen people, a manager per team, the rest members of one or two teams."""
    people = list(fixed[:count])
    emails = {person.email for person in people}
    roles_needed: list[tuple[str, list[int]]] = []
    if not any(p.role == Role.OWNER for p in people):
        roles_needed.append((Role.OWNER, []))
    roles_needed += [(Role.ADMIN, []) for _ in range(count // 12)]
    managed = {t for p in people if p.role == Role.MANAGER for t in p.teams}
    roles_needed += [(Role.MANAGER, [t]) for t in range(n_teams) if t not in managed]
    while len(people) < count:
        first, last = fake.first_name(), fake.last_name()
        local = slug(f"{first} {last}", ".") or "person"
        email, n = f"{local}@{domain}", 1
        while email in emails:
            n += 1
            email = f"{local}{n}@{domain}"
        emails.add(email)
        if roles_needed:
            role, teams = roles_needed.pop(0)
        else:
            teams = [rng.randrange(n_teams)]
            if n_teams > 1 and rng.random() < 0.1:
                teams.append((teams[0] + 1) % n_teams)
            role = Role.MEMBER
        zone = home_zone if rng.random() < 0.8 else rng.choice(TIME_ZONES)
        people.append(UserPlan(name=f"{first} {last}", email=email, time_zone=zone, role=role, teams=teams))
    return people


def _projects(rng: random.Random, plan: OrgPlan) -> list[ProjectPlan]:
    projects: list[ProjectPlan] = []
    names: set[str] = set()
    for team in range(len(plan.teams)):
        for _ in range(rng.randint(2, 4)):
            client = rng.randrange(len(plan.clients)) if plan.clients and rng.random() < 0.8 else None
            kind = rng.choice(PROJECT_KINDS)
            name = f"{plan.clients[client][0]}: {kind}" if client is not None else kind
            if name in names:
                continue
            names.add(name)
            archived = rng.random() < 0.15
            budget = Decimal(rng.randrange(40, 1200, 10)) if rng.random() < 0.7 else None
            projects.append(ProjectPlan(
                name=name, client=client, team=team, budget_hours=budget, billable=client is not None,
                status=ProjectStatus.ARCHIVED if archived else ProjectStatus.ACTIVE,
            ))
    for name in rng.sample(INTERNAL_PROJECTS, 2):
        projects.append(ProjectPlan(name=name, client=None, team=None, status=ProjectStatus.ACTIVE,
                                    budget_hours=None, billable=False))
    return projects
