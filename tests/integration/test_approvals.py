"""Week approvals (issue 21 B): a member submits a week from /timesheet, their manager or an owner approves or
rejects it on /approvals, and who may do what (app/policies.py)."""
from __future__ import annotations

from datetime import date, datetime
from types import SimpleNamespace

import pytest
from flask import g
from markupsafe import escape
from sqlalchemy import select

from app.models import AuditEntry, Notification, WeekApproval
from tests.conftest import login
from tests.mailbox import body, empty_outbox, outbox

WEEK, MONDAY = "2026-W10", date(2026, 3, 2)


@pytest.fixture()
def w(factory):
    w = factory.world()
    factory.time_log(w.member, w.alpha_project, start=datetime(2026, 3, 3, 9, 0), minutes=90)
    return w


def _submit(client, who) -> int:
    login(client, who)
    response = client.post("/approvals/submit", data={"week": WEEK})
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    client.post("/logout")
    return _approval(who).id


def _approval(who) -> WeekApproval:
    from app.extensions import db
    return db.session.scalar(select(WeekApproval).where(WeekApproval.user_id == who.id,
                                                        WeekApproval.week_start == MONDAY))


def test_member_submits_manager_approves_and_the_timesheet_shows_it(client, w):
    login(client, w.member)
    page = client.get(f"/timesheet?week={WEEK}").get_data(as_text=True)
    assert 'data-status="open"' in page and "Submit week for approval" in page
    response = client.post("/approvals/submit", data={"week": WEEK})
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Week 2026-W10 submitted for approval." in page and 'data-status="submitted"' in page
    assert "Submit week for approval" not in page
    assert client.post("/approvals/submit", data={"week": WEEK}).status_code == 409  # twice: already submitted
    client.post("/logout")

    login(client, w.manager)
    page = client.get("/approvals").get_data(as_text=True)
    assert escape(w.member.name) in page and WEEK in page and "1:30" in page  # person, week, hours
    approval = _approval(w.member)
    response = client.post(f"/approvals/{approval.id}/decide", data={"decision": "approve", "comment": "Billed"})
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert escape(f"{w.member.name}'s week {WEEK} approved.") in page
    assert "No week is waiting for your decision." in page and 'data-testid="decided-row"' in page
    client.post("/logout")

    login(client, w.member)
    page = client.get(f"/timesheet?week={WEEK}").get_data(as_text=True)
    assert 'data-status="approved"' in page and "“Billed”" in page and "Submit week for approval" not in page


def test_a_rejection_needs_a_comment_and_the_week_can_be_submitted_again(client, w):
    approval_id = _submit(client, w.member)
    login(client, w.owner)
    response = client.post(f"/approvals/{approval_id}/decide", data={"decision": "reject", "comment": "  "})
    assert response.status_code == 422
    assert "Say why you reject this week" in response.get_data(as_text=True)
    assert _approval(w.member).status == "submitted"
    response = client.post(f"/approvals/{approval_id}/decide", data={"decision": "reject", "comment": "Missing Friday"})
    assert response.status_code == 303
    assert client.post(f"/approvals/{approval_id}/decide", data={"decision": "approve"}).status_code == 409
    client.post("/logout")

    login(client, w.member)
    page = client.get(f"/timesheet?week={WEEK}").get_data(as_text=True)
    assert 'data-status="rejected"' in page and "Missing Friday" in page and "Submit week for approval" in page
    assert client.post("/approvals/submit", data={"week": WEEK}).status_code == 303
    approval = _approval(w.member)
    assert (approval.id, approval.status, approval.comment, approval.decided_by_id) == (approval_id, "submitted", "",
                                                                                         None)


