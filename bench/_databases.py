"""The benchmark's SQLite databases: built once per (seed, size) with the project's own seeding, cached under a
directory, and copied for each run (a run writes timers, job records and a seeding sample into its copy, so the
cached file stays as built and a later `--seed N` run starts from the same data).

Shape: always 10 organizations x 50 people; only the days of history grow with the size, so the windows a
dashboard shows (today, this week, this month) hold about the same data at every size.
"""
from __future__ import annotations

import json
import math
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

ORGANIZATIONS = 10
PEOPLE = 50
LOGS_PER_PERSON_DAY = 3.7  # what the seeding generator produces per calendar day (measured: ~3.8)


def history_days(logs: int) -> int:
    """Days of history for `logs` logs over the benchmark's shape (the last organization may be cut short)."""
    return max(2, math.ceil(logs / (ORGANIZATIONS * PEOPLE * LOGS_PER_PERSON_DAY)) + 1)


def parse_size(text: str) -> int:
    """"10k" -> 10000, "1m" -> 1000000, "2500" -> 2500."""
    text = text.strip().lower().replace("_", "").replace(",", "")
    factor = {"k": 1_000, "m": 1_000_000}.get(text[-1:], 1)
    return int(float(text.rstrip("km")) * factor)


def size_label(logs: int) -> str:
    if logs >= 1_000_000 and logs % 1_000_000 == 0:
        return f"{logs // 1_000_000}M"
    return f"{logs // 1000}k" if logs % 1000 == 0 else str(logs)


@dataclass
class Built:
    """A cached database and what its build measured (the seeding row comes from here)."""
    path: Path
    seed: int
    logs: int
    seconds: float
    built_at: str
    reused: bool

    @property
    def data_day(self) -> str:
        return self.built_at[:10]


def cached_path(directory: Path, seed: int, logs: int) -> Path:
    return directory / f"timeboard-bench-seed{seed}-{logs}.sqlite3"


def ensure_database(directory: Path, seed: int, logs: int, rebuild: bool = False) -> Built:
    """The cached database of (seed, logs), built now if it is not there (or `rebuild`)."""
    path = cached_path(directory, seed, logs)
    meta_path = path.with_suffix(".json")
    if path.exists() and meta_path.exists() and not rebuild:
        return Built(path=path, reused=True, **json.loads(meta_path.read_text()))
    directory.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    partial = path.with_suffix(".building")
    partial.unlink(missing_ok=True)
    built_logs, seconds = build_database(partial, seed, logs)
    partial.rename(path)
    meta = {"seed": seed, "logs": built_logs, "seconds": seconds,
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    meta_path.write_text(json.dumps(meta))
    return Built(path=path, reused=False, **meta)


def build_database(path: Path, seed: int, logs: int) -> tuple[int, float]:
    """Migrate a new SQLite file (flask db upgrade) and seed it; returns (logs written, seeding seconds)."""
    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db
    from app.seeding import seed as seed_data

    app = create_app({"SQLALCHEMY_DATABASE_URI": sqlite_url(path)})
    with app.app_context():
        upgrade()
        result = seed_data(orgs=ORGANIZATIONS, users_per_org=PEOPLE, days=history_days(logs), seed=seed,
                           max_logs=logs)
        db.engine.dispose()
    return result.total("logs"), result.seconds


def working_copy(built: Built, directory: Path) -> Path:
    """A copy of the cached database for this run to write into."""
    target = directory / built.path.name
    shutil.copyfile(built.path, target)
    return target


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


@dataclass
class Subjects:
    """Whom each dashboard is about, in a database: the first organization, its owner (who is also made a system
    admin in the working copy, so one session opens all four dashboards), a team of it, and an active project
    the owner's timer runs on."""
    organization_id: int
    owner_id: int
    team_id: int
    project_id: int

    def key(self, kind: str):
        from app.live.topics import SYSTEM_DASHBOARD, DashboardKey

        ids = {"user": self.owner_id, "team": self.team_id, "org": self.organization_id}
        return SYSTEM_DASHBOARD if kind == "system" else DashboardKey(kind, ids[kind])


def pick_subjects() -> Subjects:
    """Inside an app context on a working copy: choose the subjects and make the owner a system admin."""
    from sqlalchemy import func, select

    from app.extensions import db
    from app.models import Membership, Organization, Project, ProjectStatus, Team, User

    org_id = db.session.scalar(select(func.min(Organization.id)))
    owner = db.session.scalar(select(User).join(Membership, Membership.user_id == User.id)
                              .where(Membership.organization_id == org_id, Membership.role == "owner")
                              .order_by(User.id).limit(1))
    team_id = db.session.scalar(select(func.min(Team.id)).where(Team.organization_id == org_id))
    project_id = db.session.scalar(select(func.min(Project.id)).where(
        Project.organization_id == org_id, Project.status == ProjectStatus.ACTIVE))
    owner.is_system_admin = True
    db.session.commit()
    return Subjects(organization_id=org_id, owner_id=owner.id, team_id=team_id, project_id=project_id)
