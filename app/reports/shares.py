"""Share links of a report: made by whoever may see it (policies.can_share_report) for 1, 7 or 30 days, shown
once (only the secret's hash is kept), revoked by the same people; each creation and revocation is audited in
the report's organization (the audit trail subscribes to events.report_share, sent before the commit). A link
answers while it is live and its report is completed."""
from __future__ import annotations

from flask_babel import gettext as _

from app.extensions import db
from app.models import SHARE_LIFETIMES, Report, ReportShare, ReportState, User, utcnow
from app.models.report_share import hash_secret
from app.reports import events

LIFETIMES = SHARE_LIFETIMES
SECRET_MAX = 100  # token_urlsafe(32) is 43 characters: anything much longer is not one of ours


class ShareError(ValueError):
    """A link that cannot be made (a report not completed, an unknown lifetime)."""


class ShareGone(LookupError):
    """A link that does not answer: `status` 404 (unknown) or 410 (expired, revoked, its report gone)."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


def create(report: Report, user: User, days: int | None) -> tuple[ReportShare, str]:
    if days not in SHARE_LIFETIMES:
        raise ShareError(_("Choose 1, 7 or 30 days."))
    if report.status != ReportState.COMPLETED:
        raise ShareError(_("Only a completed report can be shared."))
    share, secret = ReportShare.issue(report.id, user.id, days)
    db.session.add(share)
    db.session.flush()
    events.report_share.send(None, action="report_share.create", report=report, actor=user,
                             details={"report_id": report.id, "share_id": share.id, "days": days,
                                      "expires_at": share.expires_at.isoformat(timespec="seconds")})
    db.session.commit()
    return share, secret


def revoke(share: ReportShare, user: User) -> None:
    if share.revoked_at is not None:
        return
    share.revoke()
    events.report_share.send(None, action="report_share.revoke", report=share.report, actor=user,
                             details={"report_id": share.report_id, "share_id": share.id})
    db.session.commit()


def live_links(report: Report) -> list[ReportShare]:
    now = utcnow()
    return list(db.session.scalars(
        db.select(ReportShare).where(ReportShare.report_id == report.id, ReportShare.revoked_at.is_(None),
                                     ReportShare.expires_at > now).order_by(ReportShare.created_at.desc())))


def resolve(secret: str) -> ReportShare:
    """The live link of a secret, or ShareGone."""
    share = None
    if secret and len(secret) <= SECRET_MAX:
        share = db.session.scalar(db.select(ReportShare).where(ReportShare.secret_hash == hash_secret(secret)))
    if share is None:
        raise ShareGone(404, _("There is no shared report at this address. Check the link you were given."))
    if share.revoked_at is not None:
        raise ShareGone(410, _("This share link was revoked: ask whoever shared the report for a new link."))
    if not share.is_live():
        raise ShareGone(410, _("This share link has expired: ask whoever shared the report for a new link."))
    if share.report is None or share.report.status != ReportState.COMPLETED:
        raise ShareGone(410, _("This report is no longer available."))
    return share
