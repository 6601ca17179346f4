"""Favourites: pin an entry's combination (project, task, description, tags, billable) from My time, at most 10 per
person, unpin it, and start a timer like it in one click; listed first in the header's Start menu and on
/time-logs; nobody else's favourites are reachable."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from app.models import Favourite, Tag, Task
from app.time_tracking import favourites
from app.timezones import utcnow
from tests.conftest import login


def _count(db, user) -> int:
    return db.session.scalar(select(func.count()).select_from(Favourite).where(Favourite.user_id == user.id))


def test_pin_from_my_time_then_start_it_in_one_click_with_its_whole_combination(client, factory):
    w = factory.world()
    task = factory._save(Task(project_id=w.alpha_project.id, name="Launch"))
    tag = factory._save(Tag(organization_id=w.org.id, name="meeting"))
    log = factory.time_log(w.member, w.alpha_project, description="Weekly sync", billable=False, task_id=task.id)
    log.tags = [tag]
    factory.db.session.commit()
    login(client, w.member)
    page = client.get("/time-logs").get_data(as_text=True)
    assert f'action="/time-logs/{log.id}/pin"' in page and 'data-testid="favourites"' not in page

    response = client.post(f"/time-logs/{log.id}/pin", headers={"Referer": "http://localhost/time-logs"})
    assert response.status_code == 303 and response.headers["Location"] == "/time-logs"
    favourite = factory.db.session.scalar(select(Favourite).where(Favourite.user_id == w.member.id))
    assert (favourite.project_id, favourite.task_id, favourite.description, favourite.billable,
            [t.name for t in favourite.tags]) == (w.alpha_project.id, task.id, "Weekly sync", False, ["meeting"])
    page = client.get("/time-logs").get_data(as_text=True)
    assert f'action="/time-logs/favourites/{favourite.id}/unpin"' in page  # the row now offers Unpin
    assert page.index('data-testid="favourites"') < page.index('id="start-timer"')  # listed first
    assert f'action="/time-logs/favourites/{favourite.id}/start"' in page.split('data-testid="start-menu"', 1)[1]

    assert client.post(f"/time-logs/favourites/{favourite.id}/start").status_code == 303
    timer = w.member.running_timer
    assert (timer.project_id, timer.task_id, timer.description, timer.billable, [t.name for t in timer.tags]) == (
        w.alpha_project.id, task.id, "Weekly sync", False, ["meeting"])


def test_favourites_come_first_in_the_header_start_menu(client, factory):
    w = factory.world()
    factory.time_log(w.member, w.org_project, start=utcnow() - timedelta(hours=1), minutes=20, description="Standup")
    favourites.pin(w.member, w.member_log)
    login(client, w.member)
    menu = client.get("/organizations").get_data(as_text=True).split('data-testid="start-menu"', 1)[1]
    assert menu.index('data-testid="favourites"') < menu.index('data-testid="recent-work"')


def test_pinning_the_same_combination_twice_keeps_one(client, factory):
    w = factory.world()
    twin = factory.time_log(w.member, w.alpha_project, description=w.member_log.description,
                            start=utcnow() - timedelta(days=1))
    login(client, w.member)
    assert client.post(f"/time-logs/{w.member_log.id}/pin").status_code == 303
    assert client.post(f"/time-logs/{twin.id}/pin").status_code == 303
    assert _count(factory.db, w.member) == 1


def test_at_most_ten_favourites_the_eleventh_is_refused_with_a_reason(client, factory):
    w = factory.world()
    logs = [factory.time_log(w.member, w.alpha_project, description=f"Work {n}") for n in range(11)]
    login(client, w.member)
    for log in logs[:10]:
        assert client.post(f"/time-logs/{log.id}/pin").status_code == 303
    response = client.post(f"/time-logs/{logs[10].id}/pin")
    assert response.status_code == 422 and favourites.TOO_MANY in response.get_data(as_text=True)
    assert _count(factory.db, w.member) == 10
    first = favourites.of(w.member)[0]
    assert client.post(f"/time-logs/favourites/{first.id}/unpin").status_code == 303
    assert client.post(f"/time-logs/{logs[10].id}/pin").status_code == 303
    assert _count(factory.db, w.member) == 10


def test_unpin_removes_it_and_nobody_else_reaches_a_favourite(client, factory):
    w = factory.world()
    favourite, _ = favourites.pin(w.member, w.member_log)
    login(client, w.manager)  # may see the member's entry, but neither pin it nor touch the member's favourite
    assert client.post(f"/time-logs/{w.member_log.id}/pin").status_code == 403
    for action in ("start", "unpin"):
        assert client.post(f"/time-logs/favourites/{favourite.id}/{action}").status_code == 404
    assert w.manager.running_timer is None and _count(factory.db, w.member) == 1
    assert client.post("/time-logs/favourites/abc/start").status_code == 404
    client.post("/logout")
    login(client, w.member)
    assert client.post(f"/time-logs/favourites/{favourite.id}/unpin").status_code == 303
    assert _count(factory.db, w.member) == 0
    assert client.post(f"/time-logs/favourites/{favourite.id}/unpin").status_code == 404


def test_a_favourite_on_an_archived_project_is_not_offered_and_does_not_start(client, factory):
    w = factory.world()
    favourite, _ = favourites.pin(w.member, w.member_log)
    w.alpha_project.status = "archived"
    factory.db.session.commit()
    login(client, w.member)
    assert 'data-testid="favourites"' not in client.get("/time-logs").get_data(as_text=True)
    response = client.post(f"/time-logs/favourites/{favourite.id}/start")
    assert response.status_code == 422 and "archived" in response.get_data(as_text=True)
    assert w.member.running_timer is None
