"""PDF with fpdf2: the parameters on top, the summary table with subtotals and the total, a bar chart of
the top level, then the detail rows up to DETAIL_LIMIT (beyond that, a line says how many more rows the
CSV or XLSX holds). Only the first DETAIL_LIMIT rows are kept, so memory stays bounded. Names and descriptions
in its tables go through cells.text_cell like every format (text copied from a table into a spreadsheet is
inert too).

Layout: every table's column widths are shares of the page's effective width (`columns()`), so a table never runs
past the right margin whatever the number of grouping levels; a text longer than its cell is cut to fit with an
ellipsis (`fit()`); the chart's label column is as wide as its longest label (up to a third of the page) and its
bars leave room for their values; every page's footer says "Page n of N". `self.tables` keeps the widths used.
"""
from __future__ import annotations

import os
from pathlib import Path

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from fpdf import FPDF

from app.billing.money import money_text
from app.reports.grouping import format_hours
from app.reports.params import GROUP_WORDS, LEVEL_TITLES
from app.reports.query import ReportRow
from app.reports.writers.cells import text_cell
from app.reports.writers.csv_writer import summary_rows

DETAIL_LIMIT = 10_000
# detail columns: (header, share of the page width)
DETAIL_COLUMNS = [(_l("Date"), 17), (_l("Start"), 10), (_l("End"), 11), (_l("Hours"), 11), (_l("User"), 40),
                  (_l("Project"), 34), (_l("Client"), 26), (_l("Task"), 24), (_l("Tags"), 24),
                  (_l("Description"), 60), (_l("Amount"), 18)]
NUMBER_SHARES = [1.2, 1, 1.4]  # the summary's Hours, Entries, Amount beside its label columns (3 shares each)
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")


class _Pdf(FPDF):
    def footer(self) -> None:
        self.set_y(-10)
        self.set_font(self.footer_font, "", 8)
        self.cell(0, 5, _("Page %(page)s of %(pages)s", page=self.page_no(), pages="{nb}"), align="C")


def columns(total: float, shares: list[float]) -> list[float]:
    """Widths for columns in proportion to their shares, adding up to `total` (the page's effective width)."""
    whole = sum(shares)
    return [total * share / whole for share in shares]


