"""A completed report on its page: Summary, Detailed (paged in SQL) and Weekly tabs, whose figures are the CSV's:
the same rows (app.reports.query), the same totals."""
from __future__ import annotations

import csv
import html
import io
import json
import re
import time
import zipfile
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from app.billing import invoices
from app.models import InvoiceGrouping, Report, TimeLog
from app.reports import screens
from app.timezones import to_local
from tests import report_data
from tests.conftest import login

FORM = {"range": "last_month", "date_from": "", "date_to": "", "group1": "project", "group2": "", "billable": "all",
        "rounding": "none", "rounding_minutes": "15", "hours_format": "hmm", "format": "csv"}


@pytest.fixture()
def run_jobs(app, run_jobs):
    def run(*args, **kw):
        with app.app_context():
            return run_jobs(*args, **kw)
    return run


def _completed(client, db, w, run_jobs, **kw) -> Report:
    response = client.post("/reports", data={**FORM, "organization_id": str(w.org.id), **kw})
    assert response.status_code == 303
    report_id = int(response.headers["Location"].rsplit("/", 1)[-1])
    run_jobs(["reports"])
    db.session.expire_all()
    report = db.session.get(Report, report_id)
    assert report.status == "completed", report.error_message
    return report


def _csv(client, report: Report) -> tuple[list[dict], list[list[str]]]:
    with zipfile.ZipFile(io.BytesIO(client.get(f"/reports/{report.id}/download").data)) as zf:
        detail = next(n for n in zf.namelist() if not n.endswith("summary.csv"))
        summary = next(n for n in zf.namelist() if n.endswith("summary.csv"))
        return (list(csv.DictReader(io.StringIO(zf.read(detail).decode()))),
                list(csv.reader(io.StringIO(zf.read(summary).decode()))))