def test_who_may_decide(client, w, factory):
    """A member cannot decide (not even their own week), a manager only their teams' members and not their own week,
    an owner anyone's including their own; others do not see the week at all (404)."""
    member_week = _submit(client, w.member)
    beta_week = _submit(client, w.beta_member)
    manager_week = _submit(client, w.manager)
    owner_week = _submit(client, w.owner)
    approve = {"decision": "approve"}

    login(client, w.member)
    assert client.post(f"/approvals/{member_week}/decide", data=approve).status_code == 403
    assert client.post(f"/approvals/{beta_week}/decide", data=approve).status_code == 404
    assert "No week is waiting for your decision." in client.get("/approvals").get_data(as_text=True)
    client.post("/logout")

    login(client, w.manager)
    page = client.get("/approvals").get_data(as_text=True)
    assert escape(w.member.name) in page and escape(w.beta_member.name) not in page
    assert client.post(f"/approvals/{beta_week}/decide", data=approve).status_code == 404
    assert client.post(f"/approvals/{manager_week}/decide", data=approve).status_code == 403
    assert client.post(f"/approvals/{member_week}/decide", data=approve).status_code == 303
    client.post("/logout")

    login(client, w.outsider)
    assert client.post(f"/approvals/{owner_week}/decide", data=approve).status_code == 404
    client.post("/logout")

    login(client, w.owner)
    for approval_id in (beta_week, manager_week, owner_week):
        assert client.post(f"/approvals/{approval_id}/decide", data=approve).status_code == 303
    assert {_approval(p).status for p in (w.member, w.beta_member, w.manager, w.owner)} == {"approved"}


def test_a_week_not_begun_or_malformed_is_refused(client, w):
    login(client, w.member)
    response = client.post("/approvals/submit", data={"week": "2099-W10"})
    assert response.status_code == 409 and "has not begun yet" in response.get_data(as_text=True)
    assert client.post("/approvals/submit", data={"week": "soon"}).status_code == 422
    assert client.post("/approvals/submit", data={}).status_code == 422


def test_submitting_tells_the_deciders_and_deciding_tells_the_member_in_the_app_and_by_email(
        app, client, db, w, run_jobs, mail_outbox):
    ids = {name: getattr(w, name).id for name in ("member", "manager", "owner", "admin", "beta_member")}
    emails = {name: getattr(w, name).email for name in ("member", "manager", "owner", "admin")}
    member_name = w.member.name  # the worker's session end detaches the scene's records: plain values first
    approval_id = _submit(client, w.member)
    told = db.session.scalars(select(Notification).where(Notification.kind == "week_submitted"))
    assert sorted(n.user_id for n in told) == sorted([ids["manager"], ids["owner"], ids["admin"]])
    run_jobs(["notifications"])
    g.pop("_login_user", None)
    messages = outbox(mail_outbox)
    assert sorted(m["To"] for m in messages) == sorted([emails["manager"], emails["owner"], emails["admin"]])
    assert all(m["Subject"] == f"{member_name} submitted week {WEEK} for approval" for m in messages)
    assert "1:30 logged" in body(messages[0])
    empty_outbox(mail_outbox)

    login(client, SimpleNamespace(email=emails["manager"]))
    response = client.post(f"/approvals/{approval_id}/decide", data={"decision": "reject", "comment": "Add Friday"})
    assert response.status_code == 303
    (notice,) = db.session.scalars(select(Notification).where(Notification.kind == "week_decided"))
    assert notice.user_id == ids["member"] and notice.title == f"Your week {WEEK} was rejected"
    assert "“Add Friday”" in notice.body and notice.in_app and notice.link == f"/timesheet?week={WEEK}"
    run_jobs(["notifications"])
    g.pop("_login_user", None)  # the worker's session end detached the signed-in user the test's requests share
    (message,) = outbox(mail_outbox)
    assert message["To"] == emails["member"] and "Add Friday" in body(message)
    client.post("/logout")
    login(client, SimpleNamespace(email=emails["member"]))
    assert f"Your week {WEEK} was rejected" in client.get("/notifications").get_data(as_text=True)


