"""Report totals in every format equal the database's sums for the same filter and rounding (several
groupings, filters and roundings), a running timer counts up to the report's creation, a log crossing
local midnight counts on its start day; each format is read back (csv, openpyxl, pypdf)."""
from __future__ import annotations

import csv
import io
import zipfile
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from app.models import Project
from app.reports.generate import generate
from app.reports.params import ReportParams, check
from tests import report_data

AS_OF = datetime(2026, 12, 5, 12, 0)


def _params(w, **kw) -> ReportParams:
    base = dict(organization_id=w.org.id, range="custom", date_from="2026-11-01", date_to="2026-11-30",
                time_zone=report_data.ZONE)
    base.update(kw)
    return check(ReportParams(**base))


def _run(w, tmp_path: Path, user, **kw):
    params = _params(w, **kw)
    result = generate(params, user, w.org, tmp_path, "r", AS_OF)
    return params, result


def _secs(value) -> int:
    """A [h]:mm cell as openpyxl reads it (a timedelta), in seconds."""
    return round(value.total_seconds()) if isinstance(value, timedelta) else round(value * 86400)


def _hmm(text: str) -> int:
    hours, minutes = text.split(":")
    return (int(hours) * 60 + int(minutes)) * 60


def _read_csv(path: Path) -> tuple[list[dict], list[list[str]] | None]:
    if path.suffix == ".zip":
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
            detail = zf.read(next(n for n in names if not n.endswith("-summary.csv"))).decode("utf-8")
            summary = zf.read(next(n for n in names if n.endswith("-summary.csv"))).decode("utf-8")
        return list(csv.DictReader(io.StringIO(detail))), list(csv.reader(io.StringIO(summary)))
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8")))), None


CASES = [
    dict(groups=[], rounding="none"),
    dict(groups=["project"], rounding="up", rounding_minutes=15),
    dict(groups=["user", "day"], rounding="nearest", rounding_minutes=6),
    dict(groups=["client"], rounding="down", rounding_minutes=10, billable="billable"),
    dict(groups=["team", "month"], rounding="up", rounding_minutes=30, billable="non_billable"),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: "-".join(c["groups"]) or "none")
def test_csv_totals_equal_the_database(db, factory, tmp_path, case):
    w = report_data.build(factory, db, 2026, 11)
    params, result = _run(w, tmp_path, w.owner, format="csv", **case)
    bill = {"billable": True, "non_billable": False}.get(case.get("billable"))
    want = report_data.expected(db, w, billable=bill, rounding=case["rounding"],
                                step=case.get("rounding_minutes", 15))
    rows, summary = _read_csv(tmp_path / result.file_name)
    assert len(rows) == want["rows"] == result.rows
    assert sum(_hmm(r["duration"]) for r in rows) == want["seconds"] == result.summary["total"]["seconds"]
    amounts = sum((Decimal(r["amount (EUR)"]) for r in rows if r["amount (EUR)"]), Decimal("0"))
    assert amounts == want["amount"]
    assert (tmp_path / result.file_name).suffix == (".zip" if case["groups"] else ".csv")
    if summary:
        total = next(r for r in summary if r and r[0] == "Total")
        assert _hmm(total[len(case["groups"])]) == want["seconds"]
        assert any(r[:2] == ["Time zone", report_data.ZONE] for r in summary)
    assert list(rows[0])[1] == f"start ({report_data.ZONE})"


@pytest.mark.parametrize("case", CASES[:3], ids=lambda c: "-".join(c["groups"]) or "none")
def test_xlsx_totals_equal_the_database(db, factory, tmp_path, case):
    w = report_data.build(factory, db, 2026, 11)
    params, result = _run(w, tmp_path, w.owner, format="xlsx", **case)
    want = report_data.expected(db, w, rounding=case["rounding"], step=case.get("rounding_minutes", 15))
    wb = load_workbook(tmp_path / result.file_name)
    assert wb.sheetnames == ["Summary", "Detail"]
    detail = list(wb["Detail"].iter_rows(min_row=2, values_only=True))
    assert len(detail) == want["rows"]
    assert sum(_secs(r[3]) for r in detail) == want["seconds"]
    assert round(sum(Decimal(str(r[11])) for r in detail if r[11] is not None), 2) == want["amount"]
    total = next(r for r in wb["Summary"].iter_rows(values_only=True) if r and r[0] == "Total")
    depth = max(1, len(case["groups"]))
    assert _secs(total[depth]) == want["seconds"] and total[depth + 1] == want["rows"]
    assert Decimal(str(total[depth + 2])).quantize(Decimal("0.01")) == want["amount"]