def _cells(html: str, testid: str) -> list[list[str]]:
    rows = re.findall(rf'<tr[^>]*data-testid="{testid}"[^>]*>(.*?)</tr>', html, re.S)
    return [[re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", r, re.S)]
            for r in rows]


def test_the_summary_on_screen_equals_the_csvs(client, factory, db, run_jobs):
    w = report_data.build(factory, db)
    login(client, w.owner)
    report = _completed(client, db, w, run_jobs)
    _, summary_csv = _csv(client, report)
    csv_groups = {r[0]: r[1:3] for r in summary_csv if len(r) == 4 and r[0] not in ("project", "")}
    page = client.get(f"/reports/{report.id}").get_data(as_text=True)
    assert 'data-testid="report-tabs"' in page and 'aria-current="page">Summary' in page
    shown = {c[0]: c[1:3] for c in _cells(page, "summary-group") + _cells(page, "summary-total")}
    assert shown == csv_groups and "Total" in shown and len(shown) >= 3
    # its chart of the totals by the grouping, with a text alternative naming every group
    chart = re.search(r'data-testid="report-chart">(.*?)</svg>', page, re.S).group(1)
    desc = re.search(r"<desc[^>]*>(.*?)</desc>", chart, re.S).group(1)
    assert all(html.escape(label, quote=True) in desc or label in desc for label in shown if label != "Total"), desc


def test_detailed_pages_through_the_csvs_rows_in_order(client, factory, db, run_jobs, monkeypatch):
    monkeypatch.setattr(screens, "PAGE_SIZE", 4)
    w = report_data.build(factory, db)
    login(client, w.owner)
    report = _completed(client, db, w, run_jobs)
    detail_csv, _ = _csv(client, report)
    seen, page_number = [], 1
    while True:
        page = client.get(f"/reports/{report.id}?tab=detailed&page={page_number}").get_data(as_text=True)
        assert 'aria-current="page">Detailed' in page and 'data-testid="report-summary"' not in page
        rows = _cells(page, "detail-row")
        assert 0 < len(rows) <= 4
        seen += rows
        if 'rel="next"' not in page:
            break
        page_number += 1
    assert page_number == 3 and "Page 3 of 3" in page
    want = [[r["date"], r["start (Europe/Berlin)"][11:16], r["end (Europe/Berlin)"][11:16] or "running",
             r["duration"], r["user"], r["project"]] for r in detail_csv]
    assert [row[:6] for row in seen] == want
    # a page past the end shows the last; a malformed one the first; an unknown tab the summary
    assert "Page 3 of 3" in client.get(f"/reports/{report.id}?tab=detailed&page=99").get_data(as_text=True)
    for bad in ("x", "\u00b2", "-1", "9" * 40):
        assert "Page 1 of 3" in client.get(f"/reports/{report.id}?tab=detailed&page={bad}").get_data(as_text=True)
    assert 'data-testid="report-summary"' in client.get(f"/reports/{report.id}?tab=<x>").get_data(as_text=True)


def test_weekly_adds_up_to_the_reports_total_week_by_week(client, factory, db, run_jobs):
    w = report_data.build(factory, db)
    login(client, w.owner)
    report = _completed(client, db, w, run_jobs)
    total, week, weeks = 0, "", 0
    while True:
        page = client.get(f"/reports/{report.id}?tab=weekly&by=project&week={week}").get_data(as_text=True)
        assert 'data-testid="report-weekly"' in page
        total += int(re.search(r'data-testid="weekly-total" data-seconds="(\d+)"', page).group(1))
        weeks += 1
        following = re.search(r'href="[^"]*week=([0-9-]+)[^"]*" rel="next"', page)
        if not following:
            break
        week = following.group(1)
    assert 4 <= weeks <= 6
    db.session.expire_all()
    assert total == db.session.get(Report, report.id).summary["total"]["seconds"] > 0
    first = re.search(r'data-week="([0-9-]+)"', client.get(f"/reports/{report.id}?tab=weekly").get_data(
        as_text=True)).group(1)
    for bad in ("garbage", "0001-01-01", "9999-12-31"):  # not a date, before and after the report: its first/last
        page = client.get(f"/reports/{report.id}?tab=weekly&week={bad}")
        assert page.status_code == 200 and 'aria-current="page">People' in page.get_data(as_text=True)
        assert re.search(r'data-week="([0-9-]+)"', page.get_data(as_text=True)).group(1) == (
            week if bad.startswith("9999") else first)


def test_a_report_not_done_has_no_tabs(client, factory, db):
    w = report_data.build(factory, db)
    login(client, w.owner)
    response = client.post("/reports", data={**FORM, "organization_id": str(w.org.id)})
    page = client.get(response.headers["Location"] + "?tab=detailed").get_data(as_text=True)
    assert 'data-testid="report-tabs"' not in page and 'data-testid="report-detailed"' not in page
    # a month spans weeks: the running page has the Weekly section its job appends each week's tables to
    report_id = int(response.headers["Location"].rsplit("/", 1)[-1])
    assert 'data-testid="report-weeks-live"' in page and f'id="report-{report_id}-weeks"' in page


def test_detailed_rows_link_to_edit_what_the_viewer_may_and_mark_locked_ones(client, factory, db, run_jobs):
    """An owner may edit every entry of the report, a manager only their own (the policy of /time-logs); an entry
    before the lock date or in an approved week shows a lock mark with its reason instead; a share link is
    read-only. The link's `next` is this very page."""
    from app.models import ApprovalStatus, WeekApproval
    from app.timezones import week_first_day
    w = report_data.build(factory, db)
    login(client, w.manager)
    mine = _completed(client, db, w, run_jobs)
    page = client.get(f"/reports/{mine.id}?tab=detailed").get_data(as_text=True)
    assert 'data-testid="detail-as-now"' in page
    rows = _cells(page, "detail-row")
    editable = [r for r in rows if r[-1] == "Edit"]
    assert {r[4] for r in editable} == {"Mona Manager"} and len(editable) == 2 and len(rows) > 2
    client.post("/logout")

    login(client, w.owner)
    report = _completed(client, db, w, run_jobs)
    page = client.get(f"/reports/{report.id}?tab=detailed&page=1").get_data(as_text=True)
    rows = _cells(page, "detail-row")
    assert rows and all(r[-1] == "Edit" for r in rows)
    assert f"next=/reports/{report.id}?tab%3Ddetailed%26page%3D1" in page.replace("%2F", "/")

    w.org.lock_date = w.first.replace(day=3)  # the 2nd is locked
    approved = week_first_day(w.first.replace(day=16), w.org.week_start or 0)  # Bea's week of her hotfix
    reviewed = week_first_day(w.first.replace(day=3), w.org.week_start or 0)  # Mona's week of her review, invoiced
    for person, week in ((w.beta_member, approved), (w.manager, reviewed)):
        db.session.add(WeekApproval(organization_id=w.org.id, user_id=person.id, week_start=week,
                                    status=ApprovalStatus.APPROVED.value))
    db.session.commit()
    invoice = invoices.draft(w.client, w.first, w.last, InvoiceGrouping.PROJECT, actor=w.owner).invoice
    invoices.send(invoice, actor=w.owner)
    db.session.commit()
    rows = _cells(client.get(f"/reports/{report.id}?tab=detailed").get_data(as_text=True), "detail-row")
    locked = {html.unescape(r[9]): r[-1] for r in rows if r[-1] != "Edit"}
    want = {"Kick-off, café ☕", "Night deploy", "Hotfix", "Review"} | (
        {'Feature "x", part 1'} if w.first.replace(day=10) >= approved else set()) | (
        {"Planning"} if w.first.replace(day=9) < reviewed + timedelta(days=7) else set())
    assert set(locked) == want, locked
    assert "lock date" in locked["Night deploy"] and "is approved and locked" in locked["Hotfix"]
    assert f"on invoice {invoice.number}, sent" in locked["Review"]
    assert all(v.startswith("🔒 Locked") for v in locked.values())

    from tests.integration.test_report_shares import _share
    secret = _share(client, report.id)
    client.post("/logout")
    shared = client.get(f"/shared/reports/{secret}?tab=detailed").get_data(as_text=True)
    assert _cells(shared, "detail-row") and "detail-edit" not in shared and "detail-locked" not in shared


def test_an_edit_from_the_detailed_tab_lands_back_on_its_page_showing_the_entry_as_it_is_now(
        client, factory, db, run_jobs, monkeypatch):
    monkeypatch.setattr(screens, "PAGE_SIZE", 4)
    w = report_data.build(factory, db)
    login(client, w.owner)
    report = _completed(client, db, w, run_jobs)
    page = client.get(f"/reports/{report.id}?tab=detailed&page=2").get_data(as_text=True)
    edit = next(re.search(r'href="([^"]+)" data-testid="detail-edit"', row).group(1).replace("&amp;", "&")
                for row in re.findall(r'data-testid="detail-row">(.*?)</tr>', page, re.S) if "former member" not in row)
    form = client.get(edit).get_data(as_text=True)
    assert f'name="next" value="/reports/{report.id}?tab=detailed&amp;page=2"' in form
    log = db.session.get(TimeLog, int(re.search(r"/time-logs/(\d+)/edit", edit).group(1)))
    start = to_local(log.start_time, ZoneInfo(report_data.ZONE))
    data = {"project_id": log.project_id, "day": start.date().isoformat(), "start": start.strftime("%H:%M"),
            "end": "", "duration": str(log.duration_minutes), "description": "Edited from the report",
            "billable": "y" if log.billable else "", "task_id": "0",
            "next": f"/reports/{report.id}?tab=detailed&page=2"}
    response = client.post(edit, data=data)
    assert response.status_code == 303, re.findall(r"(?:error|alert)[^>]*>([^<]+)", response.get_data(as_text=True))
    assert response.headers["Location"] == f"/reports/{report.id}?tab=detailed&page=2"
    landing = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Entry updated." in landing and "Page 2 of 3" in landing
    assert "Edited from the report" in [r[9] for r in _cells(landing, "detail-row")]


def _seconds(hmm: str) -> int:
    hours, minutes = hmm.split(":")
    return (int(hours) * 60 + int(minutes)) * 60


def test_a_report_over_three_weeks_stores_and_streams_its_weekly_tables_with_the_files_figures(
        client, factory, db, run_jobs, redis_conn):
    """The job builds every week's tables (people, projects) from the rows it writes to the file, streams each week's
    section to the report's topic as it goes (with the bar's weekly phase), and stores them; the Weekly tab then
    reads what is stored, and a report without stored tables (one completed before them) still reads its rows."""
    from app.live.publisher import CHANNEL
    from app.reports.grouping import week_of
    w = report_data.build(factory, db)
    login(client, w.owner)
    pubsub = redis_conn.pubsub(ignore_subscribe_messages=True)
    pubsub.subscribe(CHANNEL)
    span = {"range": "custom", "date_from": w.first.replace(day=2).isoformat(),
            "date_to": w.first.replace(day=16).isoformat()}  # 15 days: three weeks, whatever day the month starts
    report = _completed(client, db, w, run_jobs, **span)
    streams, deadline = [], time.monotonic() + 5
    while time.monotonic() < deadline:
        message = pubsub.get_message(timeout=0.2)
        if message is None:
            if any('data-status="completed"' in s["stream"] for s in streams):
                break
            continue
        streams.append(json.loads(message["data"]))
    pubsub.close()

    week_start = w.org.week_start or 0
    detail_csv, _ = _csv(client, report)
    want: dict[str, dict[str, dict[str, list[int]]]] = {}
    for row in detail_csv:
        day = date.fromisoformat(row["date"])
        first = week_of(day, week_start)
        for by in ("user", "project"):
            line = want.setdefault(first.isoformat(), {"user": {}, "project": {}})[by].setdefault(row[by], [0] * 7)
            line[(day - first).days] += _seconds(row["duration"])
    stored = report.weekly["weeks"]
    assert len(stored) == 3 and len(want) >= 2 and set(want) <= set(stored)
    for week, tables in stored.items():
        for by in ("user", "project"):
            assert {label: seconds for label, seconds in tables[by]} == want.get(week, {}).get(by, {}), (week, by)
    assert sum(sum(s) for t in stored.values() for _, s in t["project"]) == report.summary["total"]["seconds"] > 0

    sections = [s for s in streams if 'data-testid="report-week-section"' in s["stream"]]
    assert [re.search(r'data-week="([0-9-]+)"', s["stream"]).group(1) for s in sections] == sorted(stored)
    assert all(s["topics"] == [f"report:{report.id}"] and f'target="report-{report.id}-weeks"' in s["stream"]
               and 'action="append"' in s["stream"] for s in sections)
    assert any("Weekly tables: 0 of 3 weeks" in s["stream"] for s in streams)  # the bar covers the phase

    # the Weekly tab reads the stored tables: a log deleted since does not change them; without them, it reads rows
    hotfix = db.session.scalar(select(TimeLog).where(TimeLog.description == "Hotfix"))
    week = week_of(to_local(hotfix.start_time, ZoneInfo(report_data.ZONE)).date(), week_start).isoformat()
    before = client.get(f"/reports/{report.id}?tab=weekly&by=project&week={week}").get_data(as_text=True)
    db.session.delete(hotfix)
    db.session.commit()
    page = client.get(f"/reports/{report.id}?tab=weekly&by=project&week={week}").get_data(as_text=True)
    assert _cells(page, "weekly-row") == _cells(before, "weekly-row") and "Beta app" in page
    assert "Hours as they were when the report ran" in page
    assert re.search(r'data-week="([0-9-]+)"', page).group(1) == week and 'rel="prev"' in page
    report.weekly = None
    db.session.commit()
    page = client.get(f"/reports/{report.id}?tab=weekly&by=project&week={week}").get_data(as_text=True)
    assert "Hours as they are now" in page
    seconds = int(re.search(r'data-testid="weekly-total" data-seconds="(\d+)"', page).group(1))
    assert seconds == sum(sum(s) for _, s in stored[week]["project"]) - 16 * 60