def test_an_owner_unlocks_an_approved_week_with_a_reason_audited_and_the_member_edits_and_submits_again(
        client, db, w):
    from app.approvals import weeks

    approval = weeks.decide(w.manager, weeks.submit(w.member, w.org.id, MONDAY), True, "Billed")
    approval_id = approval.id
    cell = {"project_id": w.alpha_project.id, "day": "2026-03-03", "hours": "2"}
    login(client, w.member)
    refused = client.post("/timesheet/cell", data=cell)
    assert refused.status_code == 422 and "Week 2026-W10 is approved and locked" in refused.get_data(as_text=True)
    assert client.post(f"/approvals/{approval_id}/unlock", data={"reason": "mine"}).status_code == 403
    client.post("/logout")
    for who in (w.manager, w.admin):  # deciding is not unlocking: owners only
        login(client, who)
        assert client.post(f"/approvals/{approval_id}/unlock", data={"reason": "x"}).status_code == 403
        client.post("/logout")

    login(client, w.owner)
    page = client.get(f"/timesheet?week={WEEK}&user={w.member.id}").get_data(as_text=True)
    assert 'data-testid="unlock-form"' in page
    response = client.post(f"/approvals/{approval_id}/unlock", data={"reason": "   "})
    assert response.status_code == 422 and "Give the reason for unlocking" in response.get_data(as_text=True)
    assert _approval(w.member).status == "approved"
    response = client.post(f"/approvals/{approval_id}/unlock", data={"reason": "Client asked for a fix"})
    assert response.status_code == 303
    assert "unlocked: they may edit it and submit it again" in client.get(response.headers["Location"]).get_data(
        as_text=True)
    assert client.post(f"/approvals/{approval_id}/unlock", data={"reason": "again"}).status_code == 409
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "week.unlock"))
    assert entry.actor_id == w.owner.id and entry.organization_id == w.org.id
    assert entry.details == {"approval_id": approval_id, "user_id": w.member.id, "week": WEEK,
                             "reason": "Client asked for a fix"}
    client.post("/logout")

    login(client, w.member)
    assert client.post("/timesheet/cell", data=cell).status_code == 303
    page = client.get(f"/timesheet?week={WEEK}").get_data(as_text=True)
    assert 'data-status="open"' in page and "Submit week for approval" in page
    assert client.post("/approvals/submit", data={"week": WEEK}).status_code == 303
    assert _approval(w.member).status == "submitted"


def test_an_unlock_tells_the_member_who_unlocked_which_week_and_why_in_the_app_and_by_email(
        client, db, w, run_jobs, mail_outbox):
    from app.approvals import weeks

    approval_id = weeks.decide(w.manager, weeks.submit(w.member, w.org.id, MONDAY), True, "Billed").id
    member_id, member_email, owner_email = w.member.id, w.member.email, w.owner.email
    owner_name = w.owner.name
    run_jobs(["notifications"])  # the submission's and the decision's notices
    g.pop("_login_user", None)
    empty_outbox(mail_outbox)

    login(client, SimpleNamespace(email=owner_email))
    response = client.post(f"/approvals/{approval_id}/unlock", data={"reason": "Client asked for a fix"})
    assert response.status_code == 303
    (notice,) = db.session.scalars(select(Notification).where(Notification.kind == "week_unlocked"))
    assert notice.user_id == member_id and notice.in_app and notice.link == f"/timesheet?week={WEEK}"
    assert notice.title == f"Your week {WEEK} was unlocked by {owner_name}"
    assert "“Client asked for a fix”" in notice.body
    run_jobs(["notifications"])
    g.pop("_login_user", None)
    (message,) = outbox(mail_outbox)
    assert message["To"] == member_email and message["Subject"] == f"Your week {WEEK} was unlocked by {owner_name}"
    assert "Client asked for a fix" in body(message)
    client.post("/logout")
    login(client, SimpleNamespace(email=member_email))
    page = client.get("/notifications").get_data(as_text=True)
    assert f"Your week {WEEK} was unlocked by {escape(owner_name)}" in page
    assert "Client asked for a fix" in page
    assert "Your approved week unlocked by an owner" in client.get("/settings").get_data(as_text=True)  # its choice


