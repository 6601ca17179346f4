"""The week timesheet (/timesheet): which week a YYYY-Www names (Monday or Sunday weeks), the cell arithmetic
(typing hours creates, adjusts and clears the cell's own entry, never someone's timer entries), who may see and
change whose week, the Turbo Stream answer, live signals, rows and continue."""
from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from app.live.topics import can_receive
from app.models import Task, TimeLog, utcnow
from app.time_tracking import timesheet
from app.time_tracking.timesheet import BadWeek, CellError
from tests.conftest import login
from tests.integration.notify_helpers import Pushes

WEEK = "2026-W10"  # Monday 2 March 2026 .. Sunday 8 March (ISO)
TUESDAY = date(2026, 3, 3)
STREAM = "text/vnd.turbo-stream.html"


def _logs(db, user, project=None) -> list[TimeLog]:
    query = select(TimeLog).where(TimeLog.user_id == user.id)
    if project is not None:
        query = query.where(TimeLog.project_id == project.id)
    db.session.expire_all()
    return list(db.session.scalars(query.order_by(TimeLog.id)))


def _type(client, project, hours, day=TUESDAY, user=None, stream=False):
    data = {"project_id": project.id, "day": day.isoformat(), "hours": hours}
    if user is not None:
        data["user"] = user.id
    headers = {"Accept": STREAM} if stream else {}
    return client.post("/timesheet/cell", data=data, headers=headers)


def _switch(client, user) -> None:
    client.post("/logout")
    login(client, user)


@pytest.fixture()
def w(factory, client):
    world = factory.world()
    login(client, world.member)
    return world


# -- weeks ---------------------------------------------------------------------------------------------
def test_a_week_name_is_its_iso_monday_week_and_sunday_weeks_start_the_day_before():
    assert timesheet.parse_week("2026-W10", 0) == date(2026, 3, 2)  # Monday
    assert timesheet.parse_week("2026-W10", 6) == date(2026, 3, 1)  # the Sunday before
    assert timesheet.label(date(2026, 3, 1), 6) == "2026-W10"
    assert timesheet.first_day(date(2026, 3, 1), 0) == date(2026, 2, 23)  # a Sunday ends a Monday week
    assert timesheet.first_day(date(2026, 3, 1), 6) == date(2026, 3, 1)  # and starts a Sunday week
    assert timesheet.first_day(date(2026, 3, 7), 6) == date(2026, 3, 1)  # Saturday ends it
    assert timesheet.parse_week("2026-W53", 0) == date(2026, 12, 28)  # 2026 has 53 ISO weeks
    assert timesheet.label(date(2027, 1, 3), 6) == "2027-W01"  # Sunday 3 Jan 2027 starts Monday 4 Jan's week
    with pytest.raises(BadWeek, match="2025 has no week 53"):
        timesheet.parse_week("2025-W53", 0)


@pytest.mark.parametrize("typed, minutes", [("1.5", 90), ("1,5", 90), ("1:30", 90), ("90m", 90), ("2", 120),
                                            ("2h", 120), ("1h30m", 90), (" 0 ", 0), ("", 0), ("0:00", 0),
                                            (".25", 15), ("24", 1440)])
def test_hours_are_read_as_decimal_hours_hours_minutes_or_minutes(typed, minutes):
    assert timesheet.parse_hours(typed) == minutes


@pytest.mark.parametrize("typed", ["abc", "-1", "1:75", "24:01", "25", "1.5.5", "١", "1e3"])
def test_hours_that_are_not_a_duration_or_past_a_day_are_refused_with_a_message(typed):
    with pytest.raises(CellError):
        timesheet.parse_hours(typed)


@pytest.mark.parametrize("raw", ["2026-W54", "2025-W53", "2026-W00", "2026-13", "abc", "2026-W1", "1999-W10",
                                 "2026-W10x", "9999-W10", "２０２６-W10"])
def test_a_bad_week_value_answers_400_with_a_clear_message(w, client, raw):
    response = client.get("/timesheet", query_string={"week": raw})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'class="card error-page"' in html
    assert "week" in html.lower() or "Weeks from" in html


def test_the_page_shows_this_week_by_default_and_links_the_weeks_around_it(w, client):
    html = client.get("/timesheet").get_data(as_text=True)
    this = timesheet.this_week(w.member)
    assert f"<strong>{this.label}</strong>" in html
    assert f"week={this.previous.label}" in html and f"week={this.next.label}" in html
    assert 'data-testid="nav-timesheet"' in html


