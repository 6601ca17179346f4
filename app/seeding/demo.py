"""The demo organization and its four accounts (ARCHITECTURE.md), for `flask seed --demo` in development.

Idempotent: the accounts are looked up by e-mail and the organization by name, so a second run
(bin/setup runs it on every empty database) neither duplicates nor fails.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from app.extensions import db
from app.models import Organization, Role, User, utcnow
from app.seeding.generator import UserPlan
from app.seeding.organizations import SEEDED_PASSWORD, OrgResult, RunContext, create_organization

DEMO_ORGANIZATION = "Acme Consulting"
DEMO_PASSWORD = SEEDED_PASSWORD  # the run's password: the demo only runs in development
DEMO_SEED = 2024
DEMO_PEOPLE = 12
DEMO_DAYS = 28
DEMO_TEAMS = ["Delivery", "Design", "Operations"]
ADMIN = ("admin@example.com", "Ada Admin")
# (email, name, role, teams): the manager manages Delivery, and the member works in it.
ORG_ACCOUNTS = [
    ("owner@example.com", "Olivia Owner", Role.OWNER, []),
    ("manager@example.com", "Manuel Manager", Role.MANAGER, [0]),
    ("member@example.com", "Mia Member", Role.MEMBER, [0]),
]


@dataclass
class DemoResult:
    created: bool
    organization_id: int
    organization: OrgResult | None = None


def create_demo() -> DemoResult:
    run = RunContext.create(DEMO_SEED, utcnow().replace(microsecond=0), DEMO_DAYS)  # its one hash serves the admin too
    _ensure_admin(run.password_hash)
    existing = db.session.scalar(select(Organization).where(Organization.name == DEMO_ORGANIZATION))
    if existing is not None:
        return DemoResult(created=False, organization_id=existing.id)
    fixed = [UserPlan(name=name, email=email, time_zone="Europe/London", role=role, teams=teams,
                      is_fixed=True, existing_id=_user_id(email)) for email, name, role, teams in ORG_ACCOUNTS]
    with db.engine.begin() as conn:
        result = create_organization(conn, run, 0, users=DEMO_PEOPLE, serial="demo", name=DEMO_ORGANIZATION,
                                     organization_type="consultancy", fixed_users=fixed, team_names=DEMO_TEAMS)
    return DemoResult(created=True, organization_id=result.id, organization=result)


def _ensure_admin(password_hash: str) -> None:
    """The system admin is not a member of any organization: system admins see everything anyway."""
    email, name = ADMIN
    admin = db.session.scalar(select(User).where(User.email == email))
    if admin is None:
        admin = User(email=email, name=name, time_zone="Europe/London", password_hash=password_hash)
        db.session.add(admin)
    admin.is_system_admin = True
    db.session.commit()


def _user_id(email: str) -> int | None:
    return db.session.scalar(select(User.id).where(User.email == email))
