"""One writer per format, each streaming: write(row) for every row as it comes, close(summary) once.

    writer = open_writer("xlsx", directory, base_name, meta)
    for row in rows: writer.write(row)
    file_name = writer.close(summary)   # the file written in `directory`
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from flask_babel import gettext as _

from app.reports.params import ReportParams

COLUMNS = ["date", "start", "end", "duration", "user", "team", "project", "client", "description", "billable",
           "rate", "amount", "task", "tags"]


@dataclass
class Meta:
    """What every output states about itself."""
    title: str
    organization: str
    currency: str
    parameters: str  # params.describe()
    params: ReportParams
    generated_at: datetime  # local, naive
    as_of: datetime  # local, naive: running timers count up to here

    def lines(self, translated: bool = False) -> list[tuple[str, str]]:
        """(name, value) of each line. The CSV and XLSX summaries keep their names in English (files that scripts
        read, with "Time zone" and the like as keys); the PDF, read by a person, asks for them `translated`."""
        if translated:
            return [(_("Report"), self.title), (_("Organization"), self.organization),
                    (_("Parameters"), self.parameters), (_("Time zone"), self.params.time_zone),
                    (_("Currency"), self.currency),
                    (_("Generated"), _("%(generated)s (%(zone)s); running timers counted up to %(as_of)s",
                                       generated=f"{self.generated_at:%Y-%m-%d %H:%M}", zone=self.params.time_zone,
                                       as_of=f"{self.as_of:%Y-%m-%d %H:%M}"))]
        return [("Report", self.title), ("Organization", self.organization), ("Parameters", self.parameters),
                ("Time zone", self.params.time_zone), ("Currency", self.currency),
                ("Generated", f"{self.generated_at:%Y-%m-%d %H:%M} ({self.params.time_zone}); running timers "
                              f"counted up to {self.as_of:%Y-%m-%d %H:%M}")]


def open_writer(fmt: str, directory: Path, base_name: str, meta: Meta):
    if fmt == "csv":
        from app.reports.writers.csv_writer import CsvWriter
        return CsvWriter(directory, base_name, meta)
    if fmt == "xlsx":
        from app.reports.writers.xlsx_writer import XlsxWriter
        return XlsxWriter(directory, base_name, meta)
    if fmt == "pdf":
        from app.reports.writers.pdf_writer import PdfWriter
        return PdfWriter(directory, base_name, meta)
    raise ValueError(f"unknown format {fmt!r}")