def test_a_sunday_week_shows_sunday_to_saturday_and_counts_sundays_time_there(w, client, factory, db):
    factory.time_log(w.member, w.alpha_project, start=datetime(2026, 3, 1, 10), minutes=45)  # a Sunday
    args = {"week": WEEK, "rows": w.alpha_project.id}  # the row shows either way
    monday_week = client.get("/timesheet", query_string=args).get_data(as_text=True)
    assert f"ts-cell-{w.alpha_project.id}-2026-03-01" not in monday_week  # Monday weeks: it is last week's
    assert f"ts-cell-{w.alpha_project.id}-2026-03-08" in monday_week
    w.org.week_start = 6
    db.session.commit()
    sunday_week = client.get("/timesheet", query_string=args).get_data(as_text=True)
    assert f'id="ts-cell-{w.alpha_project.id}-2026-03-01"' in sunday_week
    assert f"ts-cell-{w.alpha_project.id}-2026-03-08" not in sunday_week
    assert "Sun 01 Mar – Sat 07 Mar 2026" in sunday_week
    assert 'data-testid="week-total"><strong>0:45</strong>' in sunday_week


def test_days_are_the_persons_local_days(w, client, factory, db):
    w.member.time_zone = "America/New_York"
    db.session.commit()
    # 02:00 UTC on Wednesday is still Tuesday evening in New York
    factory.time_log(w.member, w.alpha_project, start=datetime(2026, 3, 4, 2), minutes=30)
    html = client.get("/timesheet", query_string={"week": WEEK}).get_data(as_text=True)
    cell = html.split(f'id="ts-cell-{w.alpha_project.id}-2026-03-03"')[1].split("</td>")[0]
    assert 'value="0:30"' in cell, cell


# -- the cell arithmetic -------------------------------------------------------------------------------
def test_typing_hours_into_an_empty_cell_creates_the_cells_own_entry(w, client, db):
    response = _type(client, w.alpha_project, "1.5")
    assert response.status_code == 303
    assert "week=2026-W10" in response.headers["Location"]
    [log] = _logs(db, w.member, w.alpha_project)[1:]  # after the world's own log
    assert (log.description, log.duration_minutes, log.start_time) == ("Timesheet", 90, datetime(2026, 3, 3, 9))
    assert log.billable == w.alpha_project.billable
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f'id="ts-row-{w.alpha_project.id}-total" class="num ts-total" data-testid="row-total">1:30' in html
    assert 'id="ts-day-2026-03-03-total" class="num ts-total" data-testid="day-total">1:30' in html
    assert 'data-testid="week-total"><strong>1:30</strong>' in html


def test_typing_again_adjusts_the_same_entry_up_and_down_and_zero_or_empty_clears_it(w, client, db):
    _type(client, w.alpha_project, "2")
    [own] = [log for log in _logs(db, w.member, w.alpha_project) if log.description == "Timesheet"]
    assert _type(client, w.alpha_project, "3:15").status_code == 303
    assert [(log.id, log.duration_minutes) for log in _logs(db, w.member, w.alpha_project)
            if log.description == "Timesheet"] == [(own.id, 195)]
    assert _type(client, w.alpha_project, "45m").status_code == 303
    assert db.session.get(TimeLog, own.id).duration_minutes == 45
    assert _type(client, w.alpha_project, "0").status_code == 303
    assert db.session.get(TimeLog, own.id) is None
    _type(client, w.alpha_project, "1")
    assert _type(client, w.alpha_project, "").status_code == 303
    assert [log for log in _logs(db, w.member, w.alpha_project) if log.description == "Timesheet"] == []


