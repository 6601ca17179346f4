"""Reports by tag and by task (issue 19 B): grouping, filters, the task and tags columns of every format (text
cells neutralised like every other), and parameters refusing tags and tasks of another organization."""
from __future__ import annotations

import csv
import zipfile
from datetime import datetime
from types import SimpleNamespace

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from app.models import Role, Tag, Task
from app.reports.generate import generate
from app.reports.params import ParamError, ReportParams, check

AS_OF = datetime(2026, 12, 5, 12, 0)


def _world(factory, db):
    org = factory.organization(name="Acme", currency="EUR")
    owner = factory.user(org, Role.OWNER, name="Olga Owner", time_zone="UTC")
    site = factory.project(org, name="Site")
    design, launch = Task(project_id=site.id, name="Design"), Task(project_id=site.id, name="=Launch")
    meeting, urgent = Tag(organization_id=org.id, name="meeting"), Tag(organization_id=org.id, name="@urgent")
    db.session.add_all([design, launch, meeting, urgent])
    db.session.commit()
    factory.time_log(owner, site, datetime(2026, 11, 2, 9), 60, description="A", task_id=design.id,
                     tags=[meeting, urgent])
    factory.time_log(owner, site, datetime(2026, 11, 3, 9), 30, description="B", task_id=launch.id, tags=[meeting])
    factory.time_log(owner, site, datetime(2026, 11, 4, 9), 15, description="C")
    other = factory.organization(name="Other")
    elsewhere = factory.project(other, name="Theirs")
    foreign_tag = Tag(organization_id=other.id, name="theirs")
    foreign_task = Task(project_id=elsewhere.id, name="Theirs")
    db.session.add_all([foreign_tag, foreign_task])
    db.session.commit()
    return SimpleNamespace(org=org, owner=owner, design=design, launch=launch, meeting=meeting, urgent=urgent,
                           foreign_tag=foreign_tag, foreign_task=foreign_task)


def _params(w, **values) -> ReportParams:
    return check(ReportParams(organization_id=w.org.id, range="custom", date_from="2026-11-01",
                              date_to="2026-11-30", time_zone="UTC", **values))


def _run(w, tmp_path, **values):
    return generate(_params(w, **values), w.owner, w.org, tmp_path, "r", AS_OF)


def _csv_rows(tmp_path, result) -> list[dict]:
    path = tmp_path / result.file_name
    if path.suffix == ".zip":
        with zipfile.ZipFile(path) as zf:
            text = zf.read("r.csv").decode("utf-8")
    else:
        text = path.read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


def test_csv_carries_task_and_tags_neutralised(db, factory, tmp_path):
    w = _world(factory, db)
    rows = {r["description"]: r for r in _csv_rows(tmp_path, _run(w, tmp_path, format="csv"))}
    assert (rows["A"]["task"], rows["A"]["tags"]) == ("Design", "'@urgent, meeting")
    assert (rows["B"]["task"], rows["B"]["tags"]) == ("'=Launch", "meeting")
    assert (rows["C"]["task"], rows["C"]["tags"]) == ("", "")


@pytest.mark.parametrize("level, expected", [
    ("task", {"Design": 60, "=Launch": 30, "(no task)": 15}),
    ("tag", {"@urgent, meeting": 60, "meeting": 30, "(no tag)": 15}),
])
def test_group_by_task_and_by_tags(db, factory, tmp_path, level, expected):
    w = _world(factory, db)
    report = _run(w, tmp_path, format="csv", groups=[level])
    summary = report.summary
    assert {g["label"]: g["seconds"] // 60 for g in summary["groups"]} == expected
    assert summary["total"]["seconds"] // 60 == 105  # each log counts once


def test_filter_by_tag_and_by_task(db, factory, tmp_path):
    w = _world(factory, db)
    by_tag = _csv_rows(tmp_path, _run(w, tmp_path, format="csv", tag_ids=[w.urgent.id]))
    assert [r["description"] for r in by_tag] == ["A"]
    by_task = _csv_rows(tmp_path, _run(w, tmp_path, format="csv", task_ids=[w.launch.id]))
    assert [r["description"] for r in by_task] == ["B"]
    both_tags = _csv_rows(tmp_path, _run(w, tmp_path, format="csv", tag_ids=[w.meeting.id, w.urgent.id]))
    assert sorted(r["description"] for r in both_tags) == ["A", "B"]  # any of the tags, each log once


def test_tags_and_tasks_of_another_organization_are_refused(db, factory):
    w = _world(factory, db)
    with pytest.raises(ParamError) as refused:
        _params(w, tag_ids=[w.foreign_tag.id], task_ids=[w.foreign_task.id])
    assert set(refused.value.errors) == {"tag_ids", "task_ids"}


def test_xlsx_and_pdf_carry_task_and_tags(db, factory, tmp_path):
    w = _world(factory, db)
    wb = load_workbook(tmp_path / _run(w, tmp_path, format="xlsx").file_name)
    ws = wb["Detail"]
    header = [c.value for c in ws[1]]
    assert header[-2:] == ["Task", "Tags"]
    values = {row[8]: row[-2:] for row in ws.iter_rows(min_row=2, values_only=True)}
    assert values["B"] == ("'=Launch", "meeting") and values["A"] == ("Design", "'@urgent, meeting")
    pdf = _run(w, tmp_path, format="pdf")
    text = "\n".join(page.extract_text() for page in PdfReader(tmp_path / pdf.file_name).pages)
    assert "Task" in text and "Tags" in text and "Design" in text and "'=Launch" in text
