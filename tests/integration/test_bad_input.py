"""Bad input answers a clear 4xx (or a CLI message and exit code 2), never a 500 or a silent guess:
NUL bytes anywhere, non-ASCII digits, far-off dates, exponents, non-ids, DST gaps; and what the
edit form, the coalesced jobs and rq-dashboard's compact must get right (issue #7, items 12 to 17)."""
from __future__ import annotations

import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.models import Client, JobStatus, Project, TimeLog, utcnow
from tests.conftest import login
from tests.integration.test_dashboard_pages import client_for

NUL_MESSAGE = "NUL character"
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def _count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _entry(project, **overrides) -> dict:
    data = {"project_id": project.id, "day": "2026-03-02", "start": "09:00", "end": "10:30",
            "duration": "", "description": "Wrote the quarterly report", "billable": "y"}
    data.update(overrides)
    return data


def _project_data(w, **overrides) -> dict:
    data = {"organization_id": w.org.id, "name": "Website relaunch", "client_id": "0", "team_id": "0",
            "budget_hours": "", "billable": "y"}
    data.update(overrides)
    return data


# -- 12. NUL bytes ---------------------------------------------------------------------------------------
def test_a_nul_byte_in_the_sign_in_email_is_400_for_an_anonymous_visitor(client, factory):
    w = factory.world()
    response = client.post("/login", data={"email": w.owner.email + "\x00", "password": "password"})
    assert response.status_code == 400 and NUL_MESSAGE in response.get_data(as_text=True)


@pytest.mark.parametrize("url, field", [
    ("/time-logs/new", "description"),
    ("/time-logs/timer/start", "description"),
    ("/projects/new", "name"),
    ("/clients/new", "name"),
])
def test_a_nul_byte_in_a_form_is_400_and_stores_nothing(client, factory, url, field):
    w = factory.world()
    login(client, w.owner)
    data = {"/time-logs/new": _entry(w.org_project), "/time-logs/timer/start": {"project_id": w.org_project.id},
            "/projects/new": _project_data(w), "/clients/new": {"organization_id": w.org.id}}[url]
    data[field] = "Before\x00after"
    before = [_count(factory.db, m) for m in (TimeLog, Project, Client)]
    response = client.post(url, data=data)
    assert response.status_code == 400 and NUL_MESSAGE in response.get_data(as_text=True)
    assert [_count(factory.db, m) for m in (TimeLog, Project, Client)] == before


@pytest.mark.parametrize("url", ["/time-logs?from=2026-01-01%00", "/jobs?kind=echo%00", "/jobs/abc%00def",
                                 "/projects?status=%00"])
def test_a_nul_byte_in_a_url_is_400(client, factory, url):
    w = factory.world()
    login(client, w.member)
    response = client.get(url)
    assert response.status_code == 400 and NUL_MESSAGE in response.get_data(as_text=True)


def test_a_nul_byte_in_a_json_body_or_a_field_name_is_400(client, factory):
    w = factory.world()
    login(client, w.member)
    assert client.post("/time-logs/timer/start", json={"description": ["ok", {"x": "a\x00"}]}).status_code == 400
    assert client.post("/time-logs/timer/start", data={"project_id": w.alpha_project.id,
                                                       "descr\x00iption": "x"}).status_code == 400


def test_deeply_nested_json_is_not_a_500_for_an_anonymous_visitor(client):
    """The NUL guard scans a JSON body as bytes: parsing 500 levels of nesting would raise RecursionError."""
    nested = "[" * 500 + "]" * 500
    response = client.get("/login", data=nested, content_type="application/json")
    assert response.status_code == 200
    escaped = '{"a": "x\\u0000"}'  # JSON's escape of a NUL, not a raw byte
    assert client.post("/login", data=escaped, content_type="application/json").status_code == 400


def _csrf(opener, url: str) -> str:
    with opener.open(url, timeout=10) as response:
        return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', response.read().decode())[1]


