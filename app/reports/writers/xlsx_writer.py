"""XLSX with openpyxl's write-only mode (rows go to a temporary file as they come: constant memory).

Summary sheet first (the parameters, then groups, subtotals and the total as typed numbers), Detail
sheet second (typed cells: dates as dates, durations as numbers formatted [h]:mm or decimal hours).
Both have a header row, frozen panes, column widths and an autofilter.

Every name and description is a text cell (`_text`): neutralised by cells.text_cell like every format, and typed
as a string, so nothing a person typed is ever stored as a formula (openpyxl would take any string starting with
"=" for one) or an error value ("#N/A"); characters XML cannot hold (control characters) are left out.
"""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._writer import ALL_TEMP_FILES, WorksheetWriter

from app.reports.query import ReportRow
from app.reports.writers.cells import text_cell

DETAIL_WIDTHS = [11, 17, 17, 10, 24, 16, 28, 22, 50, 9, 10, 12, 20, 24]
HMM, DECIMAL = "[h]:mm", "0.00"
MONEY = "#,##0.00"


def _keep_rows_in(ws, path: Path) -> None:
    """openpyxl's write-only sheet keeps its rows in a temporary file of the system's temporary folder until the
    workbook is saved; this one keeps them at `path` instead (named after the report's attempt, in its folder), so
    that the files of an attempt whose worker died are found and removed with the attempt's others."""
    def get_writer():
        if ws._writer is None:
            ALL_TEMP_FILES.append(str(path))  # openpyxl's own cleanup (at save, abort, exit) removes it from there
            ws._writer = WorksheetWriter(ws, out=str(path))
            ws._writer.write_top()
    ws._get_writer = get_writer


class XlsxWriter:
    def __init__(self, directory: Path, base_name: str, meta):
        self.path = directory / f"{base_name}.xlsx"
        self.meta = meta
        self.decimal = meta.params.hours_format == "decimal"
        self.wb = Workbook(write_only=True)
        self.summary_ws = self.wb.create_sheet("Summary")
        self.detail_ws = self.wb.create_sheet("Detail")
        for ws in (self.summary_ws, self.detail_ws):  # each sheet's rows wait in a file next to the report's
            _keep_rows_in(ws, directory / f"{base_name}.{ws.title.lower()}.xml.part")
        ws = self.detail_ws
        for i, width in enumerate(DETAIL_WIDTHS, start=1):
            ws.column_dimensions[get_column_letter(i)].width = width
        ws.freeze_panes = "A2"
        zone, cur = meta.params.time_zone, meta.currency
        self.bold = Font(bold=True)
        ws.append([self._bold(ws, h) for h in (
            "Date", f"Start ({zone})", f"End ({zone})", "Hours" if self.decimal else "Duration", "User", "Team",
            "Project", "Client", "Description", "Billable", f"Rate ({cur})", f"Amount ({cur})", "Task", "Tags")])
        self.rows = 0
        # date/datetime/duration/money cells share these styles (one WriteOnlyCell per typed cell)
        self._date = self._styled("yyyy-mm-dd")
        self._time = self._styled("yyyy-mm-dd hh:mm")
        self._duration = self._styled(DECIMAL if self.decimal else HMM)
        self._money = self._styled(MONEY)

    def _bold(self, ws, value):
        cell = WriteOnlyCell(ws, value=value)
        cell.font = self.bold
        return cell

    def _text(self, ws, value):
        """A string cell, never a formula: see the module's docstring."""
        cell = WriteOnlyCell(ws, value=ILLEGAL_CHARACTERS_RE.sub("", text_cell(value)))
        cell.data_type = "s"
        return cell

    def _styled(self, number_format: str):
        ws = self.detail_ws

        def make(value):
            cell = WriteOnlyCell(ws, value=value)
            cell.number_format = number_format
            return cell
        return make

    def duration_value(self, seconds: int) -> float:
        return round(seconds / 3600, 6) if self.decimal else seconds / 86400

    def _amount(self, ws, amount: Decimal | None, currency: str):
        """A number in the report's currency (the column's); in another, text with its code (never summed)."""
        if amount is None:
            return None
        if currency in ("", self.meta.currency):
            return self._money(float(amount))
        return self._text(ws, f"{amount} {currency}")

    def write(self, row: ReportRow) -> None:
        ws = self.detail_ws
        ws.append([
            self._date(row.day), self._time(row.start), self._time(row.end) if row.end else None,
            self._duration(self.duration_value(row.seconds)), *(self._text(ws, value) for value in (
                row.user, row.team, row.project, row.client, row.description)), "yes" if row.billable else "no",
            self._amount(ws, row.rate, row.currency), self._amount(ws, row.amount, row.currency),
            self._text(ws, row.task), self._text(ws, row.tags),
        ])
        self.rows += 1

    def close(self, summary: dict) -> str:
        self.detail_ws.auto_filter.ref = f"A1:N{self.rows + 1}"
        self._write_summary(summary)
        self.wb.save(self.path)
        return self.path.name

    def abort(self) -> None:
        """Stopped midway (canceled, failed): finish each sheet's temporary file and remove it."""
        for ws in self.wb.worksheets:
            try:
                ws.close()
            except Exception:  # noqa: BLE001 (already closed, or never written: nothing left to do)
                pass
            if ws._writer is not None:
                ws._writer.cleanup()

    def _write_summary(self, summary: dict) -> None:
        ws = self.summary_ws
        levels = summary["levels"] or []
        depth = max(1, len(levels))
        widths = [30] * depth + [12, 10, 14]
        for i, width in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(i)].width = width
        lines = self.meta.lines()
        header_row = len(lines) + 2
        ws.freeze_panes = f"A{header_row + 1}"
        for key, value in lines:
            ws.append([self._bold(ws, key), self._text(ws, value)])
        ws.append([])
        names = [lvl.title() for lvl in levels] or ["Group"]
        ws.append([self._bold(ws, h) for h in [*names, "Hours" if self.decimal else "Duration", "Entries",
                                               f"Amount ({summary['currency']})"]])

        def cells(label_cells, totals, bold=False):
            duration = WriteOnlyCell(ws, value=self.duration_value(totals["seconds"]))
            duration.number_format = DECIMAL if self.decimal else HMM
            amount = None
            in_one = set(totals.get("amounts") or {summary["currency"]}) == {summary["currency"]}  # older: one
            if totals["amount"] is not None and in_one:
                amount = WriteOnlyCell(ws, value=float(Decimal(totals["amount"])))
                amount.number_format = MONEY
            elif totals["amount"] is not None:  # several currencies: each with its code, never added
                amount = WriteOnlyCell(ws, value=totals["amount"])
            row = [*label_cells, duration, totals["rows"], amount]
            if bold:
                for c in (duration, amount):
                    if c is not None:
                        c.font = self.bold
            return row

        count = 0
        for group in summary["groups"]:
            for child in group.get("children", []):
                ws.append(cells([self._text(ws, group["label"]), self._text(ws, child["label"])], child))
                count += 1
            labels = [self._text(ws, group["label"])] + (["Subtotal"] if depth == 2 else [])
            ws.append(cells(labels, group, bold=depth == 2))
            count += 1
        ws.append(cells(["Total"] + [""] * (depth - 1), summary["total"], bold=True))
        count += 1
        last_col = get_column_letter(depth + 3)
        ws.auto_filter.ref = f"A{header_row}:{last_col}{header_row + count - 1}"  # the groups, not the total