@pytest.mark.parametrize("case", CASES[1:3], ids=lambda c: "-".join(c["groups"]))
def test_pdf_totals_equal_the_database(db, factory, tmp_path, case):
    w = report_data.build(factory, db, 2026, 11)
    params, result = _run(w, tmp_path, w.owner, format="pdf", **case)
    want = report_data.expected(db, w, rounding=case["rounding"], step=case.get("rounding_minutes", 15))
    text = "\n".join(page.extract_text() for page in PdfReader(tmp_path / result.file_name).pages)
    minutes = want["seconds"] // 60
    total_line = next(line for line in text.splitlines() if line.startswith("Total"))
    assert f"{minutes // 60}:{minutes % 60:02d}" in total_line and str(want["rows"]) in total_line
    assert f"{want['amount']:.2f}" in total_line
    assert f"Time zone: {report_data.ZONE}" in text and "Summary" in text and "Detail" in text
    assert "Night deploy" in text and "Fred Former (former member)" in text


def test_xlsx_cell_by_cell_on_a_small_data_set(db, factory, tmp_path):
    w = report_data.build(factory, db, 2026, 11)
    _, result = _run(w, tmp_path, w.owner, format="xlsx", groups=["project", "user"], project_ids=[w.site.id])
    wb = load_workbook(tmp_path / result.file_name)
    ws = wb["Detail"]
    assert [c.value for c in ws[1]] == ["Date", f"Start ({report_data.ZONE})", f"End ({report_data.ZONE})",
                                        "Duration", "User", "Team", "Project", "Client", "Description", "Billable",
                                        "Rate (EUR)", "Amount (EUR)", "Task", "Tags"]
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:N5"
    assert ws.column_dimensions["I"].width == 50
    first = ws[2]
    assert first[0].value == datetime(2026, 11, 2) and first[0].number_format == "yyyy-mm-dd"
    assert first[1].value == datetime(2026, 11, 2, 9, 0) and first[2].value == datetime(2026, 11, 2, 9, 52)
    assert _secs(first[3].value) == 52 * 60 and first[3].number_format == "[h]:mm"
    assert [c.value for c in first[4:10]] == ["Max Member", "Alpha", "Alpha site", "Globex", "Kick-off, café ☕",
                                              "yes"]
    assert first[10].value == 90.0 and first[11].value == 78.0  # 52 min at 90/h
    night = ws[3]  # 23:30 local on the 2nd, ends on the 3rd: a row of the 2nd
    assert night[0].value == datetime(2026, 11, 2) and night[2].value == datetime(2026, 11, 3, 0, 45)
    assert [r[4].value for r in ws.iter_rows(min_row=2)] == ["Max Member", "Max Member", "Mona Manager",
                                                              "Fred Former (former member)"]
    summary = {r[0].value: r for r in wb["Summary"].iter_rows() if r[0].value}
    assert summary["Time zone"][1].value == report_data.ZONE
    rows = [[c.value for c in r] for r in wb["Summary"].iter_rows(min_row=9)]
    assert [r[:2] for r in rows] == [["Alpha site", "Fred Former (former member)"], ["Alpha site", "Max Member"],
                                     ["Alpha site", "Mona Manager"], ["Alpha site", "Subtotal"], ["Total", None]]
    assert _secs(rows[3][2]) == (52 + 75 + 61 + 29) * 60 and rows[3][3] == 4
    assert wb["Summary"]["C12"].number_format == "[h]:mm"


def test_running_timer_counts_up_to_the_reports_creation(db, factory, tmp_path):
    w = report_data.build(factory, db, 2026, 11)
    start = AS_OF - timedelta(minutes=25)
    factory.time_log(w.member, w.site, start, None, description="Still running")
    factory.time_log(w.manager, w.site, AS_OF + timedelta(minutes=5), None, description="Started after")
    params = _params(w, date_from="2026-11-01", date_to="2026-12-31", format="csv")
    result = generate(params, w.owner, w.org, tmp_path, "r", AS_OF)
    rows, _ = _read_csv(tmp_path / result.file_name)
    running = [r for r in rows if r["description"] == "Still running"]
    assert len(running) == 1 and running[0][f"end ({report_data.ZONE})"] == "" and running[0]["duration"] == "0:25"
    assert not [r for r in rows if r["description"] == "Started after"]
    want = report_data.expected(db, w, end=datetime(2026, 12, 31, 23, 0), as_of=AS_OF)
    assert want["rows"] == 10
    assert result.summary["total"]["seconds"] == want["seconds"]


