"""The organization dashboard's recent activity is live: starting and stopping a timer and adding an entry push a
prepend of that entry to the open dashboards' list at once (not waiting for a recompute), to that organization's
topic only, and to nobody when no dashboard of it is open."""
from __future__ import annotations

from datetime import timedelta

import pytest

from app.models import utcnow
from tests.integration.notify_helpers import Pushes


@pytest.fixture()
def pushes(redis_conn):
    listener = Pushes(redis_conn)
    yield listener
    listener.close()


def activity(pushes, org_id: int) -> list[str]:
    target = f'target="dashboard-org-{org_id}-activity-items"'
    return [m["stream"] for m in pushes.collect(target, timeout=2) if target in m.get("stream", "")]


def test_timers_and_entries_appear_in_the_org_activity_as_they_happen(db, factory, watch, pushes):
    from app.time_tracking.entries import EntryData, create_entry
    from app.time_tracking.timers import start_timer, stop_timer

    w = factory.world()
    watch(f"dashboard:org:{w.org.id}")
    log = start_timer(w.member, w.alpha_project, "Homepage")
    (started,) = activity(pushes, w.org.id)
    assert 'action="prepend"' in started and f'id="activity-log-{log.id}"' in started
    assert "running" in started and w.member.name in started and "Alpha site" in started
    pushes.messages.clear()
    log.start_time -= timedelta(minutes=3)  # a timer under a minute is not kept: its line would go
    db.session.commit()
    stop_timer(w.member)
    (stopped,) = activity(pushes, w.org.id)
    assert f'id="activity-log-{log.id}"' in stopped and "badge-running" not in stopped  # replaces its running line
    pushes.messages.clear()
    start = utcnow() - timedelta(hours=2)
    entry = create_entry(w.owner, EntryData(w.org_project, start, start + timedelta(minutes=45), "Planning", True))
    (added,) = activity(pushes, w.org.id)
    assert f'id="activity-log-{entry.id}"' in added and "Planning" in added and "45m" in added
    assert all(f"dashboard:org:{w.org.id}" in m["topics"] for m in pushes.messages if "activity-items" in m["stream"])


def test_nothing_is_rendered_for_an_organization_dashboard_nobody_has_open(db, factory, pushes):
    from app.time_tracking.timers import start_timer

    w = factory.world()
    start_timer(w.member, w.alpha_project)
    assert activity(pushes, w.org.id) == []


def test_the_activity_section_has_a_bounded_list_to_prepend_to_even_when_empty(app):
    from types import SimpleNamespace

    from flask import render_template

    from app.live.topics import DashboardKey
    from app.models import utcnow as now

    section = SimpleNamespace(name="activity", title="Recent activity", primary=False)
    with app.test_request_context("/"):
        html = render_template("dashboard/_activity.html", key=DashboardKey("org", 5), section=section,
                               cached=SimpleNamespace(computed_at=now()), data={"items": []})
    assert 'id="dashboard-org-5-activity-items"' in html and 'data-controller="bounded-list"' in html
    assert "No time tracked yet." in html