def _post(opener, url: str, data: dict) -> tuple[int, str]:
    try:
        with opener.open(url, data=urllib.parse.urlencode(data).encode(), timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def test_nul_bytes_through_the_full_stack_answer_400_not_a_database_error(start_web, factory):
    """A real gunicorn process with CSRF on, against the test database (PostgreSQL with DATABASE_URL)."""
    w = factory.world()
    base = start_web()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    token = _csrf(opener, base + "/login")
    status, body = _post(opener, base + "/login", {"csrf_token": token, "email": "owner\x00@acme.test",
                                                   "password": "password"})
    assert status == 400 and NUL_MESSAGE in body
    status, _ = _post(opener, base + "/login", {"csrf_token": token, "email": w.owner.email, "password": "password"})
    assert status == 200  # signed in, redirected to the dashboard
    token = _csrf(opener, base + "/time-logs/new")
    status, body = _post(opener, base + "/time-logs/new", {**_entry(w.org_project, description="a\x00b"),
                                                           "csrf_token": token})
    assert status == 400 and NUL_MESSAGE in body
    token = _csrf(opener, base + "/projects/new")
    status, body = _post(opener, base + "/projects/new", {**_project_data(w, name="P\x00"), "csrf_token": token})
    assert status == 400 and NUL_MESSAGE in body


def test_the_cli_refuses_a_nul_byte_in_a_json_argument(app, db):
    result = app.test_cli_runner().invoke(args=["jobs", "run", "echo", '"a\\u0000b"'])
    assert result.exit_code == 2 and "NUL" in result.output
    assert _count(db, JobStatus) == 0


# -- 13. strict numbers, dates, ids and wall-clock times ---------------------------------------------------
@pytest.mark.parametrize("overrides, message", [
    ({"end": "", "duration": "١٢"}, "Duration must be minutes"),
    ({"end": "", "duration": "١:30"}, "Duration must be minutes"),
    ({"day": "2200-01-01"}, "Give a date between 2000-01-01 and"),
    ({"day": "1999-12-31"}, "at most a year ahead"),
])
def test_entries_take_ascii_digits_and_dates_from_2000_to_a_year_ahead(client, factory, overrides, message):
    w = factory.world()
    login(client, w.member)
    response = client.post("/time-logs/new", data=_entry(w.alpha_project, **overrides))
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert _count(factory.db, TimeLog) == 3  # the world's logs only


def test_an_entry_a_year_ahead_is_fine_and_one_day_more_is_not(client, factory):
    w = factory.world()
    login(client, w.member)
    today = utcnow().date()
    limit = today.replace(year=today.year + 1, day=min(today.day, 28))
    assert client.post("/time-logs/new", data=_entry(w.alpha_project, day=limit.isoformat())).status_code == 303
    too_far = (limit + timedelta(days=32)).isoformat()
    assert client.post("/time-logs/new", data=_entry(w.alpha_project, day=too_far)).status_code == 422


def test_a_project_id_in_arabic_indic_digits_is_no_id(client, factory):
    w = factory.world()
    login(client, w.member)
    response = client.post("/time-logs/new", data=_entry(w.alpha_project,
                                                         project_id=str(w.alpha_project.id).translate(ARABIC_INDIC)))
    assert response.status_code == 422 and "Choose one of your active projects." in response.get_data(as_text=True)


@pytest.mark.parametrize("overrides, message", [
    ({"budget_hours": "1e-999"}, "Budget must be a number of hours"),
    ({"budget_hours": "1E3"}, "Budget must be a number of hours"),
    ({"budget_hours": "١٢"}, "Budget must be a number of hours"),
    ({"budget_hours": "0.001"}, "at most two decimals"),
    ({"client_id": "abc"}, "Choose one of your organization&#39;s clients."),
    ({"team_id": "abc"}, "Choose a team you may manage."),
    ({"client_id": ""}, "Choose one of your organization&#39;s clients."),
])
def test_project_budgets_are_plain_decimals_and_client_and_team_are_ids(client, factory, overrides, message):
    w = factory.world()
    login(client, w.owner)
    response = client.post("/projects/new", data=_project_data(w, **overrides))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html and 'data-testid="project-form"' in html
    assert factory.db.session.scalar(select(Project).where(Project.name == "Website relaunch")) is None


def test_a_plain_budget_with_a_comma_is_kept_exactly(client, factory):
    w = factory.world()
    login(client, w.owner)
    assert client.post("/projects/new", data=_project_data(w, budget_hours="7,25")).status_code == 303
    project = factory.db.session.scalar(select(Project).where(Project.name == "Website relaunch"))
    assert str(project.budget_hours) == "7.25" and project.client_id is None and project.team_id is None


def test_a_time_inside_a_daylight_saving_gap_is_named_as_such(client, factory):
    w = factory.world()
    w.member.time_zone = "Europe/Paris"  # 2026-03-29: 02:00 jumps to 03:00
    factory.db.session.commit()
    login(client, w.member)
    response = client.post("/time-logs/new", data=_entry(w.alpha_project, day="2026-03-29", start="02:30",
                                                         end="03:30"))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "02:30 does not exist on 2026-03-29 in the Europe/Paris time zone" in html
    assert "End must be after start" not in html
    ok = client.post("/time-logs/new", data=_entry(w.alpha_project, day="2026-03-29", start="01:30", end="03:30"))
    assert ok.status_code == 303  # 01:30 +01:00 to 03:30 +02:00: one real hour
    log = factory.db.session.scalar(select(TimeLog).where(TimeLog.start_time == datetime(2026, 3, 29, 0, 30)))
    assert log.duration_minutes == 60


# -- 14. the CLI and rq-dashboard ------------------------------------------------------------------------
def test_jobs_run_for_an_unknown_user_is_a_message_and_exit_code_2(app, db):
    result = app.test_cli_runner().invoke(args=["jobs", "run", "echo", "hello", "--user-id", "999999"])
    assert result.exit_code == 2
    assert "no user with id 999999" in result.output and "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert _count(db, JobStatus) == 0


def test_jobs_run_with_a_key_too_long_to_store_is_a_message_and_exit_code_2(app, db):
    result = app.test_cli_runner().invoke(args=["jobs", "run", "echo", "hello", "--key", "k" * 201])
    assert result.exit_code == 2 and "--key takes 1 to 200 characters" in result.output
    assert "Traceback" not in result.output and _count(db, JobStatus) == 0


def test_jobs_run_for_a_real_user_records_them(app, factory):
    w = factory.world()
    result = app.test_cli_runner().invoke(args=["jobs", "run", "echo", "hello", "--user-id", str(w.member.id)])
    assert result.exit_code == 0, result.output
    assert factory.db.session.scalar(select(JobStatus.user_id)) == w.member.id


def test_rq_dashboard_compact_of_a_queue_without_a_key_is_not_a_500(client, factory, redis_conn):
    w = factory.world()
    login(client, w.sysadmin)
    headers = {"Sec-Fetch-Site": "same-origin"}
    assert not redis_conn.exists("rq:queue:default")
    response = client.post("/admin/rq/queue/default/compact", headers=headers)
    assert response.status_code == 200 and response.get_json()["status"] == "OK"
    response = client.post("/admin/rq/queue/no-such-queue/compact", headers=headers)
    assert response.status_code == 404 and "no-such-queue" in response.get_json()["error"]


def test_rq_dashboard_compact_of_a_real_queue_still_compacts(client, factory, redis_conn):
    from app.background.enqueue import enqueue

    w = factory.world()
    enqueue("echo", "a")
    redis_conn.rpush("rq:queue:default", "gone-job-id")  # a dead entry, what compact removes
    login(client, w.sysadmin)
    response = client.post("/admin/rq/queue/default/compact", headers={"Sec-Fetch-Site": "same-origin"})
    assert response.status_code == 200
    assert redis_conn.llen("rq:queue:default") == 1


def test_only_system_admins_reach_the_compact_guard(client, factory):
    w = factory.world()
    login(client, w.owner)
    assert client.post("/admin/rq/queue/no-such-queue/compact",
                       headers={"Sec-Fetch-Site": "same-origin"}).status_code == 403


# -- 15 and 16. the edit form keeps what was not edited; long logs stay editable ----------------------------
def _shown(html: str, name: str) -> str:
    match = re.search(rf'<(?:input|textarea)[^>]*name="{name}"[^>]*>', html)
    value = re.search(r'value="([^"]*)"', match[0]) if match else None
    return value[1] if value else ""


def _resubmit(client, log, **changes):
    """Post the edit form back as the page showed it, with `changes`."""
    html = client.get(f"/time-logs/{log.id}/edit").get_data(as_text=True)
    data = {name: _shown(html, name) for name in ("day", "start", "end", "duration")}
    data.update(project_id=log.project_id, description=log.description, billable="y")
    data.update(changes)
    return client.post(f"/time-logs/{log.id}/edit", data=data), html


def test_changing_only_the_description_keeps_the_stored_seconds(client, factory):
    w = factory.world()
    start = datetime(2026, 3, 2, 9, 0, 37)
    log = factory.time_log(w.member, w.alpha_project, start=start, minutes=75)
    log.end_time = datetime(2026, 3, 2, 10, 15, 12)
    factory.db.session.commit()
    login(client, w.member)
    response, _ = _resubmit(client, log, description="Only this changed")
    assert response.status_code == 303
    factory.db.session.expire_all()
    saved = factory.db.session.get(TimeLog, log.id)
    assert (saved.description, saved.start_time, saved.end_time) == (
        "Only this changed", datetime(2026, 3, 2, 9, 0, 37), datetime(2026, 3, 2, 10, 15, 12))


def test_editing_the_times_still_takes_them_to_the_minute(client, factory):
    w = factory.world()
    log = factory.time_log(w.member, w.alpha_project, start=datetime(2026, 3, 2, 9, 0, 37), minutes=60)
    login(client, w.member)
    response, _ = _resubmit(client, log, start="08:00")
    assert response.status_code == 303
    factory.db.session.expire_all()
    assert factory.db.session.get(TimeLog, log.id).start_time == datetime(2026, 3, 2, 8, 0)


def test_a_log_longer_than_24_hours_is_editable_but_cannot_grow(client, factory):
    w = factory.world()
    start = datetime(2026, 3, 2, 9, 0, 20)
    log = factory.time_log(w.member, w.alpha_project, start=start, minutes=30 * 60, description="Timer left on")
    login(client, w.member)
    response, html = _resubmit(client, log, description="Timer left on over the weekend")
    assert "a timer left running" in html and "30h 00m" in html
    assert response.status_code == 303, response.get_data(as_text=True)
    factory.db.session.expire_all()
    saved = factory.db.session.get(TimeLog, log.id)
    assert saved.description == "Timer left on over the weekend" and saved.end_time == start + timedelta(hours=30)
    shorter, _ = _resubmit(client, saved, duration=str(26 * 60))
    assert shorter.status_code == 303
    factory.db.session.expire_all()
    assert factory.db.session.get(TimeLog, log.id).duration_minutes == 26 * 60
    longer, _ = _resubmit(client, factory.db.session.get(TimeLog, log.id), duration=str(27 * 60))
    assert longer.status_code == 422 and "may keep its length but not grow" in longer.get_data(as_text=True)


def test_new_entries_are_still_capped_at_24_hours_and_say_so(client, factory):
    w = factory.world()
    login(client, w.member)
    page = client.get("/time-logs/new").get_data(as_text=True)
    assert "at most 24 hours long" in page
    response = client.post("/time-logs/new", data=_entry(w.alpha_project, end="", duration="1500"))
    assert response.status_code == 422 and "between 1 minute and 24 hours" in response.get_data(as_text=True)


# -- 17. a coalesced job names its requester honestly -------------------------------------------------------
def _job_rows(html: str) -> list[str]:
    return re.findall(r'<tr id="job-([0-9a-f]+)" data-testid="job-row"', html)


def test_a_dashboard_job_two_users_asked_for_is_shared_not_the_first_ones(app, factory):
    w = factory.world()
    owner, admin = client_for(app, w.owner), client_for(app, w.admin)
    assert owner.get(f"/dashboard/org/{w.org.id}").status_code == 200
    job = factory.db.session.scalar(select(JobStatus))
    assert job.user_id == w.owner.id and _job_rows(owner.get("/jobs").get_data(as_text=True)) == [job.rq_job_id]
    assert owner.get(f"/dashboard/org/{w.org.id}").status_code == 200  # the same requester again: still theirs
    factory.db.session.expire_all()
    assert factory.db.session.get(JobStatus, job.id).user_id == w.owner.id
    assert admin.get(f"/dashboard/org/{w.org.id}").status_code == 200  # coalesced into the same job
    factory.db.session.expire_all()
    assert _count(factory.db, JobStatus) == 1
    assert factory.db.session.get(JobStatus, job.id).user_id is None
    # nobody's own job any more; its organization's owners and admins still see it as the organization's
    assert factory.db.session.get(JobStatus, job.id).organization_id == w.org.id
    for user_client in (owner, admin):
        assert _job_rows(user_client.get("/jobs").get_data(as_text=True)) == [job.rq_job_id]
    member = client_for(app, w.member)
    assert _job_rows(member.get("/jobs").get_data(as_text=True)) == []
    assert member.get(f"/jobs/{job.rq_job_id}").status_code == 404
    root = client_for(app, w.sysadmin)
    assert job.rq_job_id in _job_rows(root.get("/jobs").get_data(as_text=True))


def test_a_job_one_user_asked_for_stays_theirs(app, factory):
    from app.background.enqueue import enqueue

    w = factory.world()
    first = enqueue("echo", "x", key="k", user_id=w.member.id)
    again = enqueue("echo", "x", key="k", user_id=w.member.id)
    assert again.id == first.id and again.user_id == w.member.id
    system = enqueue("echo", "x", key="k")  # the system (a live update) joins: no longer one user's
    assert system.id == first.id and system.user_id is None
