"""Issue 17: every link in every e-mail starts with APP_URL, the site's public address, in every process. A worker
under honcho has a PORT of its own (5300), and its e-mails used to link there (a dead port); a request's links
came from its Host header, which the sender chooses. bin/dev sets APP_URL for every process; production refuses to
start without it. And a subject is one line: a project named with a line break made its budget e-mails fail.

Real parts: worker subprocesses whose environment differs from the web's, honcho running the Procfile with
bin/dev's environment, the development outbox (one .eml per message)."""
from __future__ import annotations

import subprocess
import sys
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from urllib.request import urlopen

import pytest
from sqlalchemy import select

from app.models import JobState, JobStatus, Notification, Report, utcnow
from app.models.report_schedule import ReportSchedule, ReportScheduleRun
from tests.conftest import login
from tests.mailbox import LINK, body, empty_outbox, outbox
from tests.processes import ROOT, Process, free_port, process_env, wait_for_http

PUBLIC = "https://timeboard.example.test"


@pytest.fixture()
def mails(app):
    """The outbox, emptied around the test; mails(n) waits for n messages (written by a worker process)."""
    folder = Path(app.config["OUTBOX_DIR"])
    empty_outbox(folder)

    def wait(count: int, timeout: float = 60) -> list:
        deadline = time.time() + timeout
        while len(outbox(folder)) < count and time.time() < deadline:
            time.sleep(0.2)
        found = outbox(folder)
        assert len(found) >= count, f"{len(found)} e-mail(s) arrived, expected {count}"
        return found

    yield wait
    empty_outbox(folder)


def _links(message) -> list[str]:
    """Every link of the message: its plain text, its HTML part and its List-Unsubscribe header."""
    text = body(message)
    html = message.get_body(("html",))
    found = LINK.findall(text) + (LINK.findall(html.get_content()) if html is not None else [])
    if message["List-Unsubscribe"]:
        found.append(message["List-Unsubscribe"].strip().strip("<>"))
    return [link.rstrip('">.,') for link in found]


def _over_budget(factory, db, name: str):
    w = factory.world()
    project = w.org_project
    project.name, project.budget_hours = name, Decimal("1")
    db.session.commit()
    factory.time_log(w.owner, project, start=utcnow() - timedelta(hours=3), minutes=90, description="Over budget")
    return w, project


def _wait_jobs(db, kind: str, count: int, timeout: float = 60) -> list[JobStatus]:
    deadline = time.time() + timeout
    while time.time() < deadline:
        db.session.expire_all()
        done = db.session.scalars(select(JobStatus).where(JobStatus.kind == kind, JobStatus.status.in_(
            [JobState.COMPLETED, JobState.FAILED]))).all()
        if len(done) >= count:
            return done
        time.sleep(0.2)
    raise AssertionError(f"fewer than {count} {kind} jobs finished")


# -- 1. a worker whose environment differs from the web's ------------------------------------------------------
def test_a_budget_email_for_a_project_named_with_line_breaks_is_sent_one_line_and_links_to_app_url(
        app, db, factory, start_worker, mails):
    """Through a real worker (PORT 5300 as under honcho, APP_URL the public address): the budget check, its
    notification and its e-mail. The subject folds the project's line breaks; every link starts with APP_URL."""
    from app.background.enqueue import enqueue
    w, project = _over_budget(factory, db, "Alpha\r\nsite\nphase 2")
    start_worker("mail", "notifications", PORT="5300", APP_URL=PUBLIC + "/")
    enqueue("budget_check", project.id)
    messages = mails(2)  # the owner and the admin
    assert {m["To"] for m in messages} == {w.owner.email, w.admin.email}
    for message in messages:
        assert message["Subject"] == "Alpha site phase 2 has reached 100% of its budget"
        links = _links(message)
        assert f"{PUBLIC}/projects/{project.id}/edit" in links
        assert any(link.startswith(f"{PUBLIC}/notifications/unsubscribe/") for link in links)
        assert links and all(link.startswith(PUBLIC + "/") for link in links), links
        assert ":5300" not in body(message)
    emails = _wait_jobs(db, "notification_email", 2)
    assert [j.status for j in emails] == [JobState.COMPLETED] * 2, [j.error_message for j in emails]
    titles = db.session.scalars(select(Notification.title).where(Notification.kind == "budget")).all()
    assert titles == ["Alpha site phase 2 has reached 100% of its budget"] * 2  # the bell's title: one line too


def test_a_scheduled_reports_email_links_to_app_url(app, db, factory, start_worker, mails):
    from app.reports import runs
    from app.reports.notices import report_finished
    from app.reports.params import ReportParams
    w = factory.world()
    params = ReportParams(organization_id=w.org.id, range="last_month", format="csv")
    definition = runs.save_definition(w.owner, "Monthly\nhours", params)
    db.session.add(ReportSchedule(definition_id=definition.id, frequency="monthly", recipient_ids=[w.manager.id]))
    report = Report(user_id=w.owner.id, organization_id=w.org.id, params=params.to_dict(), format="csv")
    report.restart()
    db.session.add(report)
    db.session.flush()
    db.session.add(ReportScheduleRun(definition_id=definition.id, period="2026-11", report_id=report.id))
    report.complete("gone.csv", "monthly.csv", 3, 10, {})
    db.session.commit()
    start_worker("mail", "notifications", PORT="5300", APP_URL=PUBLIC)
    report_finished(report)
    (message,) = mails(1)
    assert message["To"] == w.manager.email and message["Subject"] == "Monthly hours (2026-11)"
    links = _links(message)
    assert f"{PUBLIC}/reports/{report.id}" in links and all(link.startswith(PUBLIC + "/") for link in links)


