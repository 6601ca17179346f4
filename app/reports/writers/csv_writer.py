"""CSV: the detail rows written as they come (UTF-8, a header row naming the time zone); with grouping,
a summary CSV too, both in a zip."""
from __future__ import annotations

import csv
import os
import zipfile
from pathlib import Path

from app.billing.money import money_text
from app.reports.grouping import format_hours
from app.reports.query import ReportRow
from app.reports.writers.cells import text_cell


class CsvWriter:
    def __init__(self, directory: Path, base_name: str, meta):
        self.directory, self.base_name, self.meta = directory, base_name, meta
        self.style = meta.params.hours_format
        self.detail_path = directory / f"{base_name}.csv"
        self.file = open(self.detail_path, "w", newline="", encoding="utf-8")  # noqa: SIM115 (closed in close())
        self.csv = csv.writer(self.file)
        zone = meta.params.time_zone
        self.csv.writerow(["date", f"start ({zone})", f"end ({zone})", "duration", "user", "team", "project",
                           "client", "description", "billable", f"rate ({meta.currency})",
                           f"amount ({meta.currency})", "task", "tags"])

    def write(self, row: ReportRow) -> None:
        self.csv.writerow([
            row.day.isoformat(), row.start.strftime("%Y-%m-%d %H:%M:%S"),
            row.end.strftime("%Y-%m-%d %H:%M:%S") if row.end else "", format_hours(row.seconds, self.style),
            text_cell(row.user), text_cell(row.team), text_cell(row.project), text_cell(row.client),
            text_cell(row.description), "yes" if row.billable else "no",
            money_text(row.rate, row.currency, self.meta.currency),
            money_text(row.amount, row.currency, self.meta.currency),
            text_cell(row.task), text_cell(row.tags),
        ])

    def close(self, summary: dict) -> str:
        self.file.close()
        if not summary["levels"]:
            return self.detail_path.name
        summary_path = self.directory / f"{self.base_name}-summary.csv"
        with open(summary_path, "w", newline="", encoding="utf-8") as f:
            out = csv.writer(f)
            for key, value in self.meta.lines():
                out.writerow([key, text_cell(value)])
            out.writerow([])
            levels = summary["levels"]
            out.writerow([*levels, "hours", "entries", f"amount ({summary['currency']})"])
            for row in summary_rows(summary, self.style):
                out.writerow(row)
        zip_path = self.directory / f"{self.base_name}.zip"
        with zipfile.ZipFile(zip_path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            zf.write(self.detail_path, self.detail_path.name)
            zf.write(summary_path, summary_path.name)
        os.unlink(self.detail_path)
        os.unlink(summary_path)
        return zip_path.name

    def abort(self) -> None:
        self.file.close()


def summary_rows(summary: dict, style: str, subtotal: str = "Subtotal", total_label: str = "Total") -> list[list[str]]:
    """Groups, subgroups and subtotals, then the total, as rows of a table (one column per level). Labels are
    names (text cells: cells.text_cell); hours, entries and amounts are numbers, written as they are. The CSV keeps
    "Subtotal" and "Total" in English (a file scripts read); the PDF passes them translated."""
    depth = len(summary["levels"])
    rows = []
    for group in summary["groups"]:
        for child in group.get("children", []):
            rows.append([text_cell(group["label"]), text_cell(child["label"]), format_hours(child["seconds"], style),
                         str(child["rows"]), child["amount"] or ""])
        label = [text_cell(group["label"])] + ([subtotal] if depth == 2 else [])
        rows.append([*label, format_hours(group["seconds"], style), str(group["rows"]), group["amount"] or ""])
    total = summary["total"]
    rows.append([total_label] + [""] * (depth - 1) + [format_hours(total["seconds"], style), str(total["rows"]),
                                                  total["amount"] or ""])
    return rows
