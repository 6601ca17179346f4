"""Every POST endpoint of the URL map answers a form the way Turbo can show it: a 303 to the next page, a 422 with
the errors on the page, or a clear 4xx page for a refused action. Never a 200 (Turbo refuses to render a 200
answer to a form POST, so the form just stays there) and never a 500.

Each endpoint has a case below: who submits it, the record it acts on, a valid submission and what the next page
shows. Each is then submitted signed out, empty, with junk, valid and valid again, in that order. A new POST
route without a case fails `test_every_post_endpoint_has_a_case`, so a future form cannot slip through.
"""
from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from app.models import Membership, Report, ReportDefinition, ReportState
from tests.conftest import login

# a refused action: a page that says why (bad request, forbidden, not found, conflict, gone, too many, unavailable)
REFUSALS = {400, 403, 404, 409, 410, 422, 429, 503}
# POST routes that are not forms a person submits
EXEMPT = {
    "sso": "they need a running OpenID provider: tests/integration/test_sso.py submits each against a real one",
    "api": "the REST API takes JSON with a bearer token, not forms: tests/integration/test_api_*.py cover every route",
    "rq_dashboard": "rq-dashboard's own JavaScript calls these with fetch() and reads JSON; no Turbo form posts there",
}
EXEMPT_ENDPOINTS = {
    "time_logs.sync": "the offline timer's queue, JSON sent by fetch(), never a form: tests/integration/"
                      "test_offline_sync.py covers its answers and tests/e2e/test_offline.py what the person sees",
}
INLINE_ERROR = re.compile(r'class="(?:[^"]* )?(?:error|flash flash-error)[" ]|role="alert"')
SAYS_WHY = re.compile(r'class="card error-page"|data-testid="(?:link|invitation)-problem"')


@dataclass
class Case:
    """user: who submits it (an attribute of the scene; None: nobody signed in). url: the route's arguments for a
    scene. valid: a submission that succeeds. landing: what the page the 303 leads to shows."""
    user: str | None
    url: Callable[[SimpleNamespace], dict] = lambda s: {}
    valid: Callable[[SimpleNamespace], dict] = lambda s: {}
    landing: str | None = None
    junk: dict = field(default_factory=dict)
    prepare: Callable[[object, SimpleNamespace], None] | None = None  # (client, scene), once signed in


def _membership(s, user) -> int:
    from app.extensions import db
    return db.session.scalar(select(Membership.id).where(Membership.organization_id == s.org.id,
                                                         Membership.user_id == user.id))


def _report(s, status: str | None = None) -> Report:
    from app.extensions import db
    from app.reports import runs
    from app.reports.params import ReportParams

    # as the form makes it: checked, the preset range resolved to dates
    report = runs.create_report(s.member, ReportParams(organization_id=s.org.id, format="csv").resolved(date.today()))
    if status == ReportState.FAILED:
        report.fail("boom")
        db.session.commit()
    if status == ReportState.COMPLETED:  # no file: its page says "file missing", which is enough to share it
        report.complete("", "r.csv", 0, 0, {"levels": [], "groups": [], "total": {"label": "Total", "seconds": 0,
                        "rows": 0, "amount": None}, "currency": "EUR", "has_amount": False})
        db.session.commit()
    return report


def _share(s) -> dict:
    from app.reports import shares
    report = _report(s, ReportState.COMPLETED)
    share, _ = shares.create(report, s.member, 7)
    return {"report_id": report.id, "share_id": share.id}


def _definition(s) -> ReportDefinition:
    from app.reports import runs
    from app.reports.params import ReportParams
    return runs.save_definition(s.member, "Monthly", ReportParams(organization_id=s.org.id, format="csv"))


def _submitted_week(s, approved: bool = False) -> int:
    from app.approvals import weeks
    approval = weeks.submit(s.member, s.org.id, date(2026, 3, 2))
    if approved:
        weeks.decide(s.manager, approval, True, "")
    return approval.id


def _favourite(s) -> int:
    from app.time_tracking import favourites
    return favourites.pin(s.member, s.member_log)[0].id


def _invitation(s):
    from app.organizations import invitations
    invitation, _ = invitations.invite(s.owner, s.org, "invitee@example.com", "member", [])
    return invitation


def _invitation_token(s) -> str:
    from app import tokens
    invitation = _invitation(s)
    return tokens.make("invitation", {"i": invitation.id, "n": invitation.nonce})


