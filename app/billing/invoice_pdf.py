"""An invoice as a PDF (issue 21 C), with fpdf2: the organization (its billing details as the sender) and the client
(the recipient), the number and dates, the lines (columns in shares of the page's width, so they always fit; a
description too long for its cell wraps), subtotal, tax and total, the notes, and "Page n of N" on every page.
Billing imports no reports module (reports use billing), so the font choice is made here as in the report writer:
DejaVu when the system has it, else Helvetica with text reduced to Latin-1."""
from __future__ import annotations

import os
from pathlib import Path

from fpdf import FPDF

from app.models import Invoice, Organization

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
# (header, share of the page width, align)
COLUMNS = [("Description", 10, "L"), ("Hours", 2, "R"), ("Rate", 2.5, "R"), ("Amount", 3, "R")]


class _Pdf(FPDF):
    footer_font = "helvetica"

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(self.footer_font, "", 8)
        self.cell(0, 5, f"Page {self.page_no()} of {{nb}}", align="C")


def _font(pdf: FPDF) -> tuple[str, bool]:
    regular, bold = FONT_DIR / "DejaVuSans.ttf", FONT_DIR / "DejaVuSans-Bold.ttf"
    if os.path.exists(regular) and os.path.exists(bold):
        pdf.add_font("DejaVu", "", str(regular))
        pdf.add_font("DejaVu", "B", str(bold))
        return "DejaVu", True
    return "helvetica", False


def _parties(pdf: FPDF, font: str, t, organization: Organization, client_name: str) -> None:
    """The sender (the organization's billing details) on the left, the recipient (the client) on the right."""
    sender = [*organization.billing_address_lines]
    if organization.tax_id:
        sender.append(f"Tax/VAT id: {organization.tax_id}")
    if organization.billing_email:
        sender.append(organization.billing_email)
    half, top, height = pdf.epw / 2, pdf.get_y() + 2, 5
    bottom = top
    for x, title, lines in ((pdf.l_margin, "From", sender), (pdf.l_margin + half, "To", [client_name])):
        pdf.set_xy(x, top)
        pdf.set_font(font, "B", 10)
        pdf.cell(half, height, t(title), new_x="LEFT", new_y="NEXT")
        pdf.set_font(font, "", 10)
        for text in lines:
            pdf.multi_cell(half - 4, height, t(text), new_x="LEFT", new_y="NEXT")
        bottom = max(bottom, pdf.get_y())
    pdf.set_xy(pdf.l_margin, bottom + 3)


def render(invoice: Invoice) -> bytes:
    pdf = _Pdf(format="A4")
    pdf.set_auto_page_break(True, margin=18)
    font, unicode = _font(pdf)
    pdf.footer_font = font

    def t(text: str) -> str:
        return text if unicode else text.encode("latin-1", "replace").decode("latin-1")

    def line(text: str, size: float = 10, style: str = "") -> None:
        pdf.set_font(font, style, size)
        pdf.multi_cell(0, size * 0.5, t(text), new_x="LMARGIN", new_y="NEXT")

    pdf.add_page()
    organization, currency = invoice.organization, invoice.currency
    line(organization.name, 16, "B")
    _parties(pdf, font, t, organization, invoice.client.name)
    line(f"Amounts in {currency}")
    pdf.ln(4)
    line(f"Invoice {invoice.number or '(draft)'}", 13, "B")
    line(f"Period: {invoice.period_from.isoformat()} to {invoice.period_to.isoformat()}")
    if invoice.issued_on:
        line(f"Issued: {invoice.issued_on.isoformat()}")
    if invoice.due_on:
        line(f"Due: {invoice.due_on.isoformat()}")
    line(f"Status: {invoice.status}")
    pdf.ln(4)

    whole = sum(share for _, share, _ in COLUMNS)
    widths = [pdf.epw * share / whole for _, share, _ in COLUMNS]
    height = 6

    def header() -> None:
        pdf.set_font(font, "B", 10)
        for (title, _, align), width in zip(COLUMNS, widths, strict=True):
            pdf.cell(width, height, t(title if title in ("Description", "Hours") else f"{title} ({currency})"),
                     border="B", align=align)
        pdf.ln(height)

    header()
    pdf.set_font(font, "", 10)
    for item in invoice.lines:
        if pdf.will_page_break(height * 2):
            pdf.add_page()
            header()
            pdf.set_font(font, "", 10)
        values = [item.description, f"{item.hours:.2f}", f"{item.rate:.2f}", f"{item.amount:.2f}"]
        cells = [(t(value), width, align) for value, width, (_, _, align) in zip(values, widths, COLUMNS, strict=True)]
        rows = max(len(pdf.multi_cell(w, height, text, dry_run=True, output="LINES")) for text, w, _ in cells)
        top = pdf.get_y()
        x = pdf.l_margin
        for text, width, align in cells:
            pdf.set_xy(x, top)
            pdf.multi_cell(width, height, text, align=align, max_line_height=height)
            x += width
        pdf.set_xy(pdf.l_margin, top + rows * height)

    pdf.ln(2)
    label_width = sum(widths[:-1])
    for label, value, style in (("Subtotal", invoice.subtotal, ""), (f"Tax ({invoice.tax_rate:.2f}%)", invoice.tax, ""),
                                ("Total", invoice.total, "B")):
        pdf.set_font(font, style, 10)
        pdf.cell(label_width, height, t(label), align="R")
        pdf.cell(widths[-1], height, t(f"{value:.2f}"), align="R", new_x="LMARGIN", new_y="NEXT")
    if invoice.notes:
        pdf.ln(4)
        line("Notes", 10, "B")
        line(invoice.notes)
    return bytes(pdf.output())
