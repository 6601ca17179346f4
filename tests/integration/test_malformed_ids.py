"""Ids and page numbers that are not plain small integers answer 4xx (or are ignored), never 500."""
import pytest
from sqlalchemy import func, select

from tests.conftest import login

HUGE = "9223372036854775808"  # 2**63: does not fit a 64-bit integer column
ODD_DIGITS = ["²", "١", HUGE, "99999999999999999999"]


@pytest.mark.parametrize("raw", ODD_DIGITS)
def test_record_urls_with_odd_ids_are_404(client, factory, raw):
    w = factory.world()
    login(client, w.owner)
    for url in (f"/time-logs/{raw}/edit", f"/projects/{raw}/edit", f"/clients/{raw}/edit",
                f"/organizations/{raw}", f"/teams/{raw}", f"/dashboard/team/{raw}", f"/dashboard/org/{raw}",
                f"/jobs/{raw}"):
        assert client.get(url).status_code == 404, url
    for url in (f"/time-logs/{raw}/delete", f"/projects/{raw}/archive", f"/jobs/{raw}/cancel"):
        assert client.post(url).status_code == 404, url


@pytest.mark.parametrize("raw", ODD_DIGITS)
def test_odd_page_numbers_and_filters_never_500(client, factory, raw):
    w = factory.world()
    login(client, w.owner)
    for url in (f"/jobs?page={raw}", f"/projects?page={raw}", f"/clients?page={raw}",
                f"/time-logs?page={raw}", f"/time-logs?project={raw}", f"/time-logs/new?project={raw}"):
        assert client.get(url).status_code < 500, url
    assert client.post("/time-logs/timer/start", data={"project_id": raw}).status_code in (404, 422)


def test_stream_topics_with_odd_ids_are_refused(app_ctx, factory):
    from app.live.topics import can_receive

    w = factory.world()
    for raw in ODD_DIGITS:
        assert not can_receive(w.owner, f"dashboard:team:{raw}")
        assert not can_receive(w.sysadmin, f"dashboard:org:{raw}")


def test_no_dashboard_job_for_a_team_that_does_not_exist(client, factory, db):
    from app.models import JobStatus

    w = factory.world()
    login(client, w.sysadmin)
    for key in ("dashboard:team:0", "dashboard:team:-1", f"dashboard:org:{w.other_org.id + 1000}"):
        assert client.post("/dashboard/refresh", data={"key": key}).status_code in (400, 403, 404, 422)
    assert db.session.scalar(select(func.count()).select_from(JobStatus)) == 0
