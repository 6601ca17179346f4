"""Seeding whole organizations: the entry points shared by `flask seed` and the seeding job.

    result = seed(orgs=10, users_per_org=50, days=365, seed=1, progress=callback)

Each organization is written in one transaction (structure with RETURNING, then its time logs in
big batches), so a crash never leaves half an organization behind and a retry starts clean.
"""
from __future__ import annotations

import random
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from sqlalchemy import Connection, func, select

import app.seeding.bulk as bulk
from app.extensions import db
from app.models import Organization, Role, User, utcnow
from app.seeding.generator import OrgPlan, build_org_plan, descriptions_pool, make_faker, seeded_password_hash
from app.seeding.worklogs import Calendar, LogProject, user_logs

SEEDED_PASSWORD = "password"  # every seeded account's, outside production (the README says so)
RUNNING_SHARE = 0.2  # people who have a timer running when the seed ends
Progress = Callable[[int, int], None]  # (people done since the last call, their time logs)


@dataclass
class OrgResult:
    id: int
    name: str
    users: int
    teams: int
    clients: int
    projects: int
    logs: int
    running: int
    rows: int  # every row written, time logs included


@dataclass
class SeedResult:
    seed: int
    now: datetime
    known_password: str | None  # every seeded person's password; None when it is random and never shown
    organizations: list[OrgResult] = field(default_factory=list)
    seconds: float = 0.0

    def total(self, attribute: str) -> int:
        return sum(getattr(org, attribute) for org in self.organizations)

    @property
    def rows_per_second(self) -> float:
        return self.total("rows") / self.seconds if self.seconds else 0.0

    @property
    def logs_per_second(self) -> float:
        return self.total("logs") / self.seconds if self.seconds else 0.0


@dataclass
class RunContext:
    """What one run shares between its organizations: made once (hashing and Faker are slow)."""

    seed: int
    now: datetime
    days: int
    password_hash: str  # one hash for every account of the run: hashing is slow on purpose
    known_password: str | None
    descriptions: list[str]
    calendar: Calendar

    @classmethod
    def create(cls, seed: int, now: datetime, days: int) -> RunContext:
        rng = random.Random(f"{seed}:run")
        known = seeded_password()
        return cls(seed, now, days, seeded_password_hash(known or secrets.token_urlsafe(32), rng), known,
                   descriptions_pool(make_faker(f"{seed}:run"), rng), Calendar(now, days))


def seeded_password() -> str | None:
    """'password' outside production. In production (`flask seed --force-production`, the seeding job) None:
    each run's accounts get a random password that nobody is ever shown."""
    return None if current_app.config["APP_ENV"] == "production" else SEEDED_PASSWORD


def new_seed() -> int:
    return random.SystemRandom().randrange(1, 2**31)


def default_now(seed_given: bool) -> datetime:
    """Where the seeded history ends. With an explicit seed it is today's UTC midnight, so two runs on
    the same day give identical data; otherwise it is now, so running timers started minutes ago."""
    now = utcnow().replace(microsecond=0)
    return now.replace(hour=0, minute=0, second=0) if seed_given else now


def seed(orgs: int, users_per_org: int, days: int, seed: int | None = None, now: datetime | None = None,
         progress: Progress | None = None, max_logs: int | None = None) -> SeedResult:
    """Create `orgs` organizations of `users_per_org` people with `days` days of history each."""
    started = time.perf_counter()
    run = RunContext.create(seed if seed is not None else new_seed(), now or default_now(seed is not None), days)
    result = SeedResult(run.seed, run.now, run.known_password)
    with db.engine.connect() as conn:
        base = conn.scalar(select(func.max(Organization.id))) or 0
    for index in range(orgs):
        budget = None if max_logs is None else max(0, max_logs - result.total("logs"))
        with db.engine.begin() as conn:
            result.organizations.append(create_organization(
                conn, run, index, users=users_per_org, serial=str(base + index + 1), progress=progress,
                max_logs=budget))
    result.seconds = time.perf_counter() - started
    return result


