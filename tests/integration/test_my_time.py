"""My time (/time-logs): your own entries by default, grouped by day (newest first) with day totals; whose time
(managers their team members, owners anyone in the organization, members only themselves: no filter offered),
by project and billable; and Continue, a new running timer like an entry."""
from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest

from app.models import Tag, Task, TimeLog, utcnow
from tests.conftest import login


def _groups(html: str) -> list[tuple[str, str, list[str]]]:
    """(day, day total, entry ids) per day group, in page order."""
    out = []
    for part in html.split('data-testid="day-group"')[1:]:
        part = part.split("</tbody>")[0]
        day = re.search(r'data-day="([0-9-]+)"', part)[1]
        total = re.search(r'data-testid="day-total"><strong>([^<]+)<', part)[1]
        out.append((day, total, re.findall(r'id="timelog-(\d+)"', part)))
    return out


@pytest.fixture()
def w(factory, db):
    world = factory.world()
    db.session.delete(world.member_log)
    db.session.commit()
    world.a = factory.time_log(world.member, world.alpha_project, start=datetime(2026, 3, 3, 9), minutes=60,
                               billable=True)
    world.b = factory.time_log(world.member, world.org_project, start=datetime(2026, 3, 3, 14), minutes=30,
                               billable=False)
    world.c = factory.time_log(world.member, world.alpha_project, start=datetime(2026, 3, 5, 9), minutes=45,
                               billable=True)
    world.owners = factory.time_log(world.owner, world.org_project, start=datetime(2026, 3, 4, 9), minutes=15)
    return world


def test_my_time_is_my_entries_grouped_by_day_newest_first_with_day_totals(w, client):
    login(client, w.member)
    html = client.get("/time-logs").get_data(as_text=True)
    assert _groups(html) == [("2026-03-05", "0h 45m", [str(w.c.id)]),
                             ("2026-03-03", "1h 30m", [str(w.b.id), str(w.a.id)])]
    assert "<h1>My time</h1>" in html
    assert 'data-testid="filter-who"' not in html  # a member sees only their own time: nothing to choose


def test_a_day_split_by_a_page_break_shows_its_whole_total(w, client, factory):
    for i in range(20):  # 20 entries of 1 minute on 3 March, after the two there: page 1 ends inside that day
        factory.time_log(w.member, w.alpha_project, start=datetime(2026, 3, 3, 15) + timedelta(minutes=2 * i),
                         minutes=1)
    login(client, w.member)
    first = _groups(client.get("/time-logs").get_data(as_text=True))
    second = _groups(client.get("/time-logs?page=2").get_data(as_text=True))
    assert [g[0] for g in first] == ["2026-03-05", "2026-03-03"] and len(first[1][2]) == 19
    [(day, total, ids)] = second
    assert (day, total, len(ids), ids[-2:]) == ("2026-03-03", "1h 50m", 3, [str(w.b.id), str(w.a.id)])
    assert first[1][1] == "1h 50m"  # 60 + 30 + 20


def test_filters_by_project_and_billable(w, client):
    login(client, w.member)
    html = client.get(f"/time-logs?project={w.alpha_project.id}").get_data(as_text=True)
    assert [g[2] for g in _groups(html)] == [[str(w.c.id)], [str(w.a.id)]]
    assert _groups(html)[1][1] == "1h 00m"
    billable = client.get("/time-logs?billable=no").get_data(as_text=True)
    assert [g[2] for g in _groups(billable)] == [[str(w.b.id)]]
    yes = client.get("/time-logs?billable=yes").get_data(as_text=True)
    assert sorted(i for g in _groups(yes) for i in g[2]) == sorted([str(w.a.id), str(w.c.id)])
    bad = client.get("/time-logs?billable=maybe")
    assert bad.status_code == 422 and "is not yes or no" in bad.get_data(as_text=True)


def test_filters_by_tag(w, client, db):
    meeting, urgent = Tag(organization_id=w.org.id, name="meeting"), Tag(organization_id=w.org.id, name="urgent")
    theirs = Tag(organization_id=w.other_org.id, name="theirs")
    db.session.add_all([meeting, urgent, theirs])
    db.session.flush()
    db.session.get(TimeLog, w.a.id).tags = [meeting]
    db.session.get(TimeLog, w.c.id).tags = [meeting, urgent]
    db.session.commit()
    login(client, w.member)
    page = client.get("/time-logs").get_data(as_text=True)
    assert 'data-testid="filter-tag"' in page and ">meeting<" in page and ">theirs<" not in page
    tagged = client.get(f"/time-logs?tag={meeting.id}").get_data(as_text=True)
    assert [g[2] for g in _groups(tagged)] == [[str(w.c.id)], [str(w.a.id)]]
    assert _groups(tagged)[1][1] == "1h 00m"  # the day's total counts only the matching entries
    both = client.get(f"/time-logs?tag={urgent.id}&project={w.alpha_project.id}").get_data(as_text=True)
    assert [g[2] for g in _groups(both)] == [[str(w.c.id)]]
    assert _groups(client.get(f"/time-logs?tag={theirs.id}").get_data(as_text=True)) == []
    bad = client.get("/time-logs?tag=x")
    assert bad.status_code == 422 and "is not a tag" in bad.get_data(as_text=True)