@pytest.mark.parametrize("role, people", [
    ("member", {"Max Member"}),
    ("manager", {"Max Member", "Mona Manager", "Fred Former (former member)"}),
    ("owner", {"Max Member", "Mona Manager", "Fred Former (former member)", "Bea Beta", "Olivia Owner"}),
    ("sysadmin", {"Max Member", "Mona Manager", "Fred Former (former member)", "Bea Beta", "Olivia Owner"}),
])
def test_a_report_holds_what_the_policy_lets_its_owner_see(db, factory, tmp_path, role, people):
    w = report_data.build(factory, db, 2026, 11)
    user = getattr(w, role)
    _, result = _run(w, tmp_path, user, format="csv", groups=["user"])
    rows, _ = _read_csv(tmp_path / result.file_name)
    assert {r["user"] for r in rows} == people
    ids = {w.member.id: "member", w.manager.id: "manager", w.former.id: "former", w.beta_member.id: "beta",
           w.owner.id: "owner"}
    want = report_data.expected(db, w, user_ids={i for i, n in ids.items() if
                                                        {"member": "Max Member", "manager": "Mona Manager",
                                                         "former": "Fred Former (former member)",
                                                         "beta": "Bea Beta", "owner": "Olivia Owner"}[n] in people})
    assert result.summary["total"]["seconds"] == want["seconds"]
    assert "Elsewhere" not in {r["description"] for r in rows}


def test_day_grouping_uses_the_users_time_zone(db, factory, tmp_path):
    w = report_data.build(factory, db, 2026, 11)
    _, result = _run(w, tmp_path, w.owner, format="csv", groups=["day"], project_ids=[w.site.id])
    days = {g["label"]: g["seconds"] // 60 for g in result.summary["groups"]}
    assert days["2026-11-02"] == 52 + 75  # the 23:30 entry is on the 2nd in Berlin (22:30 UTC)
    assert "2026-10-31" not in days  # 22:00 local on Oct 31 is outside November
    assert sum(days.values()) == 52 + 75 + 61 + 29


def test_filters_by_project_client_team_and_user(db, factory, tmp_path):
    w = report_data.build(factory, db, 2026, 11)
    _, by_client = _run(w, tmp_path, w.owner, format="csv", client_ids=[w.client.id])
    assert by_client.summary["total"]["seconds"] == report_data.expected(db, w, project_ids={w.site.id})[
        "seconds"]
    _, by_team = _run(w, tmp_path, w.owner, format="csv", team_ids=[w.beta.id])
    assert by_team.summary["total"]["seconds"] == (128 + 16) * 60
    _, by_user = _run(w, tmp_path, w.owner, format="csv", user_ids=[w.manager.id])
    assert by_user.summary["total"]["seconds"] == (61 + 33) * 60
    assert db.session.get(Project, w.internal.id).hourly_rate is None
    assert date(2026, 11, 1)  # the range is inclusive of both ends (checked by the month-end log)
    _, month = _run(w, tmp_path, w.owner, format="csv", user_ids=[w.owner.id])
    assert month.summary["total"]["seconds"] == 44 * 60


def test_decimal_hours_in_xlsx_and_csv(db, factory, tmp_path):
    w = report_data.build(factory, db, 2026, 11)
    want = report_data.expected(db, w)
    _, xlsx = _run(w, tmp_path, w.owner, format="xlsx", hours_format="decimal", groups=["project"])
    wb = load_workbook(tmp_path / xlsx.file_name)
    detail = list(wb["Detail"].iter_rows(min_row=1))
    assert detail[0][3].value == "Hours" and detail[1][3].number_format == "0.00"
    assert abs(sum(r[3].value for r in detail[1:]) * 3600 - want["seconds"]) < 1
    _, csv_result = _run(w, tmp_path, w.owner, format="csv", hours_format="decimal")
    rows, _ = _read_csv(tmp_path / csv_result.file_name)
    assert rows[0]["duration"] == "0.87"  # 52 minutes
    assert abs(sum(Decimal(r["duration"]) for r in rows) * 3600 - want["seconds"]) <= 0.005 * 3600 * len(rows)
