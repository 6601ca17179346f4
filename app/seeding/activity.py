""""A little activity" in existing organizations: a few running timers stopped, a few started.

Goes through the timer services (app/time_tracking/timers.py), so the one-running-timer rule, the
header timers and the dashboards' live updates all follow as they do for a person clicking.
"""
from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import exists, or_, select

from app.extensions import db
from app.models import (
    Membership,
    Organization,
    Project,
    ProjectStatus,
    Team,
    TeamMembership,
    TimeLog,
    TimeLogError,
    User,
)
from app.seeding.generator import ROUTINE_TASKS
from app.time_tracking.timers import start_timer, stop_timer


@dataclass
class ActivityResult:
    started: int = 0
    stopped: int = 0
    organization_ids: set[int] = field(default_factory=set)


def simulate_activity(rng: random.Random, exclude: Iterable[int] = (), organizations: int = 3,
                      changes: int = 3) -> ActivityResult:
    """In up to `organizations` random organizations, stop and start up to `changes` timers each."""
    excluded = set(exclude)
    candidates = [i for i in db.session.scalars(select(Organization.id).order_by(Organization.id)) if i not in excluded]
    result = ActivityResult()
    for organization_id in rng.sample(candidates, min(organizations, len(candidates))):
        stopped = _stop_some(rng, organization_id, rng.randint(0, changes))
        started = _start_some(rng, organization_id, rng.randint(1, changes), skip=stopped)
        result.stopped += len(stopped)
        result.started += started
        if stopped or started:
            result.organization_ids.add(organization_id)
    return result


def _stop_some(rng: random.Random, organization_id: int, count: int) -> set[int]:
    running = db.session.scalars(
        select(TimeLog).where(TimeLog.organization_id == organization_id, TimeLog.end_time.is_(None))
        .order_by(TimeLog.id)).all()
    stopped: set[int] = set()
    for log in rng.sample(running, min(count, len(running))):
        try:
            stop_timer(log.user)
        except TimeLogError:  # stopped by its owner in the meantime
            db.session.rollback()
            continue
        stopped.add(log.user_id)
    return stopped


def _start_some(rng: random.Random, organization_id: int, count: int, skip: set[int]) -> int:
    has_timer = exists().where(TimeLog.user_id == User.id, TimeLog.end_time.is_(None))
    idle = [user for user in db.session.scalars(
        select(User).join(Membership, Membership.user_id == User.id)
        .where(Membership.organization_id == organization_id, Membership.removed_at.is_(None), ~has_timer)
        .order_by(User.id))
        if user.id not in skip]
    started = 0
    for user in rng.sample(idle, min(count, len(idle))):
        projects = _loggable_projects(user, organization_id)
        if not projects:
            continue
        try:
            start_timer(user, rng.choice(projects), rng.choice(ROUTINE_TASKS))
        except TimeLogError:  # the person started one at the same moment: the database said no
            db.session.rollback()
            continue
        started += 1
    return started


def _loggable_projects(user: User, organization_id: int) -> list[Project]:
    """Active projects of the person's teams in this organization, and the organization-wide ones."""
    team_ids = select(TeamMembership.team_id).join(Team, Team.id == TeamMembership.team_id).where(
        TeamMembership.user_id == user.id, Team.organization_id == organization_id)
    return list(db.session.scalars(
        select(Project).where(Project.organization_id == organization_id,
                              Project.status == ProjectStatus.ACTIVE,
                              or_(Project.team_id.is_(None), Project.team_id.in_(team_ids)))
        .order_by(Project.id)))