class PdfWriter:
    def __init__(self, directory: Path, base_name: str, meta):
        self.path = directory / f"{base_name}.pdf"
        self.meta = meta
        self.style = meta.params.hours_format
        self.kept: list[ReportRow] = []
        self.rows = 0
        self.tables: list[list[float]] = []  # the column widths of each table drawn (and the chart's parts)
        self.page_width = 0.0  # the effective width (between the margins)

    def write(self, row: ReportRow) -> None:
        self.rows += 1
        if len(self.kept) < DETAIL_LIMIT:
            self.kept.append(row)

    def abort(self) -> None:
        self.kept = []

    def close(self, summary: dict) -> str:
        pdf = _Pdf(orientation="L", format="A4")
        pdf.set_auto_page_break(True, margin=15)
        font = self._font(pdf)
        pdf.footer_font = font
        self.page_width = pdf.epw
        pdf.add_page()
        pdf.set_font(font, "B", 15)
        heading = _("Timeboard report: %(organization)s", organization=self.meta.organization)
        pdf.multi_cell(0, 9, self._t(heading), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(font, "", 9)
        for key, value in self.meta.lines(translated=True):
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
        pdf.cell(0, 8, self._t(_("Summary")), new_x="LMARGIN", new_y="NEXT")
        levels = summary["levels"]
        total, subtotal = _("Total"), _("Subtotal")
        headers = [str(LEVEL_TITLES.get(lvl, lvl.title())) for lvl in levels] + [
            _("Hours"), _("Entries"), _("Amount (%(currency)s)", currency=summary["currency"])]
        rows = summary_rows(summary, self.style, subtotal, total) if levels else [
            [total, format_hours(summary["total"]["seconds"], self.style), str(summary["total"]["rows"]),
             summary["total"]["amount"] or ""]]
        if not levels:
            headers = [""] + headers
        widths = columns(pdf.epw, [3] * max(1, len(levels)) + NUMBER_SHARES)
        self._table(pdf, font, headers, rows, widths, bold_first=lambda r: r[0] == total or subtotal in r,
                    numeric=3)

    def _chart(self, pdf: FPDF, font: str, summary: dict) -> None:
        groups = summary["groups"][:20]
        if not groups:
            return
        pdf.ln(4)
        pdf.set_font(font, "B", 12)
        level = summary["levels"][0]
        pdf.cell(0, 8, self._t(_("Hours by %(level)s", level=GROUP_WORDS.get(level, level))), new_x="LMARGIN",
                 new_y="NEXT")
        peak = max(g["seconds"] for g in groups) or 1
        pdf.set_font(font, "", 8)
        values = [format_hours(g["seconds"], self.style) for g in groups]
        pad = 2 * pdf.c_margin
        label_w = min(pdf.epw / 3, max(pdf.get_string_width(self._t(text_cell(g["label"]))) for g in groups) + pad)
        value_w = max(pdf.get_string_width(v) for v in values) + pad
        gap = 2
        bar_w = pdf.epw - label_w - value_w - 2 * gap
        self.tables.append([label_w, gap, bar_w, gap, value_w])
        for g, value in zip(groups, values, strict=True):
            if pdf.will_page_break(6):
                pdf.add_page()
            y = pdf.get_y()
            pdf.set_x(pdf.l_margin)
            pdf.cell(label_w, 5, self.fit(pdf, text_cell(g["label"]), label_w))
            width = bar_w * g["seconds"] / peak
            pdf.set_fill_color(59, 130, 246)
            if width > 0:
                pdf.rect(pdf.l_margin + label_w + gap, y + 0.8, width, 3.6, style="F")
            pdf.set_xy(pdf.l_margin + label_w + gap + width + gap, y)
            pdf.cell(value_w, 5, value, new_x="LMARGIN", new_y="NEXT")

    def _detail(self, pdf: FPDF, font: str) -> None:
        pdf.add_page()
        pdf.set_font(font, "B", 12)
        pdf.cell(0, 8, self._t(_("Detail")), new_x="LMARGIN", new_y="NEXT")
        headers = [str(name) for name, _share in DETAIL_COLUMNS]
        widths = columns(pdf.epw, [share for _name, share in DETAIL_COLUMNS])
        running = _("running")
        rows = [[r.day.isoformat(), r.start.strftime("%H:%M"), r.end.strftime("%H:%M") if r.end else running,
                 format_hours(r.seconds, self.style), text_cell(r.user), text_cell(r.project),
                 text_cell(r.client), text_cell(r.task), text_cell(r.tags), text_cell(r.description),
                 money_text(r.amount, r.currency, self.meta.currency)]
                for r in self.kept]
        self._table(pdf, font, headers, rows, widths, size=7)
        more = self.rows - len(self.kept)
        if more > 0:
            pdf.ln(3)
            pdf.set_font(font, "B", 9)
            pdf.multi_cell(0, 5, self._t(ngettext(
                "%(num)s more row is not shown here: the CSV or XLSX format of this report holds all %(all)s.",
                "%(num)s more rows are not shown here: the CSV or XLSX format of this report holds all %(all)s.",
                more, num=f"{more:,}", all=f"{self.rows:,}")), new_x="LMARGIN", new_y="NEXT")

    def _table(self, pdf, font, headers, rows, widths, bold_first=None, size=9, numeric=0) -> None:
        """A table whose columns are `widths` (adding up to the page width); the last `numeric` columns align
        right; the header row is repeated on every page the table runs onto."""
        self.tables.append(list(widths))
        height = size * 0.6
        aligns = ["L"] * (len(widths) - numeric) + ["R"] * numeric

        def header():
            pdf.set_font(font, "B", size)
            for text, w, align in zip(headers, widths, aligns, strict=False):
                pdf.cell(w, height, self.fit(pdf, text, w), border="B", align=align)
            pdf.ln(height)
        header()
        for row in rows:
            if pdf.will_page_break(height):
                pdf.add_page()
                header()
            bold = bold_first is not None and bold_first(row)
            pdf.set_font(font, "B" if bold else "", size)
            for text, w, align in zip(row, widths, aligns, strict=False):
                pdf.cell(w, height, self.fit(pdf, str(text), w), align=align)
            pdf.ln(height)

    def fit(self, pdf: FPDF, text: str, width: float) -> str:
        """The text as it fits a cell `width` wide in the current font: cut with an ellipsis when longer."""
        text = self._t(text)
        room = width - 2 * pdf.c_margin
        if pdf.get_string_width(text) <= room:
            return text
        ellipsis = "\u2026" if self.unicode else "..."
        low, high = 0, len(text)  # the longest prefix that fits with the ellipsis
        while low < high:
            mid = (low + high + 1) // 2
            if pdf.get_string_width(text[:mid].rstrip() + ellipsis) <= room:
                low = mid
            else:
                high = mid - 1
        return text[:low].rstrip() + ellipsis

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