def _two_factor_on(s) -> None:
    import pyotp

    from app.accounts import two_factor
    two_factor.enable(s.member, pyotp.TOTP(two_factor.secret_for_enrolment(s.member)).now())


def _waiting_at_the_code_step(client, s) -> None:
    """The member, with two-factor sign-in, has given their password: the code step is next."""
    _two_factor_on(s)
    response = client.post("/login", data={"email": s.member.email, "password": "password"})
    assert response.headers["Location"] == "/login/two-factor"


def _next_totp(s) -> str:
    """The code of the next time step (accepted: one step either side of now): enabling spent the current one."""
    import time

    import pyotp

    return pyotp.TOTP(s.member.totp_secret).at(time.time() + 30)


def _enrolment_code(s) -> str:
    import pyotp

    from app.accounts import two_factor
    return pyotp.TOTP(two_factor.secret_for_enrolment(s.member)).now()


def _reset_token(s) -> str:
    from app import tokens
    return tokens.make("password-reset", {"u": s.member.id, "f": tokens.fingerprint(s.member.password_hash)})


def _notification(s) -> int:
    from app.notifications.notify import notify
    return notify(s.member, "long_timer", "k1", "Your timer runs long", link="/time-logs").id


def _running_timer(s) -> dict:
    s.factory.time_log(s.member, s.alpha_project, minutes=None)
    return {}


def _tag(s) -> int:
    from app.time_tracking import labels
    return labels.create_tag(s.org.id, "Meeting").id


def _task(s) -> int:
    from app.time_tracking import labels
    return labels.create_task(s.alpha_project, "Launch").id


def _idle_since(s) -> dict:
    """Away from a running timer: it left ten minutes after the timer started."""
    from datetime import timedelta

    from app.timezones import iso
    return {"action": "discard", "since": iso(s.member.running_timer.start_time + timedelta(minutes=10))}


def _paused_timer(s) -> dict:
    s.factory.time_log(s.member, s.alpha_project, minutes=30, paused=True)
    return {}


def _undo_token(s) -> dict:
    """A fresh entry of the member's, deleted: the token its Undo posts."""
    from app.time_tracking import entries, undo

    gone = entries.delete_entry(s.factory.time_log(s.member, s.alpha_project))
    return {"token": undo.remember(gone, s.member)}


def _failed_job(s) -> str:
    from tests.jobrows import job_rows

    return job_rows(s.db, 1, rq=s.redis, user_id=s.member.id)[0]


def _discarded_job(s) -> str:
    from app.job_monitor import discards
    from app.models import JobStatus

    job_id = _failed_job(s)
    discards.discard([s.db.session.scalar(select(JobStatus).where(JobStatus.rq_job_id == job_id))])
    s.db.session.commit()
    return job_id


def _failure_cluster(s, known: bool = False) -> str:
    """A failed job's cluster key (a row without a fingerprint falls in its kind's cluster), marked known or not."""
    from app.models import KnownFailure

    _failed_job(s)
    if known:
        s.db.session.add(KnownFailure(fingerprint="kind:echo", kind="echo"))
        s.db.session.commit()
    return "kind:echo"


def _pending_job(s) -> str:
    from app.background.enqueue import enqueue
    return enqueue("echo", user_id=s.member.id).rq_job_id


IMPORTS = Path(__file__).resolve().parents[1] / "data" / "imports"


def _import(s, status: str) -> int:
    """An import of the owner's at this stage (planned: its Import button; imported: its Undo)."""
    from app.models import Import

    record = Import(organization_id=s.org.id, user_id=s.owner.id, file_name="toggl.csv", format="toggl",
                    content=(IMPORTS / "toggl.csv").read_text(), status=status, options={"time_zone": "UTC"})
    s.db.session.add(record)
    s.db.session.commit()
    return record.id


class _Reupload(io.BytesIO):
    """A file the test client may send twice (the double submit reuses the valid form): closing rewinds it."""

    def close(self) -> None:
        self.seek(0)


def _import_upload(s) -> dict:
    return {"file": (_Reupload((IMPORTS / "toggl.csv").read_bytes()), "toggl.csv"), "format": "auto",
            "time_zone": "Europe/Berlin"}


REPORT_FORM = {"range": "last_month", "date_from": "", "date_to": "", "group1": "project", "group2": "",
               "billable": "all", "rounding": "none", "rounding_minutes": "15", "hours_format": "hmm", "format": "csv"}
PROJECT_FORM = {"name": "Relaunch", "client_id": "0", "team_id": "0", "budget_hours": "", "hourly_rate": "",
                "billable": "y"}