def test_a_cell_with_other_entries_is_adjusted_by_its_own_entry_only(w, client, factory, db):
    timer = factory.time_log(w.member, w.alpha_project, start=datetime(2026, 3, 3, 14), minutes=60,
                             description="Client call")
    form_entry = factory.time_log(w.member, w.alpha_project, start=datetime(2026, 3, 3, 16), minutes=30,
                                  description="Review")
    page = client.get("/timesheet", query_string={"week": WEEK}).get_data(as_text=True)
    assert 'value="1:30"' in page  # both entries make the cell

    assert _type(client, w.alpha_project, "2.5").status_code == 303  # up: a 60-minute entry of its own
    own = [log for log in _logs(db, w.member, w.alpha_project) if log.description == "Timesheet"]
    assert [log.duration_minutes for log in own] == [60]
    assert _type(client, w.alpha_project, "2").status_code == 303  # down: only its own entry shrinks
    assert db.session.get(TimeLog, own[0].id).duration_minutes == 30
    assert _type(client, w.alpha_project, "1:30").status_code == 303  # down to the others: its own goes
    assert db.session.get(TimeLog, own[0].id) is None

    for refused in ("1", "0", ""):  # below what the others hold: refused, nothing rewritten
        response = _type(client, w.alpha_project, refused)
        assert response.status_code == 422
        assert "1:30 of this day come from 2 other entries" in response.get_data(as_text=True)
    db.session.expire_all()
    assert (db.session.get(TimeLog, timer.id).duration_minutes, db.session.get(TimeLog, form_entry.id).duration_minutes,
            db.session.get(TimeLog, timer.id).description) == (60, 30, "Client call")


def test_typing_the_same_total_changes_nothing(w, client, factory, db):
    factory.time_log(w.member, w.alpha_project, start=datetime(2026, 3, 3, 14), minutes=90)
    before = [(log.id, log.duration_minutes) for log in _logs(db, w.member)]
    assert _type(client, w.alpha_project, "1:30").status_code == 303
    assert [(log.id, log.duration_minutes) for log in _logs(db, w.member)] == before


def test_a_running_timer_shows_in_its_cell_which_cannot_be_typed_into(w, client, factory, db):
    today = timesheet.this_week(w.member)
    timer = factory.time_log(w.member, w.alpha_project, start=utcnow() - timedelta(minutes=5), minutes=None)
    html = client.get("/timesheet").get_data(as_text=True)
    day = timer.start_time.date()
    cell = html.split(f'id="ts-cell-{w.alpha_project.id}-{day.isoformat()}"')[1].split("</td>")[0]
    assert 'data-testid="timesheet-running"' in cell and "<input" not in cell
    assert today.first <= day <= today.last
    response = _type(client, w.alpha_project, "3", day=day)
    assert response.status_code == 422
    assert "A timer is running in this cell" in response.get_data(as_text=True)
    assert db.session.get(TimeLog, timer.id).end_time is None


@pytest.mark.parametrize("hours", ["abc", "25", "-2"])
def test_bad_hours_are_refused_with_a_message_and_store_nothing(w, client, db, hours):
    before = len(_logs(db, w.member))
    response = _type(client, w.alpha_project, hours)
    assert response.status_code == 422
    assert len(_logs(db, w.member)) == before


@pytest.mark.parametrize("day", ["", "2026-02-30", "yesterday", "1999-01-01"])
def test_a_bad_day_is_a_4xx_never_a_500(w, client, day):
    response = client.post("/timesheet/cell", data={"project_id": w.alpha_project.id, "day": day, "hours": "1"})
    assert response.status_code == 422


def test_the_stream_answer_replaces_the_cell_and_every_total(w, client, factory):
    factory.time_log(w.member, w.org_project, start=datetime(2026, 3, 3, 8), minutes=60)
    response = _type(client, w.alpha_project, "1:30", stream=True)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith(STREAM)
    body = response.get_data(as_text=True)
    for target, shown in [(f"ts-cell-{w.alpha_project.id}-2026-03-03", 'value="1:30"'),
                          (f"ts-row-{w.alpha_project.id}-total", ">1:30<"), ("ts-day-2026-03-03-total", ">2:30<"),
                          ("ts-week-total", "<strong>2:30</strong>")]:
        part = body.split(f'target="{target}"')[1].split("</turbo-stream>")[0]
        assert shown in part, target
    refused = _type(client, w.alpha_project, "lots", stream=True)
    assert refused.status_code == 422 and refused.headers["Content-Type"].startswith(STREAM)
    assert 'data-testid="cell-error"' in refused.get_data(as_text=True)
    assert 'value="lots"' in refused.get_data(as_text=True)  # what was typed stays, to correct it


