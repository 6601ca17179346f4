"""/jobs/failures: failed jobs grouped by fingerprint (kind, exception class, innermost frame of our code), stored
when a job fails on a real worker; each cluster shows its count, first and last seen and the organizations it hit,
and has one audited bulk action each: retry, discard, mark known (which keeps it out of the operator alerts)."""
from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
from rq import Queue

from app.models import AuditEntry, JobStatus, KnownFailure, utcnow
from app.models.job_status import failure_fingerprint, failure_origin
from app.notifications.operator_alerts import failed_jobs
from tests.conftest import login
from tests.jobrows import job_rows


def traceback_at(path: str, func: str, exception: str, message: str, line: int = 10) -> str:
    return ("Traceback (most recent call last):\n"
            f'  File "/srv/timeboard/.venv/lib/python3.11/site-packages/rq/job.py", line 1, in perform\n'
            f"    return self.func()\n"
            f'  File "/srv/timeboard/{path}", line {line}, in {func}\n'
            f"    raise {exception}(...)\n"
            f"{exception}: {message}\n")


def failures(db, n, kind, path, func, exception, message, line=10, **fields) -> tuple[str, list[str]]:
    """n failed rows with one stored traceback; returns (their fingerprint, their ids)."""
    tb = traceback_at(path, func, exception, message, line)
    key = failure_fingerprint(kind, tb, message)
    return key, job_rows(db, n, kind=kind, error=message, traceback=tb, fingerprint=key, **fields)


@pytest.fixture()
def world(factory):
    return factory.world()


def clusters(html: str) -> dict[str, str]:
    return {m[1]: m[0] for m in re.finditer(r'<article class="failure-cluster"[^>]*data-cluster="([^"]+)".*?</article>',
                                            html, re.S)}


def test_a_real_failure_stores_its_fingerprint_and_a_success_clears_it(db, run_jobs, redis_conn, world):
    first = Queue("default", connection=redis_conn).enqueue("jobs.runner.perform", "fail", "disk on fire")
    second = Queue("default", connection=redis_conn).enqueue("jobs.runner.perform", "fail", "other words 42")
    run_jobs()
    rows = {r.rq_job_id: r for r in db.session.scalars(db.select(JobStatus))}
    assert rows[first.id].status == "failed" and rows[first.id].fingerprint
    assert rows[first.id].fingerprint == rows[second.id].fingerprint  # same kind, exception and place
    assert failure_origin(rows[first.id].traceback) == ("RuntimeError", "jobs/diagnostics.py:fail")
    retried = rows[first.id]
    retried.complete("fixed")
    assert retried.fingerprint is None


def test_fingerprints_tell_places_and_exceptions_apart_but_not_line_numbers():
    base = failure_fingerprint("echo", traceback_at("app/reports/query.py", "rows", "KeyError", "'x'"), "x")
    assert base == failure_fingerprint("echo", traceback_at("app/reports/query.py", "rows", "KeyError", "'y'", 99),
                                       "y")
    assert base != failure_fingerprint("echo", traceback_at("app/reports/query.py", "totals", "KeyError", "'x'"), "x")
    assert base != failure_fingerprint("echo", traceback_at("app/reports/query.py", "rows", "ValueError", "x"), "x")
    assert base != failure_fingerprint("cleanup", traceback_at("app/reports/query.py", "rows", "KeyError", "x"), "x")
    # without a traceback: the message, numbers and ids blanked
    assert failure_fingerprint("echo", None, "Could not enqueue: Error 111 connecting") == \
        failure_fingerprint("echo", None, "Could not enqueue: Error 104 connecting")


def test_clusters_show_count_first_and_last_seen_and_organizations(client, db, world):
    key, ids = failures(db, 3, "send_email", "app/notifications/mail.py", "send", "SMTPServerDisconnected",
                        "Connection unexpectedly closed", organization_id=world.org.id)
    job_rows(db, 1, kind="send_email", error="Connection unexpectedly closed", age=timedelta(hours=5),
             traceback=traceback_at("app/notifications/mail.py", "send", "SMTPServerDisconnected", "x", 77),
             fingerprint=key, organization_id=world.other_org.id)
    other, _ = failures(db, 2, "send_email", "app/notifications/mail.py", "render", "TemplateNotFound", "x.html")
    job_rows(db, 2, kind="send_email", status="completed")
    login(client, world.sysadmin)
    html = client.get("/jobs/failures").get_data(as_text=True)
    found = clusters(html)
    assert set(found) == {key, other}
    smtp = unescape(found[key])
    assert 'data-count="4"' in smtp and "SMTPServerDisconnected" in smtp and "app/notifications/mail.py:send" in smtp
    assert "Acme" in smtp and "Other Inc" in smtp and "2 organizations" in smtp
    assert "Send e-mail" in smtp
    first, last = re.search(r"First seen (\S+ \S+) UTC, last seen\s*<time[^>]*>(\S+ \S+)</time>", smtp).groups()
    assert first < last  # five hours apart
    assert f"/jobs?cluster={key}&status=failed" in smtp.replace("&amp;", "&")
    listed = client.get(f"/jobs?cluster={key}&status=failed").get_data(as_text=True)
    assert "4 jobs found" in listed and all(job_id in listed for job_id in ids)