def test_a_person_in_two_organizations_has_separate_weeks_approvals_and_locks_in_each(client, db, w, factory):
    """The member also works for Other Inc, whose weeks start on Sunday: Acme approving their week locks Acme's time
    only; Other Inc's timesheet shows its own week (its projects, its start day), open, and submits apart."""
    from app.approvals import weeks

    other, member = w.other_org, w.member
    other.week_start = 6
    other.add_member(member, "member")
    db.session.commit()
    elsewhere = factory.project(other, name="Side project")
    factory.time_log(member, elsewhere, start=datetime(2026, 3, 4, 14, 0), minutes=45)
    weeks.decide(w.manager, weeks.submit(member, w.org.id, MONDAY), True, "Billed")
    other_id, acme_id, alpha_id, side_id = other.id, w.org.id, w.alpha_project.id, elsewhere.id

    login(client, member)
    acme = client.get(f"/timesheet?week={WEEK}").get_data(as_text=True)  # the first organization, by default
    assert 'data-testid="week-status">approved' in acme and 'data-testid="organization-picker"' in acme
    assert f'id="ts-row-{alpha_id}"' in acme and f'id="ts-row-{side_id}"' not in acme
    assert "Mon 02 Mar – Sun 08 Mar 2026" in acme
    page = client.get(f"/timesheet?week={WEEK}&org={other_id}").get_data(as_text=True)
    assert 'data-testid="week-status">open' in page and "Sun 01 Mar – Sat 07 Mar 2026" in page
    assert f'id="ts-row-{side_id}"' in page and f'id="ts-row-{alpha_id}"' not in page
    assert 'data-locked' not in page and 'data-testid="week-locked"' not in page
    assert f'name="organization_id" value="{other_id}"' in page  # its submit button submits there

    cell = {"day": "2026-03-04", "hours": "2"}
    assert client.post("/timesheet/cell", data={**cell, "project_id": side_id}).status_code == 303  # open there
    refused = client.post("/timesheet/cell", data={**cell, "project_id": alpha_id})  # locked in Acme
    assert refused.status_code == 422 and "Week 2026-W10 is approved and locked" in refused.get_data(as_text=True)

    response = client.post("/approvals/submit", data={"week": WEEK, "organization_id": other_id})
    assert response.status_code == 303 and response.headers["Location"] == f"/timesheet?week={WEEK}&org={other_id}"
    assert client.post("/approvals/submit", data={"week": WEEK, "organization_id": "99999"}).status_code == 404
    assert client.post("/approvals/submit", data={"week": WEEK, "organization_id": "x"}).status_code == 422
    assert client.get(f"/timesheet?week={WEEK}&org=99999").status_code == 404
    approvals = {a.organization_id: (a.week_start, a.status) for a in db.session.scalars(
        select(WeekApproval).where(WeekApproval.user_id == member.id))}
    assert approvals == {acme_id: (MONDAY, "approved"), other_id: (date(2026, 3, 1), "submitted")}
    told = db.session.scalars(select(Notification).where(Notification.kind == "week_submitted",
                                                         Notification.user_id == w.outsider.id))
    assert [n.title for n in told] == [f"{member.name} submitted week {WEEK} for approval"]  # Other Inc's owner
    client.post("/logout")

    login(client, w.manager)  # Acme's manager sees the member's Acme week only: no picker, no Other Inc time
    page = client.get(f"/timesheet?week={WEEK}&user={member.id}").get_data(as_text=True)
    assert f'id="ts-row-{alpha_id}"' in page and f'id="ts-row-{side_id}"' not in page
    assert 'data-testid="organization-picker"' not in page and "Other Inc" not in page
    assert client.get(f"/timesheet?week={WEEK}&user={member.id}&org={other_id}").status_code == 404
    client.post("/logout")
    login(client, w.outsider)  # Other Inc's owner decides its week; the member is pointed at that organization's
    other_approval = db.session.scalar(select(WeekApproval).where(WeekApproval.organization_id == other_id))
    assert client.post(f"/approvals/{other_approval.id}/decide", data={"decision": "approve"}).status_code == 303
    links = db.session.scalars(select(Notification.link).where(Notification.kind == "week_decided",
                                                               Notification.user_id == member.id))
    assert sorted(links) == sorted(f"/timesheet?week={WEEK}&org={i}" for i in (acme_id, other_id))