# -- whose week ----------------------------------------------------------------------------------------
def test_someone_elses_week_is_a_404_unless_the_policy_lets_you_see_their_time(w, client, factory):
    for raw in (w.beta_member.id, w.outsider.id, "abc", "99999", "-1"):
        assert client.get("/timesheet", query_string={"user": raw}).status_code == 404, raw
        assert _type(client, w.alpha_project, "1", user=type("U", (), {"id": raw})).status_code == 404, raw
    factory.time_log(w.member, w.alpha_project, start=datetime(2026, 3, 3, 10), minutes=120,
                     description="Member's work")
    _switch(client, w.manager)  # the member's team manager: sees, but (like entries) cannot change
    html = client.get("/timesheet", query_string={"user": w.member.id, "week": WEEK}).get_data(as_text=True)
    assert w.member.name in html and 'data-testid="week-total"><strong>2:00</strong>' in html
    assert "ts-input" not in html
    assert client.get("/timesheet", query_string={"user": w.beta_member.id}).status_code == 404
    assert _type(client, w.alpha_project, "3", user=w.member).status_code == 403


def test_an_owner_edits_a_members_week_and_the_entry_is_the_members(w, client, db):
    _switch(client, w.owner)
    response = _type(client, w.alpha_project, "1", user=w.member)
    assert response.status_code == 303
    assert f"user={w.member.id}" in response.headers["Location"]
    own = [log for log in _logs(db, w.member, w.alpha_project) if log.description == "Timesheet"]
    assert [log.duration_minutes for log in own] == [60]
    assert _logs(db, w.owner) == []


def test_a_project_the_person_may_not_log_on_is_refused(w, client, db):
    assert _type(client, w.beta_project, "1").status_code == 404  # not visible to the member
    w.alpha_project.archive()
    db.session.commit()
    response = _type(client, w.alpha_project, "1")
    assert response.status_code == 422
    assert "active projects" in response.get_data(as_text=True)


def test_the_timesheet_topic_follows_who_may_see_whose_time(w):
    topic = f"timesheet:{w.member.id}"
    assert can_receive(w.member, topic) and can_receive(w.manager, topic) and can_receive(w.owner, topic)
    assert not can_receive(w.beta_member, topic) and not can_receive(w.outsider, topic)
    assert can_receive(w.sysadmin, topic) and not can_receive(w.member, "timesheet:x")


def test_a_cell_change_fans_out_like_an_entry_and_signals_the_open_timesheets(w, client, redis_conn, db):
    pushes = Pushes(redis_conn)
    try:
        assert _type(client, w.alpha_project, "2").status_code == 303
        messages = pushes.collect(f'target="timesheet-{w.member.id}-changed"')
    finally:
        pushes.close()
    signal = [m for m in messages if f'target="timesheet-{w.member.id}-changed"' in m["stream"]]
    assert signal and signal[0]["topics"] == [f"timesheet:{w.member.id}"]
    assert any('target="header-timer"' in m["stream"] for m in messages)  # the entry forms' fan-out


# -- rows and continue ---------------------------------------------------------------------------------
def test_added_rows_show_without_time_and_copy_last_week_offers_last_weeks_projects(w, client, factory):
    factory.time_log(w.member, w.org_project, start=datetime(2026, 2, 24, 10), minutes=30)  # last week
    html = client.get("/timesheet", query_string={"week": WEEK}).get_data(as_text=True)
    assert f'id="ts-row-{w.org_project.id}"' not in html
    assert f"rows={w.org_project.id}" in html and 'data-testid="copy-last-week"' in html
    copied = client.get("/timesheet", query_string={"week": WEEK, "rows": f"{w.org_project.id}"})
    html = copied.get_data(as_text=True)
    assert f'id="ts-row-{w.org_project.id}"' in html
    assert 'data-testid="week-total"><strong>0:00</strong>' in html  # the projects, not the hours
    added = client.get("/timesheet", query_string={"week": WEEK, "add": w.alpha_project.id,
                                                   "rows": f"{w.beta_project.id},junk"}).get_data(as_text=True)
    assert f'id="ts-row-{w.alpha_project.id}"' in added
    assert f'id="ts-row-{w.beta_project.id}"' not in added  # not one the member may log on: dropped