ENTRY_FORM = {"day": date.today().isoformat(), "start": "00:01", "end": "00:02", "description": "Planning",
              "billable": "y"}

CASES: dict[str, Case] = {
    # accounts
    "auth.login": Case(None, valid=lambda s: {"email": s.member.email, "password": "password"}, landing="Dashboard"),
    "auth.logout": Case("member", landing="You are signed out."),
    "auth.signup": Case(None, valid=lambda s: {"name": "Nia New", "email": "nia@example.com",
                                               "password": "a long passphrase"}, landing="Check your email"),
    "auth.forgot_password": Case(None, valid=lambda s: {"email": s.member.email}, landing="Check your email"),
    "auth.reset_password": Case(None, url=lambda s: {"token": _reset_token(s)},
                                valid=lambda s: {"password": "another long passphrase"}, junk={"password": "x"},
                                landing="Your password was changed"),
    "auth.two_factor": Case(None, prepare=_waiting_at_the_code_step, valid=lambda s: {"code": _next_totp(s)},
                            landing="Dashboard"),
    # settings
    "settings.two_factor_enable": Case("member", valid=lambda s: {"enable-code": _enrolment_code(s)},
                                       landing="Your recovery codes"),
    "settings.two_factor_recovery_codes": Case("member", prepare=lambda c, s: _two_factor_on(s),
                                               valid=lambda s: {"regenerate-password": "password"},
                                               landing="Your recovery codes"),
    "settings.two_factor_disable": Case("member", prepare=lambda c, s: _two_factor_on(s),
                                        valid=lambda s: {"disable-password": "password"},
                                        landing="Two-factor sign-in is off."),
    "settings.profile": Case("member", valid=lambda s: {"profile-name": "Mo", "profile-time_zone": "Europe/Paris"},
                             landing="Your settings were saved."),
    "settings.email": Case("member", valid=lambda s: {"email-email": "mo@example.com",
                                                      "email-current_password": "password"},
                           landing="open it to confirm your new address"),
    "settings.password": Case("member", valid=lambda s: {"password-current_password": "password",
                                                         "password-new_password": "a longer passphrase"},
                              landing="Your password was changed"),
    "settings.notifications": Case("member", valid=lambda s: {"notifications-quiet_start": "22",
                                                              "notifications-quiet_end": "7",
                                                              "notifications-reminder_at": "17:30"},
                                   landing="Your notification preferences were saved."),
    "settings.create_token": Case("member", valid=lambda s: {"name": "ci", "scope": "write", "expires": "30"},
                                  junk={"name": "x" * 300, "scope": "root", "expires": "forever"},
                                  landing='data-testid="new-token-value"'),
    "settings.revoke_token": Case("member", url=lambda s: {"token_id": _access_token(s)},
                                  landing="Token laptop revoked"),
    # time logs
    "time_logs.start": Case("member", valid=lambda s: {"project_id": s.alpha_project.id, "description": "Copy"},
                            landing="Timer started on Alpha site."),
    "time_logs.stop": Case("member", url=_running_timer, landing="Timer stopped"),
    "time_logs.new": Case("member", valid=lambda s: {**ENTRY_FORM, "project_id": s.alpha_project.id},
                          landing="Added 1 min on Alpha site."),
    "time_logs.edit": Case("member", url=lambda s: {"log_id": s.member_log.id},
                           valid=lambda s: {**ENTRY_FORM, "project_id": s.alpha_project.id}, landing="Entry updated."),
    "time_logs.continue_entry": Case("member", url=lambda s: {"log_id": s.member_log.id},
                                     landing="Timer started on Alpha site."),
    "time_logs.delete": Case("member", url=lambda s: {"log_id": s.member_log.id}, landing="Entry deleted."),
    "time_logs.pin": Case("member", url=lambda s: {"log_id": s.member_log.id}, landing="Pinned as a favourite."),
    "time_logs.unpin": Case("member", url=lambda s: {"favourite_id": _favourite(s)}, landing="Favourite unpinned."),
    "time_logs.start_favourite": Case("member", url=lambda s: {"favourite_id": _favourite(s)},
                                      landing="Timer started on Alpha site."),
    # the week timesheet
    "timesheet.cell": Case("member", valid=lambda s: {"project_id": s.alpha_project.id, "day": "2026-03-03",
                                                      "hours": "1.5"},
                           landing="Alpha site on Tue 03 Mar: 1:30."),
    "timesheet.continue_row": Case("member", valid=lambda s: {"project_id": s.alpha_project.id, "week": "2026-W10"},
                                   landing="Timer started on Alpha site."),
    # week approvals (issue 21 B)
    "approvals.submit": Case("member", valid=lambda s: {"week": "2026-W10"},
                             landing="Week 2026-W10 submitted for approval."),
    "approvals.decide": Case("manager", url=lambda s: {"approval_id": _submitted_week(s)},
                             valid=lambda s: {"decision": "approve", "comment": "Checked"},
                             landing="week 2026-W10 approved."),
    "approvals.unlock": Case("owner", url=lambda s: {"approval_id": _submitted_week(s, approved=True)},
                             valid=lambda s: {"reason": "The client asked for a correction"},
                             junk={"reason": "  "}, landing="week 2026-W10 unlocked: they may edit it"),
    "time_logs.pause": Case("member", url=_running_timer, landing="Timer paused."),
    "time_logs.resume": Case("member", url=_paused_timer, landing="Timer resumed on Alpha site."),
    "time_logs.idle": Case("member", url=_running_timer, valid=_idle_since,
                           landing="Idle time discarded: the timer goes on on Alpha site."),
    "projects.tags": Case("manager", valid=lambda s: {"name": "Meeting"}, landing="Tag Meeting added."),
    "projects.delete_tag": Case("manager", url=lambda s: {"tag_id": _tag(s)}, landing="deleted"),
    "projects.new_task": Case("admin", url=lambda s: {"project_id": s.alpha_project.id},
                              valid=lambda s: {"task_name": "Launch"}, landing="Task Launch added."),
    "projects.delete_task": Case("admin", url=lambda s: {"project_id": s.alpha_project.id, "task_id": _task(s)},
                                 landing="deleted"),
    "time_logs.undo_delete": Case("member", valid=_undo_token, landing="Entry restored."),
    # projects and clients
    "projects.new": Case("admin", valid=lambda s: {**PROJECT_FORM, "organization_id": s.org.id},
                         landing="Project Relaunch created."),
    "projects.edit": Case("admin", url=lambda s: {"project_id": s.alpha_project.id},
                          valid=lambda s: {**PROJECT_FORM, "organization_id": s.org.id},
                          landing="Project Relaunch saved."),
    "projects.archive": Case("admin", url=lambda s: {"project_id": s.alpha_project.id}, landing="archived"),
    "projects.unarchive": Case("admin", url=lambda s: {"project_id": s.alpha_project.id}, landing="active again"),
    "projects.new_client": Case("admin", valid=lambda s: {"organization_id": s.org.id, "name": "Initech"},
                                landing="Client Initech created."),
    "projects.edit_client": Case("admin", url=lambda s: {"client_id": s.client.id},
                                 valid=lambda s: {"organization_id": s.org.id, "name": "Initech"},
                                 landing="Client Initech saved."),
    "projects.archive_client": Case("admin", url=lambda s: {"client_id": s.client.id}, landing="archived"),
    "projects.unarchive_client": Case("admin", url=lambda s: {"client_id": s.client.id}, landing="active again"),
    # organizations, teams, members, invitations
    "organizations.new_organization": Case("member", valid=lambda s: {"name": "Side Gig"},
                                           landing="Side Gig is ready."),
    "organizations.settings": Case("owner", url=lambda s: {"org_id": s.org.id},
                            valid=lambda s: {"name": "Acme Two", "currency": "EUR", "week_start": "6",
                                             "billing_address": "1 Main St\nSpringfield", "tax_id": "US123",
                                             "billing_email": "billing@acme.test"},
                            landing="Organization settings saved."),
    "organizations.delete_organization": Case("owner", url=lambda s: {"org_id": s.org.id},
                                       valid=lambda s: {"confirm_name": "Acme"}, landing="Deleting Acme"),
    "organizations.request_export": Case("owner", url=lambda s: {"org_id": s.org.id},
                                      landing="Export asked for"),
    "organizations.invite": Case("owner", url=lambda s: {"org_id": s.org.id},
                          valid=lambda s: {"email": "ivy@example.com", "role": "member"},
                          landing="Invitation sent to ivy@example.com."),
    "organizations.resend": Case("owner", url=lambda s: {"invitation_id": _invitation(s).id},
                                 landing="Invitation sent again"),
    "organizations.revoke": Case("owner", url=lambda s: {"invitation_id": _invitation(s).id}, landing="was revoked"),
    "organizations.invitation": Case(None, url=lambda s: {"token": _invitation_token(s)},
                              valid=lambda s: {"name": "Ina Invitee", "password": "a long passphrase"},
                              junk={"password": "x"},
                              landing="Welcome to Acme."),
    "organizations.change_member_role": Case("owner", url=lambda s: {"org_id": s.org.id,
                                                              "membership_id": _membership(s, s.member)},
                                      valid=lambda s: {"role": "manager"}, landing="is now manager"),
    "organizations.remove": Case("owner", url=lambda s: {"org_id": s.org.id, "membership_id": _membership(s, s.member)},
                          landing="was removed from Acme"),
    "organizations.create_team": Case("owner", url=lambda s: {"org_id": s.org.id}, valid=lambda s: {"name": "Gamma"},
                               landing="Team Gamma created."),
    "organizations.rename_team": Case("owner", url=lambda s: {"team_id": s.alpha.id}, valid=lambda s: {"name": "Omega"},
                               landing="Team renamed."),
    "organizations.delete_team": Case("owner", url=lambda s: {"team_id": s.alpha.id}, landing="Team Alpha deleted"),
    "organizations.add_team_member": Case("owner", url=lambda s: {"team_id": s.beta.id},
                                   valid=lambda s: {"user_id": s.member.id}, landing="was added to Beta"),
    "organizations.remove_team_member": Case("owner", url=lambda s: {"team_id": s.alpha.id, "user_id": s.member.id},
                                      landing="was removed from Alpha"),
    "organizations.assign_project": Case("owner", url=lambda s: {"team_id": s.beta.id},
                                  valid=lambda s: {"project_id": s.org_project.id}, landing="now belongs to Beta"),
    # rates (issue 21): the organization's (owners), a project's (those who may edit it)
    "billing.add_organization_rate": Case("owner", url=lambda s: {"org_id": s.org.id}, valid=lambda s: RATE_FORM,
                                          landing="Rate 90.50 from 2026-01-01 added."),
    "billing.remove_organization_rate": Case("owner", url=lambda s: {"org_id": s.org.id, "rate_id": _future_rate(s)},
                                             landing="Rate removed."),
    "billing.add_project_rate": Case("admin", url=lambda s: {"project_id": s.alpha_project.id},
                                     valid=lambda s: {**RATE_FORM, "user_id": str(s.member.id)},
                                     landing="Rate 90.50 from 2026-01-01 added."),
    "billing.remove_project_rate": Case("admin", url=lambda s: {"project_id": s.alpha_project.id,
                                                                "rate_id": _future_rate(s, s.alpha_project)},
                                        landing="Rate removed."),
    # invoices (issue 21 C, owners)
    "billing.create_invoice": Case("owner", prepare=lambda c, s: _invoiceable(s),
                                   valid=lambda s: {"client_id": str(s.client.id), "period_from": "2026-03-01",
                                                    "period_to": "2026-03-31", "grouping": "project"},
                                   landing="Draft invoice to Globex created."),
    "billing.update_invoice": Case("owner", url=lambda s: {"invoice_id": _invoice(s).id},
                                   valid=lambda s: {"tax_rate": "20", "due_on": "2026-04-30", "notes": "Thanks"},
                                   landing="Invoice saved."),
    "billing.update_invoice_line": Case("owner", url=lambda s: {"invoice_id": _invoice(s).id,
                                                                "line_id": s.invoice.lines[0].id},
                                        valid=lambda s: {"description": "Design work"}, junk={"description": " "},
                                        landing="Line saved."),
    "billing.remove_invoice_line": Case("owner", url=lambda s: {"invoice_id": _invoice(s).id,
                                                                "line_id": s.invoice.lines[0].id},
                                        landing="Line removed"),
    "billing.delete_invoice": Case("owner", url=lambda s: {"invoice_id": _invoice(s).id}, landing="Draft deleted."),
    "billing.send_invoice": Case("owner", url=lambda s: {"invoice_id": _invoice(s).id},
                                 landing="sent: its time is locked."),
    "billing.mark_invoice_paid": Case("owner", url=lambda s: {"invoice_id": _invoice(s, "sent").id},
                                      landing="marked paid."),
    "billing.void_invoice": Case("owner", url=lambda s: {"invoice_id": _invoice(s, "sent").id},
                                 landing="void: its time is released."),
    # webhooks (owners)
    "webhooks.create": Case("owner", url=lambda s: {"org_id": s.org.id},
                            valid=lambda s: {"url": "https://example.com/hook", "events": ["timer.started"]},
                            junk={"url": "ftp://x", "events": ["nonsense"]}, landing="shown this once"),
    "webhooks.update": Case("owner", url=lambda s: {"org_id": s.org.id, "endpoint_id": _webhook(s).id},
                            valid=lambda s: {"url": "https://example.com/v2", "events": ["report.ready"]},
                            junk={"url": "javascript:alert(1)"}, landing="Endpoint saved."),
    "webhooks.switch": Case("owner", url=lambda s: {"org_id": s.org.id, "endpoint_id": _webhook(s).id},
                            valid=lambda s: {"active": "0"}, landing="Endpoint switched off"),
    "webhooks.rotate": Case("owner", url=lambda s: {"org_id": s.org.id, "endpoint_id": _webhook(s).id},
                            landing="New signing secret made"),
    "webhooks.delete": Case("owner", url=lambda s: {"org_id": s.org.id, "endpoint_id": _webhook(s).id},
                            landing="Endpoint deleted"),
    "webhooks.replay": Case("owner", url=lambda s: _webhook_delivery(s), landing="1 delivery queued again."),
    "webhooks.replay_failed": Case("owner", url=lambda s: {"org_id": s.org.id, "endpoint_id": _webhook(s).id},
                                   landing="No failed deliveries to replay."),
    # reports and their schedules
    "reports.create": Case("member", valid=lambda s: {**REPORT_FORM, "organization_id": s.org.id},
                           landing='data-testid="report-status" data-status="pending"'),
    "reports.cancel": Case("member", url=lambda s: {"report_id": _report(s).id}, landing="Report canceled."),
    "reports.retry": Case("member", url=lambda s: {"report_id": _report(s, ReportState.FAILED).id},
                          landing='data-testid="report-status" data-status="pending"'),
    "reports.run_again": Case("member", url=lambda s: {"report_id": _report(s).id},
                              landing='data-testid="report-status" data-status="pending"'),
    "reports.delete": Case("member", url=lambda s: {"report_id": _report(s).id}, landing="Report deleted."),
    "reports.save": Case("member", url=lambda s: {"report_id": _report(s).id}, valid=lambda s: {"name": "Mine"},
                         landing="Saved as Mine."),
    "report_shares.create": Case("member", url=lambda s: {"report_id": _report(s, ReportState.COMPLETED).id},
                                 valid=lambda s: {"days": "7"}, landing='data-testid="new-share-link-value"'),
    "report_shares.revoke": Case("member", url=_share, landing="Share link revoked"),
    "reports.run_definition": Case("member", url=lambda s: {"definition_id": _definition(s).id},
                                   landing='data-testid="report-status" data-status="pending"'),
    "imports.index": Case("owner", url=lambda s: {"org_id": s.org.id}, valid=_import_upload,
                          landing="Import of toggl.csv"),
    "imports.confirm": Case("owner", url=lambda s: {"org_id": s.org.id, "import_id": _import(s, "planned")},
                            landing="Importing…"),
    "imports.undo": Case("owner", url=lambda s: {"org_id": s.org.id, "import_id": _import(s, "imported")},
                         landing="Undone: removed 0 entries"),
    "reports.delete_definition": Case("member", url=lambda s: {"definition_id": _definition(s).id},
                                      landing="Saved report Monthly deleted."),
    "report_schedules.update": Case("member", url=lambda s: {"definition_id": _definition(s).id},
                                    valid=lambda s: {"frequency": "weekly", "recipients": [s.member.id]},
                                    landing="Monthly is sent weekly to 1 people."),
    # notifications
    "notifications.read": Case("member", url=lambda s: {"notification_id": _notification(s)},
                               landing="Your timer runs long"),
    "notifications.open_": Case("member", url=lambda s: {"notification_id": _notification(s)},
                                landing='data-testid="time-log-row"'),
    "notifications.read_all": Case("member", url=lambda s: (_notification(s), {})[1], landing="Your timer runs long"),
    "notifications.unsubscribe_confirm": Case(None, url=lambda s: {"token": _unsubscribe_token(s)},
                                              landing="no longer gets e-mail about this"),
    # dashboards
    "dashboard.recompute": Case("member", valid=lambda s: {"key": f"dashboard:user:{s.member.id}"},
                                landing='data-testid="dashboard-loading"'),
    # job monitor
    "job_monitor.retry": Case("member", url=lambda s: {"identifier": _failed_job(s)}, landing="job requeued."),
    "job_monitor.cancel": Case("member", url=lambda s: {"identifier": _pending_job(s)}, landing="job canceled."),
    "job_monitor.pause_queue": Case("sysadmin", url=lambda s: {"name": "default"}, landing="Queue default is paused"),
    "job_monitor.resume_queue": Case("sysadmin", url=lambda s: {"name": "default"},
                                     landing="Queue default is running."),
    "job_monitor.run_recurring": Case("sysadmin", url=lambda s: {"name": "cleanup"}, landing="cleanup: job"),
    "job_monitor.enable_recurring": Case("sysadmin", url=lambda s: {"name": "cleanup"},
                                  landing="Recurring entry cleanup is enabled"),
    "job_monitor.disable_recurring": Case("sysadmin", url=lambda s: {"name": "cleanup"},
                                   landing="Recurring entry cleanup is disabled"),
    "job_monitor.bulk_start": Case("sysadmin", url=lambda s: (_failed_job(s), {})[1],
                            valid=lambda s: {"action": "retry", "status": "failed", "expected": "1"},
                            landing="Retry of 1 job started"),
    "job_monitor.restore": Case("member", url=lambda s: {"identifier": _discarded_job(s)}, landing="job restored"),
    "job_monitor.mark_known": Case("sysadmin", url=lambda s: {"key": _failure_cluster(s)},
                                   landing="no longer count in the operator alerts"),
    "job_monitor.mark_unknown": Case("sysadmin", url=lambda s: {"key": _failure_cluster(s, known=True)},
                                     landing="counts in the operator alerts again"),
}


