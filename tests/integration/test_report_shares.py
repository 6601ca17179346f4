"""Share links of a report: who may make one, the link read without signing in (read-only, noindex, its file),
shown once and stored hashed, expiry and revocation (410 after, with a page that says so), and the audit trail."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.models import AuditEntry, Report, ReportShare, utcnow
from app.models.report_share import hash_secret
from tests import report_data
from tests.conftest import login

FORM = {"range": "last_month", "date_from": "", "date_to": "", "group1": "project", "group2": "", "billable": "all",
        "rounding": "none", "rounding_minutes": "15", "hours_format": "hmm", "format": "csv"}


@pytest.fixture()
def run_jobs(app, run_jobs):
    def run(*args, **kw):
        with app.app_context():
            return run_jobs(*args, **kw)
    return run


@pytest.fixture()
def done(client, factory, db, run_jobs):
    """Acme's data and a completed CSV report of the member's, by project."""
    w = report_data.build(factory, db)
    login(client, w.member)
    response = client.post("/reports", data={**FORM, "organization_id": str(w.org.id)})
    w.report_id = int(response.headers["Location"].rsplit("/", 1)[-1])
    run_jobs(["reports"])
    db.session.expire_all()
    assert db.session.get(Report, w.report_id).status == "completed"
    return w


def _share(client, report_id: int, days: str = "7") -> str:
    response = client.post(f"/reports/{report_id}/shares", data={"days": days})
    assert response.status_code == 303 and response.headers["Location"] == f"/reports/{report_id}"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    return re.search(r'data-testid="new-share-link-value"', page) and re.search(
        r'value="http://localhost/shared/reports/([A-Za-z0-9_-]+)"', page).group(1)


def test_a_link_shows_the_report_read_only_without_signing_in_and_is_shown_once(app, client, db, done):
    secret = _share(client, done.report_id)
    share = db.session.scalar(select(ReportShare))
    assert share.secret_hash == hash_secret(secret) and secret not in share.secret_hash and len(secret) >= 40
    assert timedelta(days=6, hours=23) < share.expires_at - utcnow() <= timedelta(days=7)
    again = client.get(f"/reports/{done.report_id}").get_data(as_text=True)
    assert secret not in again and 'data-testid="share-row"' in again  # listed, the secret never shown again

    anonymous = app.test_client()
    response = anonymous.get(f"/shared/reports/{secret}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "noindex" in response.headers["X-Robots-Tag"]
    assert '<meta name="robots" content="noindex' in page and 'data-testid="report-summary"' in page
    assert "Alpha site" in page and 'data-testid="report-tabs"' in page
    hrefs = set(re.findall(r'href="([^"]+)"', page))
    assert all(h.startswith((f"/shared/reports/{secret}", "/static/", "#")) for h in hrefs), hrefs
    assert "<form" not in page and "Sign out" not in page and "csrf" not in page.lower()
    detailed = anonymous.get(f"/shared/reports/{secret}?tab=detailed").get_data(as_text=True)
    assert 'data-testid="detail-row"' in detailed and "Night deploy" in detailed
    download = anonymous.get(f"/shared/reports/{secret}/download")
    assert download.status_code == 200 and download.mimetype == "application/zip"

    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "report_share.create"))
    assert entry.organization_id == done.org.id and entry.actor_id == done.member.id
    assert entry.details["report_id"] == done.report_id and entry.details["days"] == 7


def test_a_revoked_link_is_gone_with_a_page_that_says_so_and_the_revocation_is_audited(app, client, db, done):
    secret = _share(client, done.report_id)
    share = db.session.scalar(select(ReportShare))
    response = client.post(f"/reports/{done.report_id}/shares/{share.id}/revoke")
    assert response.status_code == 303
    assert "Share link revoked" in client.get(response.headers["Location"]).get_data(as_text=True)
    anonymous = app.test_client()
    for path in (f"/shared/reports/{secret}", f"/shared/reports/{secret}/download"):
        gone = anonymous.get(path)
        assert gone.status_code == 410 and "was revoked" in gone.get_data(as_text=True)
        assert "Alpha site" not in gone.get_data(as_text=True)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "report_share.revoke"))
    assert entry.actor_id == done.member.id and entry.details["share_id"] == share.id


def test_an_expired_link_is_gone_and_an_unknown_one_is_not_found(app, client, db, done):
    secret = _share(client, done.report_id, days="1")
    share = db.session.scalar(select(ReportShare))
    assert timedelta(hours=23) < share.expires_at - utcnow() <= timedelta(days=1)
    anonymous = app.test_client()
    assert anonymous.get(f"/shared/reports/{secret}").status_code == 200
    share.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    gone = anonymous.get(f"/shared/reports/{secret}")
    assert gone.status_code == 410 and "has expired" in gone.get_data(as_text=True)
    for bad in ("nope", secret[:-1], "x" * 500):
        missing = anonymous.get(f"/shared/reports/{bad}")
        assert missing.status_code == 404 and "not found" in missing.get_data(as_text=True)
    client.post(f"/reports/{done.report_id}/delete")  # its report deleted: the link goes with it
    assert anonymous.get(f"/shared/reports/{secret}").status_code in (404, 410)


def test_who_may_make_or_revoke_a_link_is_who_may_see_the_report(client, db, done):
    for person in (done.owner, done.sysadmin):  # the organization's owner and a system admin see it: they may
        client.post("/logout")
        login(client, person)
        assert _share(client, done.report_id)
    share = db.session.scalars(select(ReportShare)).first()
    for person in (done.manager, done.beta_member, done.outsider):  # they may not see it
        client.post("/logout")
        login(client, person)
        assert client.post(f"/reports/{done.report_id}/shares", data={"days": "7"}).status_code == 404
        assert client.post(f"/reports/{done.report_id}/shares/{share.id}/revoke").status_code == 404
    assert len(db.session.scalars(select(ReportShare)).all()) == 2 and share.revoked_at is None


def test_a_lifetime_other_than_1_7_or_30_days_makes_no_link(client, db, done):
    for days in ("2", "0", "x", "", "7" * 30):
        response = client.post(f"/reports/{done.report_id}/shares", data={"days": days})
        assert response.status_code == 303
        assert "Choose 1, 7 or 30 days." in client.get(response.headers["Location"]).get_data(as_text=True)
    assert db.session.scalar(select(ReportShare)) is None


def test_a_report_not_completed_cannot_be_shared(client, factory, db):
    w = report_data.build(factory, db)
    login(client, w.member)
    response = client.post("/reports", data={**FORM, "organization_id": str(w.org.id)})
    report_id = int(response.headers["Location"].rsplit("/", 1)[-1])
    answer = client.post(f"/reports/{report_id}/shares", data={"days": "7"})
    assert answer.status_code == 303
    assert "Only a completed report can be shared." in client.get(answer.headers["Location"]).get_data(as_text=True)
    assert db.session.scalar(select(ReportShare)) is None