@pytest.mark.parametrize("viewer, target, allowed", [
    ("manager", "member", True), ("manager", "beta_member", False), ("manager", "owner", False),
    ("owner", "member", True), ("owner", "beta_member", True), ("owner", "outsider", False),
    ("member", "owner", False), ("member", "beta_member", False), ("admin", "member", True),
])
def test_who_may_filter_whom(w, client, db, viewer, target, allowed):
    login(client, getattr(w, viewer))
    person = getattr(w, target)
    page = client.get("/time-logs", query_string={"who": person.id})
    html = page.get_data(as_text=True)
    picker = client.get("/time-logs").get_data(as_text=True).partition('data-testid="filter-who"')[2]
    offered = f'<option value="{person.id}"' in picker.partition("</select>")[0]
    assert offered == allowed
    if allowed:
        assert page.status_code == 200 and f"Time of {person.name}" in html
    else:
        assert page.status_code == 422 and "That person is unknown: showing your own time." in html
    if target == "member" and allowed:
        assert [g[2] for g in _groups(html)] == [[str(w.c.id)], [str(w.b.id), str(w.a.id)]]
    if not allowed:  # nothing of theirs leaked: the viewer's own time instead
        shown = [int(i) for g in _groups(html) for i in g[2]]
        assert all(db.session.get(TimeLog, i).user_id == getattr(w, viewer).id for i in shown)


def test_who_junk_is_explained_not_a_500(w, client):
    login(client, w.owner)
    response = client.get("/time-logs?who=%E2%80%A8x")
    assert response.status_code == 422 and "is not a person" in response.get_data(as_text=True)


def test_continue_starts_a_timer_like_the_entry_and_stops_the_running_one(w, client, factory, db):
    running = factory.time_log(w.member, w.org_project, start=utcnow() - timedelta(minutes=10), minutes=None)
    login(client, w.member)
    response = client.post(f"/time-logs/{w.b.id}/continue", headers={"Referer": "http://localhost/time-logs"})
    assert response.status_code == 303 and response.headers["Location"] == "/time-logs"
    db.session.expire_all()
    assert db.session.get(TimeLog, running.id).end_time is not None
    timer = w.member.running_timer
    assert (timer.project_id, timer.description, timer.billable) == (w.org_project.id, w.b.description, False)
    page = client.get("/time-logs").get_data(as_text=True)
    assert "Timer started on Internal." in page and 'class="running"' in page


def test_continue_carries_the_entrys_task_and_tags(w, client, db):
    task = Task(project_id=w.alpha_project.id, name="Design")
    tags = [Tag(organization_id=w.org.id, name="meeting"), Tag(organization_id=w.org.id, name="urgent")]
    db.session.add_all([task, *tags])
    db.session.flush()
    entry = db.session.get(TimeLog, w.a.id)
    entry.task_id, entry.tags = task.id, tags
    db.session.commit()
    login(client, w.member)
    assert client.post(f"/time-logs/{w.a.id}/continue").status_code == 303
    db.session.expire_all()
    timer = w.member.running_timer
    assert (timer.project_id, timer.task_id, timer.billable) == (w.alpha_project.id, task.id, True)
    assert sorted(tag.name for tag in timer.tags) == ["meeting", "urgent"]


def test_continue_is_for_your_own_entries(w, client):
    login(client, w.owner)
    assert client.post(f"/time-logs/{w.a.id}/continue").status_code == 403  # seen, not theirs
    client.post("/logout")
    login(client, w.beta_member)
    assert client.post(f"/time-logs/{w.a.id}/continue").status_code == 404  # not even seen
    assert w.beta_member.running_timer is None and w.owner.running_timer is None


def test_continue_on_an_archived_project_is_refused_with_a_message(w, client, db):
    w.alpha_project.archive()
    db.session.commit()
    login(client, w.member)
    response = client.post(f"/time-logs/{w.a.id}/continue")
    assert response.status_code == 422 and "archived" in response.get_data(as_text=True)