RATE_FORM = {"kind": "billable", "user_id": "0", "amount": "90.5", "effective_from": "2026-01-01"}


def _future_rate(s, project=None) -> int:
    from datetime import timedelta

    from app.billing import rate_service
    rate = rate_service.add(s.org, kind="cost", amount=None, effective_from=date.today() + timedelta(days=30),
                            actor=s.owner, project=project)
    s.db.session.commit()
    return rate.id


def _invoiceable(s) -> None:
    from tests.invoice_data import invoiceable_time
    invoiceable_time(s.factory, s.db, s)


def _invoice(s, status: str = "draft"):
    from app.billing import invoices
    from app.models import InvoiceGrouping
    from tests.invoice_data import PERIOD
    _invoiceable(s)
    s.invoice = invoices.draft(s.client, *PERIOD, InvoiceGrouping.PROJECT, actor=s.owner).invoice
    if status == "sent":
        invoices.send(s.invoice, actor=s.owner)
    s.db.session.commit()
    return s.invoice


def _webhook(s):
    from app.webhooks import endpoints
    return endpoints.create(s.owner, s.org, "https://example.com/hook", "", ["time_entry.created"])


def _webhook_delivery(s) -> dict:
    from app.webhooks.emit import emit
    endpoint = _webhook(s)
    return {"org_id": s.org.id, "endpoint_id": endpoint.id,
            "delivery_id": emit(s.org.id, "time_entry.created", {"id": 1})[0].id}


