"""An invoice as a PDF (issue 21 C), with fpdf2: the organization (its billing details as the sender) and the client
(the recipient), the number and dates, the lines (columns in shares of the page's width, so they always fit; a
description too long for its cell wraps), subtotal, tax and total, the notes, and "Page n of N" on every page.
Billing imports no reports module (reports use billing), so the font choice is made here as in the report writer:
DejaVu when the system has it, else Helvetica with text reduced to Latin-1."""
from __future__ import annotations

import os
from contextlib import nullcontext
from pathlib import Path

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from fpdf import FPDF

from app.formats import amount
from app.i18n import speaking_to
from app.models import Invoice, Organization

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
# (header, share of the page width, align)
COLUMNS = [("Description", 10, "L"), ("Hours", 2, "R"), ("Rate", 2.5, "R"), ("Amount", 3, "R")]
STATUS_WORDS = {"draft": _l("draft"), "sent": _l("sent"), "paid": _l("paid"), "void": _l("void")}


class _Pdf(FPDF):
    footer_font = "helvetica"

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(self.footer_font, "", 8)
        self.cell(0, 5, _("Page %(page)s of %(pages)s", page=self.page_no(), pages="{nb}"), align="C")


def heading(column: str, currency: str) -> str:
    """A column's heading as a person reads it (the rate's and the amount's name their currency)."""
    if column == "Rate":
        return _("Rate (%(currency)s)", currency=currency)
    if column == "Amount":
        return _("Amount (%(currency)s)", currency=currency)
    return _("Hours") if column == "Hours" else _("Description")


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
        sender.append(_("Tax/VAT id: %(id)s", id=organization.tax_id))
    if organization.billing_email:
        sender.append(organization.billing_email)
    half, top, height = pdf.epw / 2, pdf.get_y() + 2, 5
    bottom = top
    for x, title, lines in ((pdf.l_margin, _("From"), sender), (pdf.l_margin + half, _("To"), [client_name])):
        pdf.set_xy(x, top)
        pdf.set_font(font, "B", 10)
        pdf.cell(half, height, t(title), new_x="LEFT", new_y="NEXT")
        pdf.set_font(font, "", 10)
        for text in lines:
            pdf.multi_cell(half - 4, height, t(text), new_x="LEFT", new_y="NEXT")
        bottom = max(bottom, pdf.get_y())
    pdf.set_xy(pdf.l_margin, bottom + 3)


def render(invoice: Invoice, reader=None) -> bytes:
    """The invoice's PDF, its headings and labels in the language of the request (the person who asked for it), or
    in `reader`'s (a User: its recipient, say) when given."""
    with speaking_to(reader) if reader is not None else nullcontext():
        return _render(invoice)


def _render(invoice: Invoice) -> bytes:
    pdf = _Pdf(format="A4")
    pdf.set_auto_page_break(True, margin=18)
    font, unicode = _font(pdf)
    pdf.footer_font = font

    def t(text: str) -> str:
        if unicode:
            return text
        # Latin-1 has no narrow no-break space (French digit grouping, "1\u202f234,50"): a no-break space reads the same
        return text.replace("\u202f", "\u00a0").encode("latin-1", "replace").decode("latin-1")

    def line(text: str, size: float = 10, style: str = "") -> None:
        pdf.set_font(font, style, size)
        pdf.multi_cell(0, size * 0.5, t(text), new_x="LMARGIN", new_y="NEXT")

    pdf.add_page()
    organization, currency = invoice.organization, invoice.currency
    line(organization.name, 16, "B")
    _parties(pdf, font, t, organization, invoice.client.name)
    line(_("Amounts in %(currency)s", currency=currency))
    pdf.ln(4)
    line(_("Invoice %(number)s", number=invoice.number) if invoice.number else _("Invoice (draft)"), 13, "B")
    line(_("Period: %(first)s to %(last)s", first=invoice.period_from.isoformat(), last=invoice.period_to.isoformat()))
    if invoice.issued_on:
        line(_("Issued: %(day)s", day=invoice.issued_on.isoformat()))
    if invoice.due_on:
        line(_("Due: %(day)s", day=invoice.due_on.isoformat()))
    line(_("Status: %(status)s", status=STATUS_WORDS.get(invoice.status, invoice.status)))
    pdf.ln(4)

    whole = sum(share for _name, share, _align in COLUMNS)
    widths = [pdf.epw * share / whole for _name, share, _align in COLUMNS]
    height = 6

    def header() -> None:
        pdf.set_font(font, "B", 10)
        for (title, _share, align), width in zip(COLUMNS, widths, strict=True):
            pdf.cell(width, height, t(heading(title, currency)), border="B", align=align)
        pdf.ln(height)

    header()
    pdf.set_font(font, "", 10)
    for item in invoice.lines:
        if pdf.will_page_break(height * 2):
            pdf.add_page()
            header()
            pdf.set_font(font, "", 10)
        values = [item.description, amount(item.hours), amount(item.rate), amount(item.amount)]
        cells = [(t(value), width, align) for value, width, (_name, _share, align) in
                 zip(values, widths, COLUMNS, strict=True)]
        rows = max(len(pdf.multi_cell(w, height, text, dry_run=True, output="LINES")) for text, w, _align in cells)
        top = pdf.get_y()
        x = pdf.l_margin
        for text, width, align in cells:
            pdf.set_xy(x, top)
            pdf.multi_cell(width, height, text, align=align, max_line_height=height)
            x += width
        pdf.set_xy(pdf.l_margin, top + rows * height)

    pdf.ln(2)
    label_width = sum(widths[:-1])
    for label, value, style in ((_("Subtotal"), invoice.subtotal, ""),
                                (_("Tax (%(rate)s%%)", rate=amount(invoice.tax_rate)), invoice.tax, ""),
                                (_("Total"), invoice.total, "B")):
        pdf.set_font(font, style, 10)
        pdf.cell(label_width, height, t(label), align="R")
        pdf.cell(widths[-1], height, t(amount(value)), align="R", new_x="LMARGIN", new_y="NEXT")
    if invoice.notes:
        pdf.ln(4)
        line(_("Notes"), 10, "B")
        line(invoice.notes)
    return bytes(pdf.output())