def test_owners_see_their_organizations_clusters_and_members_none(client, db, world):
    ours, _ = failures(db, 2, "cleanup", "app/maintenance/cleanup.py", "run", "OSError", "disk",
                       organization_id=world.org.id)
    theirs, _ = failures(db, 1, "cleanup", "app/maintenance/cleanup.py", "sweep", "OSError", "disk",
                         organization_id=world.other_org.id)
    login(client, world.owner)
    page = client.get("/jobs/failures")
    assert page.status_code == 200 and set(clusters(page.get_data(as_text=True))) == {ours}  # not {theirs}
    assert "Mark known" not in page.get_data(as_text=True)  # system admins only
    assert client.post(f"/jobs/failures/{ours}/known").status_code == 403
    client.post("/logout")
    login(client, world.member)
    assert client.get("/jobs/failures").status_code == 403
    assert theirs != ours


def test_retrying_a_cluster_is_an_audited_bulk_action_over_its_jobs_only(client, db, world, redis_conn, run_jobs):
    key, ids = failures(db, 3, "echo", "jobs/diagnostics.py", "echo", "RuntimeError", "flaky", rq=redis_conn)
    _, others = failures(db, 2, "echo", "jobs/diagnostics.py", "other", "RuntimeError", "flaky", rq=redis_conn)
    login(client, world.sysadmin)
    response = client.post("/jobs/bulk", data={"action": "retry", "cluster": key, "status": "failed",
                                               "expected": "3"})
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Retry of 3 jobs started" in page
    entry = db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "jobs.bulk_retry"))
    assert entry is not None and key in entry.target and entry.details["count"] == 3
    run_jobs(["maintenance"])
    db.session.expire_all()
    states = {r.rq_job_id: r.status for r in db.session.scalars(db.select(JobStatus))}
    assert all(states[i] == "pending" for i in ids) and all(states[i] == "failed" for i in others)


def test_a_known_cluster_stops_counting_in_the_operator_alerts(client, db, world, app):
    known, _ = failures(db, 3, "cleanup", "app/maintenance/cleanup.py", "run", "OSError", "disk full",
                        age=timedelta(minutes=1))
    login(client, world.sysadmin)
    response = client.post(f"/jobs/failures/{known}/known")
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/jobs/failures#cluster-{known}")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "its failures no longer count in the operator alerts" in page
    assert 'data-known="yes"' in clusters(page)[known]
    assert db.session.get(KnownFailure, known).marked_by_id == world.sysadmin.id
    assert failed_jobs(utcnow()) == 0  # only known failures: no alert
    fresh, _ = failures(db, 1, "cleanup", "app/maintenance/cleanup.py", "vacuum", "OSError", "locked",
                        age=timedelta(seconds=30))
    assert failed_jobs(utcnow()) == 1  # a new cluster of the same kind alerts (one system admin)
    alert = db.session.scalar(db.select(db.text("body FROM notifications WHERE kind = 'operator_alert'")))
    assert "1 'Cleanup' job(s) failed" in alert  # the known ones are not counted in it
    assert client.post(f"/jobs/failures/{known}/unknown").status_code == 303
    assert db.session.get(KnownFailure, known) is None
    actions = [e.action for e in db.session.scalars(db.select(AuditEntry).order_by(AuditEntry.id))]
    assert actions == ["jobs.cluster_known", "jobs.cluster_unknown"]
    assert client.post("/jobs/failures/0123456789abcdef/known").status_code == 404
    assert client.post("/jobs/failures/not-a-key/known").status_code == 404
    assert fresh != known


def test_a_bad_cluster_filter_says_so(client, world):
    login(client, world.sysadmin)
    response = client.get("/jobs?cluster=%3Cscript%3E")
    assert response.status_code == 422 and "A failure cluster is named by its 16-character fingerprint" in \
        unescape(response.get_data(as_text=True))