def _access_token(s) -> int:
    from app.accounts.access_tokens import create_token
    return create_token(s.member, "laptop")[0].id


def _unsubscribe_token(s) -> str:
    from app.notifications import emails
    return emails.unsubscribe_token(s.member, "budget")


@pytest.fixture()
def scene(factory, db, redis_conn):
    s = factory.world()
    s.factory, s.db, s.redis = factory, db, redis_conn
    return s


def _post_endpoints(app) -> set[str]:
    return {rule.endpoint for rule in app.url_map.iter_rules()
            if "POST" in rule.methods and rule.endpoint.split(".")[0] not in EXEMPT
            and rule.endpoint not in EXEMPT_ENDPOINTS}


def test_every_post_endpoint_has_a_case(app):
    """A new POST route must say here how it is submitted, so the checks below cover it."""
    endpoints = _post_endpoints(app)
    assert len(endpoints) >= 59
    assert sorted(endpoints - set(CASES)) == [], "POST routes without a case in CASES"
    assert sorted(set(CASES) - endpoints) == [], "cases for routes that no longer exist"


def _check_refusal_or_redirect(response, what: str) -> None:
    status, text = response.status_code, response.get_data(as_text=True)
    assert status != 200, f"{what}: 200 to a form POST (Turbo shows nothing)"
    assert status == 303 or status in REFUSALS, f"{what}: answered {status}\n{text[:1500]}"
    if status == 303:
        assert response.headers.get("Location"), what
    else:  # the form again with its errors, or a page saying why
        assert INLINE_ERROR.search(text) or SAYS_WHY.search(text), f"{what}: a {status} that says nothing\n{text}"