def test_continue_on_a_row_starts_a_timer_like_the_latest_entry_and_stops_the_running_one(w, client, factory, db):
    factory.time_log(w.member, w.org_project, start=datetime(2026, 3, 2, 9), minutes=30, description="Old",
                     billable=True)
    factory.time_log(w.member, w.org_project, start=datetime(2026, 3, 3, 9), minutes=30, description="Planning",
                     billable=False)
    running = factory.time_log(w.member, w.alpha_project, start=utcnow() - timedelta(minutes=3), minutes=None)
    response = client.post("/timesheet/continue", data={"project_id": w.org_project.id, "week": WEEK})
    assert response.status_code == 303 and "week=2026-W10" in response.headers["Location"]
    db.session.expire_all()
    assert db.session.get(TimeLog, running.id).end_time is not None
    timer = w.member.running_timer
    assert (timer.project_id, timer.description, timer.billable) == (w.org_project.id, "Planning", False)
    assert client.post("/timesheet/continue", data={"project_id": w.beta_project.id}).status_code == 404


# -- rows per task ------------------------------------------------------------------------------------------
def test_each_task_of_a_project_is_a_row_of_its_own(w, client, db, factory):
    design = Task(project_id=w.alpha_project.id, name="Design")
    build = Task(project_id=w.alpha_project.id, name="Build")
    hiring = Task(project_id=w.org_project.id, name="Hiring")
    db.session.add_all([design, build, hiring])
    db.session.commit()
    factory.time_log(w.member, w.alpha_project, start=datetime(2026, 3, 2, 10), minutes=60, task_id=design.id)
    html = client.get(f"/timesheet?week={WEEK}").get_data(as_text=True)
    design_key = f"{w.alpha_project.id}t{design.id}"
    assert f'id="ts-row-{design_key}"' in html and f'id="ts-row-{design_key}-total" class="num ts-total" ' \
        f'data-testid="row-total">1:00' in html
    assert f'<option value="{w.alpha_project.id}t{build.id}">Alpha site · Build</option>' in html  # add a task row

    response = client.post("/timesheet/cell", data={"project_id": w.alpha_project.id, "task_id": design.id,
                                                    "day": TUESDAY.isoformat(), "hours": "2"})
    assert response.status_code == 303 and f"rows={design_key}" in response.headers["Location"]
    [own] = [log for log in _logs(db, w.member, w.alpha_project) if log.description == "Timesheet"]
    assert (own.task_id, own.duration_minutes) == (design.id, 120)
    html = client.get(f"/timesheet?week={WEEK}").get_data(as_text=True)
    assert f'id="ts-row-{design_key}-total" class="num ts-total" data-testid="row-total">3:00' in html
    # the project's own row (no task) is untouched by the task row's cell
    assert _type(client, w.alpha_project, "0:30").status_code == 303
    owned = {log.task_id: log.duration_minutes for log in _logs(db, w.member, w.alpha_project)
             if log.description == "Timesheet"}
    assert owned == {design.id: 120, None: 30}

    # a task of another project is not a row of this one
    refused = client.post("/timesheet/cell", data={"project_id": w.alpha_project.id, "task_id": hiring.id,
                                                   "day": TUESDAY.isoformat(), "hours": "1"})
    assert refused.status_code == 404
    shown = client.get(f"/timesheet?week={WEEK}&rows={w.alpha_project.id}t{hiring.id},{w.alpha_project.id}t{build.id}")
    assert f'id="ts-row-{w.alpha_project.id}t{hiring.id}"' not in shown.get_data(as_text=True)
    assert f'id="ts-row-{w.alpha_project.id}t{build.id}"' in shown.get_data(as_text=True)


def test_copying_last_week_and_continuing_keep_the_task(w, client, db, factory):
    design = Task(project_id=w.alpha_project.id, name="Design")
    db.session.add(design)
    db.session.commit()
    factory.time_log(w.member, w.alpha_project, start=datetime(2026, 2, 24, 10), minutes=45, task_id=design.id,
                     description="Wireframes")
    html = client.get(f"/timesheet?week={WEEK}").get_data(as_text=True)
    assert f"rows={w.alpha_project.id}t{design.id}" in html  # "Copy last week's rows" names the task row
    response = client.post("/timesheet/continue", data={"project_id": w.alpha_project.id, "task_id": design.id,
                                                         "week": WEEK})
    assert response.status_code == 303
    db.session.expire_all()
    timer = w.member.running_timer
    assert (timer.task_id, timer.description) == (design.id, "Wireframes")
