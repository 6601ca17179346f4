"""The invoices pages (issue 21 C): /invoices (per client, with what is outstanding), /invoices/new (a draft from a
client and a period), /invoices/<id> (the draft's lines, tax, notes, due date; send, paid, void, delete) and its
PDF (/invoices/<id>.pdf). Owners of the invoice's organization (and system admins): policies.can_invoice. Parse,
authorize, call app/billing/invoices.py, answer 303 or 422."""
from __future__ import annotations

from flask import abort, make_response, render_template
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy import select

from app import policies
from app.billing import invoice_pdf as pdf
from app.billing import invoices
from app.billing.forms import InvoiceDraftForm, InvoiceForm, InvoiceLineForm
from app.billing.routes import bp
from app.extensions import db
from app.models import Client, Invoice, InvoiceError, InvoiceGrouping, InvoiceLine
from app.web.views import commit_and_redirect


def _organization_ids() -> list[int]:
    """The organizations whose invoices the user may see; none: 403."""
    ids = policies.invoicing_organization_ids(current_user)
    if not ids:
        abort(403, _("Only an organization's owners see its invoices."))
    return ids


def _clients() -> list[Client]:
    return list(db.session.scalars(select(Client).where(
        Client.organization_id.in_(_organization_ids()), Client.archived.is_(False)).order_by(Client.name, Client.id)))


def _invoice(invoice_id) -> Invoice:
    invoice = db.session.get(Invoice, invoice_id)
    if invoice is None or not (current_user.is_system_admin
                               or invoice.organization_id in policies.organization_ids(current_user)):
        abort(404)
    if not policies.can_invoice(current_user, invoice.organization_id):
        abort(403, _("Only the organization's owners see its invoices."))
    return invoice


def _line(invoice: Invoice, line_id) -> InvoiceLine:
    line = db.session.get(InvoiceLine, line_id)
    if line is None or line.invoice_id != invoice.id:
        abort(404)
    return line


@bp.get("/invoices")
@login_required
def invoices_index():
    return render_template("billing/invoices.html", groups=invoices.by_client(_organization_ids()))


@bp.get("/invoices/new")
@login_required
def new_invoice():
    return _render_new(InvoiceDraftForm(_clients()))


def _render_new(form: InvoiceDraftForm, error: str | None = None, status: int = 200):
    return render_template("billing/invoice_new.html", form=form, error=error), status


@bp.post("/invoices/new")
@login_required
def create_invoice():
    form = InvoiceDraftForm(_clients())
    if not form.validate_on_submit():
        return _render_new(form, status=422)
    try:
        drafted = invoices.draft(form.clients[form.client_id.data], form.start, form.end,
                                 InvoiceGrouping(form.grouping.data), actor=current_user)
    except InvoiceError as error:
        db.session.rollback()
        return _render_new(form, error=str(error), status=422)
    db.session.flush()
    name = drafted.invoice.client.name
    message = _("Draft invoice to %(client)s created.", client=name)
    if drafted.unpriced:
        # English says "entries" whatever the count (its singular and plural read alike); other languages may not
        message = ngettext(
            "Draft invoice to %(client)s created. %(num)d billable entries without a rate were left out.",
            "Draft invoice to %(client)s created. %(num)d billable entries without a rate were left out.",
            drafted.unpriced, client=name)
    return commit_and_redirect(message, "billing.show_invoice", invoice_id=drafted.invoice.id)


@bp.get("/invoices/<id:invoice_id>")
@login_required
def show_invoice(invoice_id):
    invoice = _invoice(invoice_id)
    return _render_invoice(invoice, InvoiceForm(data={"tax_rate": f"{invoice.tax_rate:.2f}", "notes": invoice.notes,
                                                      "due_on": invoice.due_on.isoformat() if invoice.due_on else ""}))


def _render_invoice(invoice: Invoice, form: InvoiceForm, error: str | None = None, status: int = 200,
                    line_errors: dict | None = None):
    return render_template("billing/invoice.html", invoice=invoice, form=form, error=error,
                           line_errors=line_errors or {}), status


