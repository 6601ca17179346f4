"""The time pages: timer start/stop, the list (scope, filters, pagination, time zones), manual entries."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.models import TimeLog, utcnow
from tests.conftest import login


def _count(db) -> int:
    return db.session.scalar(select(func.count()).select_from(TimeLog))


def _entry(project, **overrides) -> dict:
    data = {"project_id": project.id, "day": "2026-03-02", "start": "09:00", "end": "10:30",
            "duration": "", "description": "Wrote the quarterly report", "billable": "y"}
    data.update(overrides)
    return data


# -- the list ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("role", ["sysadmin", "owner", "admin", "manager", "member", "beta_member", "outsider"])
def test_time_list_answers_200_for_every_role_and_shows_only_visible_logs(client, factory, role):
    w = factory.world()
    user = getattr(w, role)
    login(client, user)
    html = client.get("/time-logs?who=all").get_data(as_text=True)  # My time's "everyone I may see"
    visible = {
        "sysadmin": {"member_log", "beta_log", "other_log"}, "owner": {"member_log", "beta_log"},
        "admin": {"member_log", "beta_log"}, "manager": {"member_log"}, "member": {"member_log"},
        "beta_member": {"beta_log"}, "outsider": {"other_log"},
    }[role]
    for name in ("member_log", "beta_log", "other_log"):
        log = getattr(w, name)
        assert (f'id="timelog-{log.id}"' in html) == (name in visible), name
    own = client.get("/time-logs").get_data(as_text=True)  # by default: your own time only
    for name in ("member_log", "beta_log", "other_log"):
        log = getattr(w, name)
        assert (f'id="timelog-{log.id}"' in own) == (log.user_id == user.id), name


def test_time_list_is_newest_first_with_20_per_page(client, factory):
    w = factory.world()
    base = utcnow() - timedelta(days=30)
    logs = [factory.time_log(w.member, w.alpha_project, start=base + timedelta(hours=i), minutes=30) for i in range(24)]
    login(client, w.member)
    first = client.get("/time-logs").get_data(as_text=True)
    second = client.get("/time-logs?page=2").get_data(as_text=True)
    assert first.count('data-testid="time-log-row"') == 20
    assert second.count('data-testid="time-log-row"') == 5  # 24 + the world's member_log
    assert first.index(f'id="timelog-{w.member_log.id}"') < first.index(f'id="timelog-{logs[-1].id}"')
    assert f'id="timelog-{logs[0].id}"' in second
    assert "Page 1 of 2" in first


def test_time_list_filters_by_local_date_range_and_project(client, factory):
    w = factory.world()
    w.member.time_zone = "America/New_York"
    factory.db.session.commit()
    # 2026-03-03 02:00 UTC is still 2026-03-02 in New York.
    late = factory.time_log(w.member, w.alpha_project, start=datetime(2026, 3, 3, 2, 0), minutes=30)
    next_day = factory.time_log(w.member, w.alpha_project, start=datetime(2026, 3, 3, 15, 0), minutes=30)
    other_project = factory.time_log(w.member, w.org_project, start=datetime(2026, 3, 2, 15, 0), minutes=30)
    login(client, w.member)
    html = client.get("/time-logs?from=2026-03-02&to=2026-03-02").get_data(as_text=True)
    assert f"timelog-{late.id}" in html and f"timelog-{other_project.id}" in html
    assert f"timelog-{next_day.id}" not in html
    assert "2026-03-02" in html and "21:00" in html  # shown in the user's zone
    html = client.get(f"/time-logs?project={w.org_project.id}").get_data(as_text=True)
    assert f"timelog-{other_project.id}" in html and f"timelog-{late.id}" not in html


@pytest.mark.parametrize("query, message", [
    ("from=2026-02-30", "is not a valid date"),
    ("to=yesterday", "is not a valid date"),
    ("project=abc", "is not a project"),
    ("page=-1", "is not a page number"),
    ("from=2026-03-05&to=2026-03-01", "before"),
    ("project=999999", "project is unknown"),
    ("from=2026-02-30&project=abc&page=-1", "is not a page number"),
])
def test_garbage_filters_answer_422_with_a_message_and_still_list(client, factory, query, message):
    w = factory.world()
    login(client, w.member)
    response = client.get(f"/time-logs?{query}")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html
    assert f"timelog-{w.member_log.id}" in html


def test_foreign_project_filter_is_refused_not_leaked(client, factory):
    w = factory.world()
    login(client, w.member)
    response = client.get(f"/time-logs?project={w.other_project.id}")
    assert response.status_code == 422
    assert "Other project" not in response.get_data(as_text=True)


def test_running_timer_row_is_highlighted_and_header_shows_it(client, factory):
    w = factory.world()
    running = factory.time_log(w.member, w.alpha_project, start=utcnow() - timedelta(minutes=5), minutes=None)
    login(client, w.member)
    html = client.get("/time-logs").get_data(as_text=True)
    assert f'id="timelog-{running.id}" data-testid="time-log-row" class="running"' in html
    assert 'data-testid="stop-timer"' in html and 'data-testid="timer-elapsed">0:05:' in html


def test_start_timer_form_offers_only_loggable_projects(client, factory):
    w = factory.world()
    w.org_project.archive()
    factory.db.session.commit()
    login(client, w.member)
    html = client.get("/time-logs").get_data(as_text=True)
    form = html[html.index('data-testid="start-timer-form"'):]
    form = form[:form.index("</form>")]
    assert "Alpha site" in form
    assert "Internal" not in form and "Beta app" not in form and "Other project" not in form


# -- timer start / stop --------------------------------------------------------------------------------
def test_start_and_stop_redirect_back_with_303(client, factory):
    w = factory.world()
    login(client, w.member)
    response = client.post("/time-logs/timer/start", data={"project_id": w.alpha_project.id},
                           headers={"Referer": "http://localhost/projects?status=all"})
    assert response.status_code == 303 and response.headers["Location"] == "/projects?status=all"
    assert w.member.running_timer is not None
    html = client.get("/projects").get_data(as_text=True)
    assert 'data-testid="timer-project">Alpha site' in html
    response = client.post("/time-logs/timer/stop", headers={"Referer": "http://localhost/organizations"})
    assert response.status_code == 303 and response.headers["Location"] == "/organizations"
    factory.db.session.expire_all()
    assert w.member.running_timer is None


def test_start_refuses_a_foreign_referrer_as_redirect_target(client, factory):
    w = factory.world()
    login(client, w.member)
    response = client.post("/time-logs/timer/start", data={"project_id": w.alpha_project.id},
                           headers={"Referer": "https://evil.example/phish"})
    assert response.status_code == 303 and response.headers["Location"] == "/time-logs"


@pytest.mark.parametrize("project_attr, status", [("other_project", 404), ("beta_project", 404)])
def test_start_on_a_project_the_user_may_not_see_is_404(client, factory, project_attr, status):
    w = factory.world()
    login(client, w.member)
    response = client.post("/time-logs/timer/start", data={"project_id": getattr(w, project_attr).id})
    assert response.status_code == status
    assert w.member.running_timer is None


def test_start_on_archived_project_or_without_project_is_422(client, factory):
    w = factory.world()
    w.alpha_project.archive()
    factory.db.session.commit()
    login(client, w.member)
    response = client.post("/time-logs/timer/start", data={"project_id": w.alpha_project.id})
    assert response.status_code == 422 and "archived" in response.get_data(as_text=True)
    assert client.post("/time-logs/timer/start", data={"project_id": "abc"}).status_code == 422
    assert w.member.running_timer is None


def test_header_offers_quick_start_when_no_timer_runs(client, factory):
    w = factory.world()
    login(client, w.member)
    html = client.get("/organizations").get_data(as_text=True)
    assert 'data-testid="quick-start"' in html and 'href="/time-logs#start-timer"' in html
    assert client.post("/time-logs/timer/stop").status_code == 409


# -- manual entries ------------------------------------------------------------------------------------
def test_add_entry_converts_local_times_to_utc(client, factory):
    w = factory.world()
    w.member.time_zone = "Europe/Paris"
    factory.db.session.commit()
    login(client, w.member)
    assert client.get("/time-logs/new").status_code == 200
    response = client.post("/time-logs/new", data=_entry(w.alpha_project, billable=""))
    assert response.status_code == 303
    log = factory.db.session.scalar(select(TimeLog).where(TimeLog.description == "Wrote the quarterly report"))
    assert (log.start_time, log.end_time) == (datetime(2026, 3, 2, 8, 0), datetime(2026, 3, 2, 9, 30))
    assert log.duration_minutes == 90 and log.billable is False and log.user_id == w.member.id


def test_add_entry_with_a_duration(client, factory):
    w = factory.world()
    login(client, w.member)
    response = client.post("/time-logs/new", data=_entry(w.alpha_project, end="", duration="1:15"))
    assert response.status_code == 303
    log = factory.db.session.scalar(select(TimeLog).where(TimeLog.description == "Wrote the quarterly report"))
    assert log.duration_minutes == 75 and log.end_time - log.start_time == timedelta(minutes=75)


@pytest.mark.parametrize("overrides, message", [
    ({"end": "08:00"}, "End must be after start."),
    ({"end": "09:00"}, "End must be after start."),
    ({"project_id": "999999"}, "Choose one of your active projects."),
    ({"project_id": "abc"}, "Choose one of your active projects."),
    ({"description": "   "}, "Description is required."),
    ({"description": "x" * 10_000}, "Description must be at most 1000 characters."),
    ({"day": "2026-02-30"}, "Not a valid date value"),
    ({"day": "0001-01-01"}, "Give a date between"),
    ({"start": "25:99"}, "Not a valid time value"),
    ({"end": "", "duration": "abc"}, "Duration must be minutes"),
    ({"end": "", "duration": "-5"}, "Duration must be minutes"),
    ({"end": "", "duration": "2000"}, "between 1 minute and 24 hours"),
    ({"end": "", "duration": ""}, "Give an end time or a duration."),
    ({"end": "10:00", "duration": "30"}, "not both"),
])
def test_invalid_entry_rerenders_with_inline_message_and_422_and_changes_nothing(client, factory, overrides,
                                                                                   message):
    w = factory.world()
    login(client, w.member)
    before = _count(factory.db)
    response = client.post("/time-logs/new", data=_entry(w.alpha_project, **overrides))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html and 'data-testid="entry-form"' in html
    assert _count(factory.db) == before


@pytest.mark.parametrize("project_attr", ["other_project", "beta_project"])
def test_entry_on_a_foreign_or_hidden_project_is_422(client, factory, project_attr):
    w = factory.world()
    login(client, w.member)
    before = _count(factory.db)
    response = client.post("/time-logs/new", data=_entry(getattr(w, project_attr)))
    assert response.status_code == 422 and "Choose one of your active projects." in response.get_data(as_text=True)
    assert _count(factory.db) == before


def test_edit_own_entry_changes_it(client, factory):
    w = factory.world()
    login(client, w.member)
    page = client.get(f"/time-logs/{w.member_log.id}/edit")
    assert page.status_code == 200 and w.member_log.description in page.get_data(as_text=True)
    response = client.post(f"/time-logs/{w.member_log.id}/edit",
                           data=_entry(w.org_project, description="Edited", start="13:00", end="14:00"))
    assert response.status_code == 303
    factory.db.session.expire_all()
    log = factory.db.session.get(TimeLog, w.member_log.id)
    assert (log.description, log.project_id, log.duration_minutes) == ("Edited", w.org_project.id, 60)
    assert log.start_time == datetime(2026, 3, 2, 13, 0)


def test_invalid_edit_is_422_and_leaves_the_entry_unchanged(client, factory):
    w = factory.world()
    login(client, w.member)
    original = (w.member_log.start_time, w.member_log.end_time, w.member_log.description)
    response = client.post(f"/time-logs/{w.member_log.id}/edit", data=_entry(w.alpha_project, end="08:00",
                                                                               description="changed"))
    assert response.status_code == 422 and "End must be after start." in response.get_data(as_text=True)
    factory.db.session.expire_all()
    log = factory.db.session.get(TimeLog, w.member_log.id)
    assert (log.start_time, log.end_time, log.description) == original


def test_edit_running_timer_keeps_it_running_without_end(client, factory):
    w = factory.world()
    running = factory.time_log(w.member, w.alpha_project, start=utcnow() - timedelta(minutes=10), minutes=None)
    login(client, w.member)
    start = running.start_time
    response = client.post(f"/time-logs/{running.id}/edit", data=_entry(
        w.alpha_project, day=start.strftime("%Y-%m-%d"), start=start.strftime("%H:%M"), end="", description="Focus"))
    assert response.status_code == 303
    factory.db.session.expire_all()
    log = factory.db.session.get(TimeLog, running.id)
    assert log.is_running and log.description == "Focus"


def test_a_running_timer_cannot_be_moved_into_the_future(client, factory):
    w = factory.world()
    running = factory.time_log(w.member, w.alpha_project, start=utcnow() - timedelta(minutes=10), minutes=None)
    login(client, w.member)
    later = (utcnow() + timedelta(days=2)).strftime("%Y-%m-%d")  # within the entry window (a year ahead)
    response = client.post(f"/time-logs/{running.id}/edit", data=_entry(
        w.alpha_project, day=later, start="09:00", end="", description="Later"))
    assert response.status_code == 422
    assert "cannot start in the future" in response.get_data(as_text=True)
    factory.db.session.expire_all()
    assert factory.db.session.get(TimeLog, running.id).start_time == running.start_time


@pytest.mark.parametrize("role, log_attr, status", [
    ("member", "beta_log", 404), ("outsider", "member_log", 404), ("manager", "member_log", 403),
    ("beta_member", "member_log", 404), ("owner", "member_log", 200), ("member", "member_log", 200),
])
def test_edit_page_access_by_role(client, factory, role, log_attr, status):
    w = factory.world()
    login(client, getattr(w, role))
    assert client.get(f"/time-logs/{getattr(w, log_attr).id}/edit").status_code == status


@pytest.mark.parametrize("bad_id", ["abc", "999999", "-1", "1.5"])
def test_bad_log_ids_are_404(client, factory, bad_id):
    w = factory.world()
    login(client, w.member)
    assert client.get(f"/time-logs/{bad_id}/edit").status_code == 404
    assert client.post(f"/time-logs/{bad_id}/delete").status_code == 404


def test_delete_own_entry_removes_it(client, factory):
    w = factory.world()
    login(client, w.member)
    response = client.post(f"/time-logs/{w.member_log.id}/delete")
    assert response.status_code == 303
    assert factory.db.session.get(TimeLog, w.member_log.id) is None


@pytest.mark.parametrize("role, status", [("manager", 403), ("beta_member", 404), ("outsider", 404)])
def test_delete_of_someone_elses_entry_is_refused(client, factory, role, status):
    w = factory.world()
    login(client, getattr(w, role))
    assert client.post(f"/time-logs/{w.member_log.id}/delete").status_code == status
    assert factory.db.session.get(TimeLog, w.member_log.id) is not None