# -- 2. links made in a request: APP_URL, not the Host header --------------------------------------------------
def test_links_made_in_a_request_start_with_app_url_whatever_the_host_header(app, db, factory, client, start_worker,
                                                                             mails, monkeypatch):
    """An invitation, a password reset (and the note to an address that already has an account), a sign-up
    confirmation and an address change: the request names another host; the links name APP_URL."""
    monkeypatch.setitem(app.config, "APP_URL", PUBLIC)
    w = factory.world()
    evil = "http://evil.test"
    login(client, w.owner)
    assert client.post(f"/organizations/{w.org.id}/invitations", base_url=evil,
                       data={"email": "new@elsewhere.test", "role": "member"}).status_code == 303
    assert client.post("/settings/email", base_url=evil, data={"email-email": "owner2@acme.test",
                                                               "email-current_password": "password"}).status_code == 303
    client.post("/logout")
    assert client.post("/password/forgot", base_url=evil, data={"email": w.member.email}).status_code in (200, 303)
    for address in ("fresh@elsewhere.test", w.manager.email):
        assert client.post("/signup", base_url=evil, data={"name": "N", "email": address,
                                                           "password": "a long passphrase"}).status_code == 303
    start_worker("mail", "notifications", PORT="5300", APP_URL=PUBLIC)
    messages = mails(5)
    expected = {"new@elsewhere.test": "/invitations/accept/", "owner2@acme.test": "/settings/email/confirm/",
                w.member.email: "/password/reset/", "fresh@elsewhere.test": "/signup/confirm/",
                w.manager.email: "/password/reset/"}
    assert {m["To"] for m in messages} == set(expected)
    for message in messages:
        (link,) = _links(message)
        assert link.startswith(PUBLIC + expected[message["To"]]), (message["To"], link)


# -- 3. bin/dev's environment under honcho: the worker's links lead to the web -------------------------------------
def test_under_honcho_with_bin_devs_environment_a_workers_links_lead_to_the_web(app, db, factory, mails):
    """The Procfile's web and worker, started by honcho with bin/dev's environment (bin/dev-env, no APP_URL given):
    honcho gives the worker a PORT of its own; its e-mail's links are the web's address, and they answer."""
    from app.background.enqueue import enqueue
    w, project = _over_budget(factory, db, "Alpha")
    port = free_port()
    honcho = Process(["bash", "-c", 'source bin/dev-env && exec honcho start -f Procfile -p "$PORT" web worker'],
                     f"honcho-mail-{port}", PORT=port, APP_URL="", WEB_CONCURRENCY=1, WEB_THREADS=4)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for_http(base + "/healthz", timeout=60)
        enqueue("budget_check", project.id)
        messages = mails(2)
        for message in messages:
            links = _links(message)
            assert links and all(link.startswith(base + "/") for link in links), (links, honcho.output()[-2000:])
            unsubscribe = next(link for link in links if "/unsubscribe/" in link)
            with urlopen(unsubscribe, timeout=10) as page:  # a live page, not a dead port
                assert page.status == 200 and "Stop e-mailing" in page.read().decode()
        assert "APP_URL is not set" not in honcho.output()  # bin/dev-env set it for the worker
    finally:
        honcho.stop()


# -- 4. production refuses to start without it ---------------------------------------------------------------------
def test_app_url_is_required_in_production_and_must_be_an_http_address(tmp_path, monkeypatch):
    from app.config import ConfigError, load_config
    monkeypatch.setenv("SECRET_KEY", "a production secret")
    monkeypatch.delenv("APP_URL", raising=False)
    with pytest.raises(ConfigError, match="APP_URL must be set when APP_ENV=production"):
        load_config(str(tmp_path), {"APP_ENV": "production"})
    monkeypatch.setenv("APP_URL", "timeboard.example.com")
    with pytest.raises(ConfigError, match="APP_URL must be an http"):
        load_config(str(tmp_path), {"APP_ENV": "production"})
    monkeypatch.setenv("APP_URL", "https://timeboard.example.com/")
    assert load_config(str(tmp_path), {"APP_ENV": "production"})["APP_URL"] == "https://timeboard.example.com"
    monkeypatch.delenv("APP_URL")
    monkeypatch.setenv("PORT", "5050")
    assert load_config(str(tmp_path), {"APP_ENV": "development"})["APP_URL"] == "http://127.0.0.1:5050"


@pytest.mark.parametrize("command", [
    [sys.executable, "-m", "flask", "jobs", "worker", "--burst"],
    [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "wsgi:app"],
], ids=["worker", "web"])
def test_a_production_process_without_app_url_exits_with_the_message(command):
    env = process_env(APP_ENV="production", SECRET_KEY="a production secret", PORT=free_port(), WEB_CONCURRENCY=1)
    env.pop("APP_URL", None)
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "Timeboard cannot start: APP_URL must be set when APP_ENV=production" in result.stderr, result.stderr[-2000:]


def test_a_development_worker_without_app_url_says_so(app, db, start_worker):
    worker = start_worker("mail", "notifications", APP_URL="", PORT="5300")
    deadline = time.time() + 30
    while "APP_URL is not set" not in worker.output() and time.time() < deadline:
        time.sleep(0.2)
    assert "APP_URL is not set: links in the e-mails this worker sends start with http://127.0.0.1:5300" in \
        worker.output()


def test_one_line_folds_every_kind_of_line_break():
    from app.notifications.mail import one_line
    assert one_line("Alpha\r\nsite\nphase\u2028two\x0bthree\tfour  five ") == "Alpha site phase two three four five"
    assert one_line(None) == "" and one_line("Budget") == "Budget"
