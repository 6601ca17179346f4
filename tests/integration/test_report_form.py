"""The report form as a plain form (no JS): its filters are lists of checkboxes that submit as repeated names, the
billable choice says what it means, and the saved reports list shows each range in words and its schedule."""
from __future__ import annotations

import re

from sqlalchemy import select

from app.models import Report, ReportDefinition
from app.models.report_schedule import ReportSchedule
from tests import report_data
from tests.conftest import login

FORM = {"range": "last_month", "date_from": "", "date_to": "", "group1": "project", "group2": "", "billable": "all",
        "rounding": "none", "rounding_minutes": "15", "hours_format": "hmm", "format": "csv"}


def test_the_filters_are_checkbox_lists_that_submit_without_js(client, factory, db):
    w = report_data.build(factory, db)
    login(client, w.owner)
    page = client.get("/reports").get_data(as_text=True)
    assert "<select multiple" not in page and 'multiple id="project_ids"' not in page
    for name in ("project_ids", "client_ids", "user_ids", "team_ids", "task_ids", "tag_ids"):
        assert f'data-testid="checklist-{name}"' in page
    assert re.search(rf'<input id="project_ids-\d+" name="project_ids" type="checkbox" value="{w.site.id}"', page)
    assert 'data-controller="checklist"' in page and 'type="search"' in page and "hidden" in page
    assert re.search(r"<option [^>]*value=\"all\"[^>]*>Both</option>", page)
    data = {**FORM, "organization_id": str(w.org.id), "project_ids": [str(w.site.id), str(w.app.id)],
            "billable": "billable"}
    response = client.post("/reports", data=data)
    assert response.status_code == 303
    report = db.session.scalar(select(Report))
    assert sorted(report.params["project_ids"]) == sorted([w.site.id, w.app.id])
    assert report.params["billable"] == "billable"
    shown = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "only 2 projects, billable only" in shown


def test_a_project_of_another_organization_ticked_is_a_422_next_to_the_list(client, factory, db):
    w = report_data.build(factory, db)
    login(client, w.owner)
    data = {**FORM, "organization_id": str(w.org.id), "project_ids": [str(w.other_project.id)]}
    response = client.post("/reports", data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    block = page.split('data-testid="checklist-project_ids"', 1)[1].split("</fieldset>", 1)[0]
    assert "Choose projects of this organization." in block
    assert db.session.scalar(select(Report)) is None


def test_saved_reports_show_their_range_in_words_and_their_schedule(client, factory, db):
    w = report_data.build(factory, db)
    db.session.add_all([
        ReportDefinition(user_id=w.owner.id, organization_id=w.org.id, name="Monthly",
                         params={**FORM, "organization_id": w.org.id, "date_from": None, "date_to": None}),
        ReportDefinition(user_id=w.owner.id, organization_id=w.org.id, name="March",
                         params={**FORM, "organization_id": w.org.id, "range": "custom", "date_from": "2026-03-01",
                                 "date_to": "2026-03-31"}),
    ])
    db.session.commit()
    monthly = db.session.scalar(select(ReportDefinition).where(ReportDefinition.name == "Monthly"))
    db.session.add(ReportSchedule(definition_id=monthly.id, frequency="weekly", recipient_ids=[w.owner.id]))
    db.session.commit()
    login(client, w.owner)
    page = client.get("/reports").get_data(as_text=True)
    assert "None to None" not in page and "None" not in page.split('data-testid="definitions"', 1)[1].split(
        "</table>", 1)[0]
    ranges = re.findall(r'data-testid="definition-range">([^<]*)<', page)
    schedules = re.findall(r'data-testid="definition-schedule">([^<]*)<', page)
    assert ranges == ["1\u201331 Mar 2026", "Last month"]  # by name: March, Monthly
    assert schedules == ["Not scheduled", "Weekly, Mondays at 08:00, to 1 person"]