@pytest.mark.parametrize("endpoint", sorted(CASES))
def test_every_form_answers_303_or_an_error_page_never_200(app, client, scene, endpoint):
    """Signed out, then signed in: empty and junk (when the form has fields), valid, and the valid one again
    (a double submit): each answers 303 or a refusal page; the valid one leads to a page showing its result."""
    case = CASES[endpoint]
    with app.test_request_context():
        from flask import url_for

        path = url_for(endpoint, **case.url(scene))
    if case.user is not None:  # signed out: to the sign-in page (303)
        response = client.post(path, data=case.valid(scene))
        assert response.status_code == 303 and response.headers["Location"].startswith("/login"), endpoint
        login(client, getattr(scene, case.user))
    if case.prepare:
        case.prepare(client, scene)
    valid = case.valid(scene)
    if valid:
        _check_refusal_or_redirect(client.post(path, data={}), f"{endpoint}, empty")
        junk = {key: "\u2028 <b>not valid</b> " * 3 for key in valid}
        _check_refusal_or_redirect(client.post(path, data={**junk, **case.junk}), f"{endpoint}, junk")

    response = client.post(path, data=valid)
    assert response.status_code == 303, f"{endpoint}, valid: {response.status_code}\n" \
                                        f"{response.get_data(as_text=True)[:3000]}"
    landing = client.get(response.headers["Location"])
    assert landing.status_code == 200, f"{endpoint}: the next page answered {landing.status_code}"
    if case.landing:
        assert case.landing in landing.get_data(as_text=True), \
            f"{endpoint}: the next page does not show {case.landing!r}"
    _check_refusal_or_redirect(client.post(path, data=valid), f"{endpoint}, submitted again")