def create_organization(conn: Connection, run: RunContext, index: int, users: int, serial: str,
                        progress: Progress | None = None, max_logs: int | None = None, **plan_options) -> OrgResult:
    """Plan and write one organization and its history on `conn` (the caller owns the transaction).

    Organization `index` of a run draws from its own random stream, so it does not depend on the others.
    """
    rng = random.Random(f"{run.seed}:org:{index}")
    fake = make_faker(f"{run.seed}:org:{index}")
    plan = _unique_plan(conn, rng, fake, run, users, serial, plan_options)
    ids = bulk.insert_organization(conn, plan, run.password_hash)
    counts = {"running": 0, "planned": 0}
    timing = _who_has_a_timer_running(rng, plan)

    def rows():
        for position, person in enumerate(plan.users):
            logs = user_logs(rng, ids.organization, ids.users[position], run.calendar.workdays(person.time_zone),
                             _project_pool(rng, plan, ids, position), run.descriptions, run.now, timing[position])
            if max_logs is not None and counts["planned"] + len(logs) > max_logs:
                logs = [row for row in logs[: max_logs - counts["planned"]] if row[4] is not None]
            counts["planned"] += len(logs)
            counts["running"] += sum(1 for row in logs if row[4] is None)
            yield from logs
            if progress:
                progress(1, len(logs))

    logs = bulk.insert_time_logs(conn, rows())
    running = counts["running"]
    return OrgResult(ids.organization, plan.name, len(plan.users), len(plan.teams), len(plan.clients),
                     len(plan.projects), logs, running, ids.rows + logs)


def _who_has_a_timer_running(rng: random.Random, plan: OrgPlan) -> list[bool]:
    """About RUNNING_SHARE of the made-up people, and at least one of them: "some timers left running"."""
    flags = [not person.is_fixed and rng.random() < RUNNING_SHARE for person in plan.users]
    candidates = [i for i, person in enumerate(plan.users) if not person.is_fixed]
    if candidates and not any(flags):
        flags[rng.choice(candidates)] = True
    return flags


def _unique_plan(conn: Connection, rng: random.Random, fake, run: RunContext, users: int, serial: str,
                 plan_options: dict) -> OrgPlan:
    """A plan whose new e-mail addresses are not taken yet (on an empty database the first try always is)."""
    for attempt in range(10):
        state = rng.getstate()
        plan = build_org_plan(rng, fake, users, serial, run.now, run.days, **plan_options)
        emails = [u.email for u in plan.users if u.existing_id is None]
        if not emails or not conn.scalar(select(func.count()).select_from(User).where(User.email.in_(emails))):
            return plan
        rng.setstate(state)
        serial = f"{serial}-{rng.randrange(10**6)}-{attempt}"
    raise RuntimeError("could not find unused e-mail addresses for a seeded organization")


def _project_pool(rng: random.Random, plan: OrgPlan, ids: bulk.OrgIds, position: int) -> list[LogProject]:
    """The projects one person logs to, weighted: a few focus projects come up most of the time."""
    person = plan.users[position]
    org_wide = person.role in (Role.OWNER, Role.ADMIN) or not person.teams
    candidates = [LogProject(ids.projects[i], p.billable, p.status == "active")
                  for i, p in enumerate(plan.projects) if org_wide or p.team is None or p.team in person.teams]
    if not candidates:
        return []
    focus = rng.sample(candidates, min(3, len(candidates)))
    return focus * 3 + candidates


def seed_one_organization(seed: int | None = None, users: int | None = None, days: int = 30) -> OrgResult:
    """One new organization of 5 to 15 people (the seeding job's unit of work), in one transaction.

    Its history ends now, so some of its timers were started minutes ago. A retry after a crash
    starts over cleanly: nothing of the failed attempt was committed, and the e-mail domain carries
    a serial that is checked against the addresses already taken.
    """
    run = RunContext.create(seed if seed is not None else new_seed(), default_now(False), days)
    users = users or random.Random(f"{run.seed}:size").randint(5, 15)
    with db.engine.begin() as conn:
        base = conn.scalar(select(func.max(Organization.id))) or 0
        return create_organization(conn, run, 0, users=users, serial=str(base + 1))
