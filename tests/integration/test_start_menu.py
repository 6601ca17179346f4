"""The header's Start menu: recent work (the last 5 distinct project + task + description combinations, newest
first, each continued in one click), a project picker with no first-project default (nothing chosen: 422 with an
inline message), and favourites listed first."""
from __future__ import annotations

import re
from datetime import timedelta

from app.models import Role
from app.time_tracking import start_menu
from app.timezones import utcnow
from tests.conftest import login


def _recent_items(html: str) -> list[str]:
    block = html.split('data-testid="recent-work"', 1)[1].split("</ul>", 1)[0]
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", item.split(">", 1)[1].split("</button>", 1)[0])).strip()
            for item in block.split('data-testid="recent-work-item"')[1:]]


def test_recent_work_is_the_last_five_distinct_combinations_newest_first(factory):
    w = factory.world()
    base = utcnow() - timedelta(minutes=100)  # newer than the world's own entry (3 hours ago)
    for step, (project, description) in enumerate([
        (w.alpha_project, "Old one"), (w.alpha_project, "Design"), (w.org_project, "Standup"),
        (w.alpha_project, "Review"), (w.org_project, "Design"), (w.alpha_project, "Copy"),
        (w.alpha_project, "Design"), (w.alpha_project, "design "),  # the same combination again, newest
    ]):
        factory.time_log(w.member, project, start=base + timedelta(minutes=10 * step), minutes=5,
                         description=description)
    factory.time_log(w.beta_member, w.beta_project, start=utcnow() - timedelta(hours=1), minutes=30,
                     description="Someone else's")
    recent = start_menu.recent_work(w.member)
    assert [(log.project.name, log.description) for log in recent] == [
        ("Alpha site", "design "), ("Alpha site", "Copy"), ("Internal", "Design"), ("Alpha site", "Review"),
        ("Internal", "Standup")]


def test_recent_work_leaves_out_archived_projects_and_the_running_timer(factory):
    w = factory.world()
    factory.time_log(w.member, w.org_project, minutes=None, start=utcnow() - timedelta(minutes=5),
                     description="Running now")
    w.alpha_project.status = "archived"
    factory.db.session.commit()
    assert start_menu.recent_work(w.member) == []


def test_the_header_offers_recent_work_and_one_click_continues_it(client, factory):
    w = factory.world()
    factory.time_log(w.member, w.org_project, start=utcnow() - timedelta(hours=1), minutes=20, description="Standup")
    login(client, w.member)
    html = client.get("/organizations").get_data(as_text=True)
    assert _recent_items(html)[0].startswith("Internal") and "Standup" in _recent_items(html)[0]
    newest = start_menu.recent_work(w.member)[0]
    assert f'action="/time-logs/{newest.id}/continue"' in html
    response = client.post(f"/time-logs/{newest.id}/continue", headers={"Referer": "http://localhost/organizations"})
    assert response.status_code == 303 and response.headers["Location"] == "/organizations"
    timer = w.member.running_timer
    assert (timer.project_id, timer.description) == (w.org_project.id, "Standup")


def test_the_header_start_has_no_first_project_default(client, factory):
    w = factory.world()
    login(client, w.member)
    html = client.get("/organizations").get_data(as_text=True)
    select = html.split('data-testid="start-project"', 1)[1].split("</select>", 1)[0]
    assert '<option value="">Choose a project…</option>' in select and "selected" not in select
    assert "Alpha site" in select and "Beta app" not in select and "Other project" not in select


def test_start_with_no_project_answers_422_with_an_inline_message(client, factory):
    w = factory.world()
    login(client, w.member)
    for data in ({}, {"project_id": ""}, {"project_id": "abc"}):
        response = client.post("/time-logs/timer/start", data=data)
        html = response.get_data(as_text=True)
        assert response.status_code == 422
        page = html.split('data-testid="start-page"', 1)[1]
        error = page.split('data-testid="start-error"', 1)[1].split("</p>", 1)[0]
        assert "Choose a project to start the timer on." in error and "hidden" not in error.split(">", 1)[0]
    assert w.member.running_timer is None


def test_an_outsider_project_is_not_offered_and_cannot_be_started(client, factory):
    w = factory.world()
    guest = factory.user(w.other_org, Role.MEMBER)
    login(client, guest)
    html = client.get("/organizations").get_data(as_text=True)
    assert "Alpha site" not in html.split('data-testid="start-menu"', 1)[1]
    assert client.post("/time-logs/timer/start", data={"project_id": w.alpha_project.id}).status_code in (403, 404)
    assert guest.running_timer is None


def test_the_start_menu_reads_the_persons_projects_once_and_loads_only_the_entries_it_lists(client, factory):
    """Every signed-in page's header holds the Start menu: its project picker, recent work and favourites share one
    read of the projects, and recent work loads only the entries it lists (not the last 200 with their tags)."""
    from sqlalchemy import event

    w = factory.world()
    base = utcnow() - timedelta(hours=5)
    for step in range(30):
        factory.time_log(w.member, w.org_project, start=base + timedelta(minutes=5 * step), minutes=3,
                         description=f"Entry {step % 7}")
    login(client, w.member)
    statements: list[str] = []

    def on_statement(conn, cursor, statement, parameters, context, executemany):
        statements.append(" ".join(statement.split()))

    event.listen(factory.db.engine, "before_cursor_execute", on_statement)
    try:
        html = client.get("/organizations").get_data(as_text=True)
    finally:
        event.remove(factory.db.engine, "before_cursor_execute", on_statement)
    assert len(_recent_items(html)) == 5
    assert sum("ORDER BY projects.name, projects.id" in s for s in statements) == 1
    loaded = [s for s in statements if s.startswith("SELECT time_logs.id, time_logs.organization_id")
              and "WHERE time_logs.id IN (" in s]
    assert len(loaded) == 1  # the five listed, by id
    assert not any(s.startswith("SELECT projects.") and "WHERE projects.id IN (" in s for s in statements)
    assert not any("time_log_tags" in s for s in statements)