def test_a_signed_out_post_goes_back_to_the_page_it_came_from_after_sign_in(client, scene):
    """A form posted from a page whose session has ended: 303 to the sign-in page, whose `next` is that page
    (a POST-only URL there would answer 405 after signing in)."""
    response = client.post("/time-logs/timer/stop", headers={"Referer": "http://localhost/projects?status=all"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/login?next=%2Fprojects%3Fstatus%3Dall"
    assert "Please log in to access this page." in client.get(response.headers["Location"]).get_data(as_text=True)
    signed_in = client.post(response.headers["Location"], data={"email": scene.member.email, "password": "password"})
    assert signed_in.status_code == 303 and signed_in.headers["Location"] == "/projects?status=all"
    client.post("/logout")
    for referrer in ("https://evil.example/projects", "", "http://localhost//evil.example/x"):
        elsewhere = client.post("/time-logs/timer/stop", headers={"Referer": referrer} if referrer else {})
        assert elsewhere.status_code == 303 and elsewhere.headers["Location"] == "/login", referrer
    assert scene.member.running_timer is None  # nothing was done signed out


def test_an_entrys_edit_lands_on_its_next_page_only_when_it_is_ours(client, scene):
    """The edit form opened from a report's Detailed page (`?next=`) carries it through the save and lands there; a
    `next` leading off the site (or malformed) lands on the time list instead: never an open redirect."""
    login(client, scene.member)
    data = {**ENTRY_FORM, "project_id": scene.alpha_project.id}
    path = f"/time-logs/{scene.member_log.id}/edit"
    form = client.get(path, query_string={"next": "/reports/7?tab=detailed&page=2"}).get_data(as_text=True)
    assert 'name="next" value="/reports/7?tab=detailed&amp;page=2"' in form and "Back to the report" in form
    response = client.post(path, data={**data, "next": "/reports/7?tab=detailed&page=2"})
    assert response.status_code == 303 and response.headers["Location"] == "/reports/7?tab=detailed&page=2"
    for elsewhere in ("https://evil.example/x", "//evil.example/x", "/\\evil.example", "javascript:alert(1)"):
        response = client.post(path, data={**data, "next": elsewhere})
        assert response.status_code == 303 and response.headers["Location"] == "/time-logs", elsewhere
        assert "evil" not in client.get(path, query_string={"next": elsewhere}).get_data(as_text=True)


def test_saving_unchanged_organization_settings_says_so(client, scene):
    """Saving the settings as they are changes nothing and records nothing, and the page says so (it said nothing)."""
    login(client, scene.owner)
    data = {"name": scene.org.name, "currency": scene.org.currency, "week_start": str(scene.org.week_start or 0)}
    response = client.post(f"/organizations/{scene.org.id}/settings", data=data)
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Nothing changed: the settings were already these." in page and "settings saved" not in page
