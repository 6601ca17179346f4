"""`flask reports generate`: the same report as the page, in the foreground with a progress bar; bad
options exit non-zero with the message."""
from __future__ import annotations

import csv
import io
import zipfile

import pytest
from openpyxl import load_workbook

from tests import report_data


def _args(w, out, *extra) -> list[str]:
    return ["reports", "generate", "--org", str(w.org.id), "--from", w.first.isoformat(), "--to",
            w.last.isoformat(), "--time-zone", report_data.ZONE, "--out", str(out), *extra]


def test_generate_writes_the_report_with_a_progress_bar(app, db, factory, tmp_path):
    w = report_data.build(factory, db)
    out = tmp_path / "month.xlsx"
    result = app.test_cli_runner().invoke(args=_args(w, out, "--format", "xlsx", "--group", "project,user"))
    assert result.exit_code == 0, result.output
    assert "writing 9 rows" in result.output and f"wrote {out}" in result.output
    wb = load_workbook(out)
    assert len(list(wb["Detail"].iter_rows(min_row=2))) == 9
    want = report_data.expected(db, w)
    total = next(r for r in wb["Summary"].iter_rows(values_only=True) if r and r[0] == "Total")
    assert round(total[2].total_seconds()) == want["seconds"]


def test_generate_for_one_person_as_csv_zip(app, db, factory, tmp_path):
    w = report_data.build(factory, db)
    out = tmp_path / "max.zip"
    result = app.test_cli_runner().invoke(args=_args(w, out, "--user", "MEMBER@acme.test", "--group", "day"))
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(out) as zf:
        rows = list(csv.DictReader(io.StringIO(zf.read("report.csv").decode())))
    assert {r["user"] for r in rows} == {"Max Member"} and len(rows) == 3


@pytest.mark.parametrize("extra, message", [
    (["--format", "docx"], "--format"),
    (["--group", "planet"], "--group: Group by at most two of"),
    (["--user", "nobody@nowhere.test"], "No user nobody@nowhere.test"),
    (["--rounding", "up", "--rounding-minutes", "7"], "--rounding-minutes"),
    (["--time-zone", "Mars/Olympus"], "--time-zone: Unknown time zone"),
])
def test_bad_options_exit_non_zero_with_the_message(app, db, factory, tmp_path, extra, message):
    w = report_data.build(factory, db)
    out = tmp_path / "x.csv"
    result = app.test_cli_runner().invoke(args=_args(w, out, *extra))
    assert result.exit_code != 0 and message in result.output and not out.exists()


def test_dates_and_organization_are_checked(app, db, factory, tmp_path):
    w = report_data.build(factory, db)
    runner = app.test_cli_runner()
    base = ["reports", "generate", "--out", str(tmp_path / "x.csv")]
    bad_order = runner.invoke(args=[*base, "--org", str(w.org.id), "--from", "2026-11-30", "--to", "2026-11-01"])
    assert bad_order.exit_code != 0 and "--to: The end date is before the start date." in bad_order.output
    too_long = runner.invoke(args=[*base, "--org", str(w.org.id), "--from", "2010-01-01", "--to", "2026-11-01"])
    assert too_long.exit_code != 0 and "at most 5 years" in too_long.output
    no_org = runner.invoke(args=[*base, "--org", "999999", "--from", "2026-11-01", "--to", "2026-11-30"])
    assert no_org.exit_code != 0 and "No organization 999999" in no_org.output
    not_a_date = runner.invoke(args=[*base, "--org", str(w.org.id), "--from", "soon", "--to", "2026-11-30"])
    assert not_a_date.exit_code != 0 and "YYYY-MM-DD" in not_a_date.output
