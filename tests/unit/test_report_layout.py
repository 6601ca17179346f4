"""The report's words and the PDF's layout: a range in words (never "None to None"), the billable filter's labels,
and a PDF whose tables fit the page, whose long texts are cut with an ellipsis and whose pages are all numbered."""
from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal

from pypdf import PdfReader

from app.reports.grouping import Grouper
from app.reports.params import BILLABLE, ReportParams, describe, range_in_words
from app.reports.query import ReportRow
from app.reports.writers.formats import Meta
from app.reports.writers.pdf_writer import PdfWriter


def _params(**kw) -> ReportParams:
    return ReportParams(organization_id=1, **kw)


def test_a_saved_preset_reads_as_its_name_and_never_none_to_none():
    for preset, words in (("last_month", "Last month"), ("this_week", "This week"), ("this_year", "This year")):
        params = _params(range=preset)  # a saved definition keeps the preset without dates
        assert range_in_words(params) == words
        assert "None" not in describe(params)
        assert describe(params).startswith(words)


def test_dates_read_as_a_span_in_words():
    assert range_in_words(_params(range="custom", date_from="2026-03-01", date_to="2026-03-31")) == "1\u201331 Mar 2026"
    assert range_in_words(_params(range="custom", date_from="2026-02-24", date_to="2026-03-02")) == \
        "24 Feb \u2013 2 Mar 2026"
    assert range_in_words(_params(range="custom", date_from="2025-12-29", date_to="2026-01-04")) == \
        "29 Dec 2025 \u2013 4 Jan 2026"
    assert range_in_words(_params(range="custom", date_from="2026-03-03", date_to="2026-03-03")) == "3 Mar 2026"
    resolved = _params(range="last_month").resolved(date(2026, 4, 15))
    assert describe(resolved).startswith("1\u201331 Mar 2026 (last month)")


def test_the_filters_are_counted_in_words():
    params = _params(range="this_week", project_ids=[1], user_ids=[2, 3], billable="non_billable")
    assert describe(params).startswith("This week, only 1 project, 2 people, non-billable only,")


def test_the_billable_filter_says_what_each_choice_means():
    assert list(BILLABLE.values()) == ["Both", "Billable only", "Non-billable only"]


LONG = "Extraordinarily long project name that would never fit in one column of a table " * 2


def _rows(count: int) -> list[ReportRow]:
    return [ReportRow(log_id=i, day=date(2026, 3, 1 + i % 28), start=datetime(2026, 3, 1 + i % 28, 9),
                      end=datetime(2026, 3, 1 + i % 28, 11), seconds=7200, user=f"Person {i % 7} " + "W" * 40,
                      team="Team", project=f"{LONG} {i % 5}", client="Client " + "M" * 50, description=LONG,
                      billable=True, rate=Decimal("100"), amount=Decimal("200.00"), user_id=i % 7,
                      project_id=i % 5, team_id=None, client_id=None, task="Task " + "x" * 60, tags="a, b")
            for i in range(count)]


def _pdf(tmp_path, levels: list[str], count: int) -> tuple[PdfWriter, PdfReader]:
    params = _params(range="custom", date_from="2026-03-01", date_to="2026-03-31", groups=levels, format="pdf")
    meta = Meta(title="Time report", organization="Acme", currency="EUR", parameters=describe(params), params=params,
                generated_at=datetime(2026, 4, 1, 8), as_of=datetime(2026, 4, 1, 8))
    writer, grouper = PdfWriter(tmp_path, "report-1-a", meta), Grouper(levels)
    for row in _rows(count):
        writer.write(row)
        grouper.add(row)
    name = writer.close(grouper.summary("EUR"))
    return writer, PdfReader(tmp_path / name)


def test_every_pdf_table_fits_the_page_and_long_text_is_cut_with_an_ellipsis(tmp_path):
    for levels in ([], ["project"], ["project", "user"]):
        writer, reader = _pdf(tmp_path, levels, 60)
        assert writer.page_width > 0 and writer.tables
        for widths in writer.tables:
            assert sum(widths) <= writer.page_width + 0.01, (levels, widths)
        page_width_pt = float(reader.pages[0].mediabox.width)
        assert page_width_pt > float(reader.pages[0].mediabox.height)  # landscape
        text = "".join(page.extract_text() for page in reader.pages)
        assert "\u2026" in text  # the long names were cut, not left to run over the next column
        assert LONG not in text


def test_every_pdf_page_is_numbered_page_n_of_total(tmp_path):
    _, reader = _pdf(tmp_path, ["project"], 400)
    total = len(reader.pages)
    assert total >= 3
    for number, page in enumerate(reader.pages, start=1):
        assert re.search(rf"Page {number} of {total}\b", page.extract_text()), number


def test_the_chart_leaves_room_for_its_labels_and_values(tmp_path):
    writer, _ = _pdf(tmp_path, ["user"], 30)
    label_w, gap, bar_w, gap2, value_w = writer.tables[1]
    assert label_w <= writer.page_width / 3 + 0.01 and value_w > 0 and bar_w > 0
    assert abs(label_w + gap + bar_w + gap2 + value_w - writer.page_width) < 0.01