def _refused(invoice: Invoice, error: InvoiceError):
    db.session.rollback()
    return _render_invoice(invoice, InvoiceForm(formdata=None, data={"tax_rate": f"{invoice.tax_rate:.2f}",
                                                                     "notes": invoice.notes}),
                           error=str(error), status=409)


@bp.post("/invoices/<id:invoice_id>")
@login_required
def update_invoice(invoice_id):
    invoice = _invoice(invoice_id)
    form = InvoiceForm()
    if not form.validate_on_submit():
        return _render_invoice(invoice, form, status=422)
    try:
        invoices.update(invoice, tax_rate=form.tax, notes=form.notes.data or "", due_on=form.due)
    except InvoiceError as error:
        return _refused(invoice, error)
    return commit_and_redirect(_("Invoice saved."), "billing.show_invoice", invoice_id=invoice.id)


@bp.post("/invoices/<id:invoice_id>/lines/<id:line_id>")
@login_required
def update_invoice_line(invoice_id, line_id):
    invoice = _invoice(invoice_id)
    line = _line(invoice, line_id)
    form = InvoiceLineForm()
    if not form.validate_on_submit():
        errors = {line.id: "; ".join(str(error) for error in form.description.errors)}
        return _render_invoice(invoice, InvoiceForm(formdata=None, data={"tax_rate": f"{invoice.tax_rate:.2f}",
                                                                         "notes": invoice.notes}),
                               status=422, line_errors=errors)
    try:
        invoices.rename_line(line, form.description.data)
    except InvoiceError as error:
        return _refused(invoice, error)
    return commit_and_redirect(_("Line saved."), "billing.show_invoice", invoice_id=invoice.id)


@bp.post("/invoices/<id:invoice_id>/lines/<id:line_id>/remove")
@login_required
def remove_invoice_line(invoice_id, line_id):
    invoice = _invoice(invoice_id)
    line = _line(invoice, line_id)
    try:
        invoices.remove_line(line)
    except InvoiceError as error:
        return _refused(invoice, error)
    return commit_and_redirect(_("Line removed: its time may go on another invoice."), "billing.show_invoice",
                               invoice_id=invoice.id)


@bp.post("/invoices/<id:invoice_id>/delete")
@login_required
def delete_invoice(invoice_id):
    invoice = _invoice(invoice_id)
    try:
        invoices.delete_draft(invoice, actor=current_user)
    except InvoiceError as error:
        return _refused(invoice, error)
    return commit_and_redirect(_("Draft deleted."), "billing.invoices_index")


def _transition(invoice_id, verb, message):
    invoice = _invoice(invoice_id)
    try:
        verb(invoice, actor=current_user)
    except InvoiceError as error:
        return _refused(invoice, error)
    return commit_and_redirect(message(invoice), "billing.show_invoice", invoice_id=invoice.id)


@bp.post("/invoices/<id:invoice_id>/send")
@login_required
def send_invoice(invoice_id):
    return _transition(invoice_id, invoices.send,
                       lambda i: _("Invoice %(number)s sent: its time is locked.", number=i.number))


@bp.post("/invoices/<id:invoice_id>/paid")
@login_required
def mark_invoice_paid(invoice_id):
    return _transition(invoice_id, invoices.mark_paid, lambda i: _("Invoice %(number)s marked paid.", number=i.number))


@bp.post("/invoices/<id:invoice_id>/void")
@login_required
def void_invoice(invoice_id):
    return _transition(invoice_id, invoices.void,
                       lambda i: _("Invoice %(number)s void: its time is released.", number=i.number))


@bp.get("/invoices/<id:invoice_id>.pdf")
@login_required
def invoice_pdf(invoice_id):
    invoice = _invoice(invoice_id)
    response = make_response(pdf.render(invoice))
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="invoice-{invoice.number or invoice.id}.pdf"'
    return response
