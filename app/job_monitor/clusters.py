"""Failure clusters (/jobs/failures): the failed jobs a person may see, grouped by fingerprint (kind, exception
class and the innermost frame of our code in the traceback: app/models/job_status.py, failure_fingerprint), with
their count, first and last seen and the organizations affected. A cluster's retry and discard are the bulk actions
over the search `cluster=<key>`; marking one known (system admins) keeps its failures out of the operator alerts
(app/notifications/operator_alerts.py) until it is marked unknown again."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select

from app.extensions import db
from app.job_monitor import queries as monitor
from app.models import JobState, JobStatus, KnownFailure, Organization, User, cluster_key
from app.models.job_status import failure_origin
from app.organizations import audit

LIMIT = 100  # clusters shown, most recent failure first


@dataclass
class Cluster:
    key: str
    kind: str
    count: int
    first_seen: datetime
    last_seen: datetime
    sample_id: int
    exception: str | None = None
    frame: str | None = None
    message: str | None = None
    known: bool = False
    organizations: list[tuple[int, str]] = field(default_factory=list)


def failed(user: User):
    """The failed, not discarded jobs a user may see."""
    return monitor.job_scope(user).where(JobStatus.status == JobState.FAILED, JobStatus.discarded_at.is_(None))


def clusters(user: User, limit: int = LIMIT) -> list[Cluster]:
    scoped = failed(user).subquery()
    key = func.coalesce(scoped.c.fingerprint, "kind:" + scoped.c.kind)
    rows = db.session.execute(
        select(key, func.min(scoped.c.kind), func.count(), func.min(scoped.c.finished_at),
               func.max(scoped.c.finished_at), func.max(scoped.c.id))
        .group_by(key).order_by(func.max(scoped.c.finished_at).desc()).limit(limit)
    ).all()
    found = [Cluster(k, kind, n, first, last, sample) for k, kind, n, first, last, sample in rows]
    if not found:
        return []
    samples = {s.id: s for s in db.session.scalars(select(JobStatus).where(
        JobStatus.id.in_([c.sample_id for c in found])))}
    known = set(db.session.scalars(select(KnownFailure.fingerprint).where(
        KnownFailure.fingerprint.in_([c.key for c in found]))))
    organizations = _organizations(scoped, key, [c.key for c in found])
    for cluster in found:
        sample = samples[cluster.sample_id]
        cluster.exception, cluster.frame = failure_origin(sample.traceback)
        cluster.message = sample.error_message
        cluster.known = cluster.key in known
        cluster.organizations = organizations.get(cluster.key, [])
    return found


def _organizations(scoped, key, keys: list[str]) -> dict[str, list[tuple[int, str]]]:
    rows = db.session.execute(
        select(key, Organization.id, Organization.name).distinct()
        .join(Organization, Organization.id == scoped.c.organization_id)
        .where(key.in_(keys)).order_by(Organization.name)
    ).all()
    found: dict[str, list[tuple[int, str]]] = {}
    for cluster, org_id, name in rows:
        found.setdefault(cluster, []).append((org_id, name))
    return found


def visible(user: User, key: str) -> bool:
    """Has the cluster a failure the user may see?"""
    return db.session.scalar(select(func.count()).select_from(
        failed(user).where(cluster_key() == key).subquery())) > 0


def mark_known(user: User, key: str, known: bool) -> bool:
    """Mark a cluster known (or not), audited platform-wide; False when nothing changed."""
    record = db.session.get(KnownFailure, key)
    if known == (record is not None):
        return False
    if known:
        kind = db.session.scalar(select(JobStatus.kind).where(cluster_key() == key).limit(1)) or "?"
        db.session.add(KnownFailure(fingerprint=key, kind=kind, marked_by_id=user.id))
    else:
        db.session.delete(record)
    audit.record("jobs.cluster_known" if known else "jobs.cluster_unknown", organization=None, actor=user,
                 target=key)
    db.session.commit()
    return True
