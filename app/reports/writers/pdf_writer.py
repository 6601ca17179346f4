"""PDF with fpdf2: the parameters on top, the summary table with subtotals and the total, a bar chart of
the top level, then the detail rows up to DETAIL_LIMIT (beyond that, a line says how many more rows the
CSV or XLSX holds). Only the first DETAIL_LIMIT rows are kept, so memory stays bounded. Names and descriptions
in its tables go through cells.text_cell like every format (text copied from a table into a spreadsheet is
inert too)."""
from __future__ import annotations

import os
from pathlib import Path

from fpdf import FPDF

from app.billing.money import money_text
from app.reports.grouping import format_hours
from app.reports.query import ReportRow
from app.reports.writers.cells import text_cell
from app.reports.writers.csv_writer import summary_rows

DETAIL_LIMIT = 10_000
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")


class PdfWriter:
    def __init__(self, directory: Path, base_name: str, meta):
        self.path = directory / f"{base_name}.pdf"
        self.meta = meta
        self.style = meta.params.hours_format
        self.kept: list[ReportRow] = []
        self.rows = 0

    def write(self, row: ReportRow) -> None:
        self.rows += 1
        if len(self.kept) < DETAIL_LIMIT:
            self.kept.append(row)

    def abort(self) -> None:
        self.kept = []

    def close(self, summary: dict) -> str:
        pdf = FPDF(orientation="L", format="A4")
        pdf.set_auto_page_break(True, margin=12)
        font = self._font(pdf)
        pdf.add_page()
        pdf.set_font(font, "B", 15)
        pdf.cell(0, 9, self._t(f"Timeboard report: {self.meta.organization}"), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(font, "", 9)
        for key, value in self.meta.lines():
            pdf.multi_cell(0, 5, self._t(f"{key}: {value}"), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(3)
        self._summary(pdf, font, summary)
        self._chart(pdf, font, summary)
        self._detail(pdf, font)
        pdf.output(str(self.path))
        self.kept = []
        return self.path.name

    # -- parts --------------------------------------------------------------------------------------
    def _summary(self, pdf: FPDF, font: str, summary: dict) -> None:
        pdf.set_font(font, "B", 12)
        pdf.cell(0, 8, "Summary", new_x="LMARGIN", new_y="NEXT")
        levels = summary["levels"]
        headers = [lvl.title() for lvl in levels] + ["Hours", "Entries", f"Amount ({summary['currency']})"]
        rows = summary_rows(summary, self.style) if levels else [
            ["Total", format_hours(summary["total"]["seconds"], self.style), str(summary["total"]["rows"]),
             summary["total"]["amount"] or ""]]
        if not levels:
            headers = [""] + headers
        label_w = 200 / max(1, len(levels) or 1) if len(levels) > 1 else 120
        widths = [label_w] * max(1, len(levels)) + [30, 25, 35]
        self._table(pdf, font, headers, rows, widths, bold_first=lambda r: r[0] == "Total" or "Subtotal" in r)

    def _chart(self, pdf: FPDF, font: str, summary: dict) -> None:
        groups = summary["groups"][:20]
        if not groups:
            return
        pdf.ln(4)
        pdf.set_font(font, "B", 12)
        pdf.cell(0, 8, self._t(f"Hours by {summary['levels'][0]}"), new_x="LMARGIN", new_y="NEXT")
        peak = max(g["seconds"] for g in groups) or 1
        pdf.set_font(font, "", 8)
        for g in groups:
            if pdf.will_page_break(6):
                pdf.add_page()
            y = pdf.get_y()
            pdf.set_x(pdf.l_margin)
            pdf.cell(60, 5, self._t(text_cell(g["label"])[:40]))
            width = 150 * g["seconds"] / peak
            pdf.set_fill_color(59, 130, 246)
            if width > 0:
                pdf.rect(pdf.l_margin + 62, y + 0.8, width, 3.6, style="F")
            pdf.set_xy(pdf.l_margin + 64 + width, y)
            pdf.cell(30, 5, format_hours(g["seconds"], self.style), new_x="LMARGIN", new_y="NEXT")

    def _detail(self, pdf: FPDF, font: str) -> None:
        pdf.add_page()
        pdf.set_font(font, "B", 12)
        pdf.cell(0, 8, "Detail", new_x="LMARGIN", new_y="NEXT")
        headers = ["Date", "Start", "End", "Hours", "User", "Project", "Client", "Task", "Tags", "Description",
                   "Amount"]
        widths = [18, 11, 11, 13, 40, 30, 24, 22, 24, 44, 20]
        rows = [[r.day.isoformat(), r.start.strftime("%H:%M"), r.end.strftime("%H:%M") if r.end else "running",
                 format_hours(r.seconds, self.style), text_cell(r.user)[:28], text_cell(r.project)[:20],
                 text_cell(r.client)[:16], text_cell(r.task)[:14], text_cell(r.tags)[:16],
                 text_cell(r.description)[:32],
                 money_text(r.amount, r.currency, self.meta.currency)]
                for r in self.kept]
        self._table(pdf, font, headers, rows, widths, size=7)
        more = self.rows - len(self.kept)
        if more > 0:
            pdf.ln(3)
            pdf.set_font(font, "B", 9)
            pdf.multi_cell(0, 5, f"{more:,} more rows are not shown here: the CSV or XLSX format of this report "
                                 f"holds all {self.rows:,}.", new_x="LMARGIN", new_y="NEXT")

    def _table(self, pdf, font, headers, rows, widths, bold_first=None, size=9) -> None:
        height = size * 0.6
        pdf.set_font(font, "B", size)
        for text, w in zip(headers, widths, strict=False):
            pdf.cell(w, height, self._t(text), border="B")
        pdf.ln(height)
        for row in rows:
            if pdf.will_page_break(height):
                pdf.add_page()
            bold = bold_first is not None and bold_first(row)
            pdf.set_font(font, "B" if bold else "", size)
            for text, w in zip(row, widths, strict=False):
                pdf.cell(w, height, self._t(str(text)))
            pdf.ln(height)

    # -- fonts --------------------------------------------------------------------------------------
    def _font(self, pdf: FPDF) -> str:
        """DejaVu (any character) when the system has it, else Helvetica with text reduced to Latin-1."""
        regular, bold = FONT_DIR / "DejaVuSans.ttf", FONT_DIR / "DejaVuSans-Bold.ttf"
        if os.path.exists(regular) and os.path.exists(bold):
            pdf.add_font("DejaVu", "", str(regular))
            pdf.add_font("DejaVu", "B", str(bold))
            self.unicode = True
            return "DejaVu"
        self.unicode = False
        return "helvetica"

    def _t(self, text: str) -> str:
        if getattr(self, "unicode", False):
            return text
        return text.encode("latin-1", "replace").decode("latin-1")
