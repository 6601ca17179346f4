"""Invoices (issue 21 C): a draft's lines and totals from the raw time (approved, billable, by rate, not already
invoiced), gapless numbering, the lock on time once sent (released on void), the audit trail and who may see them."""
from __future__ import annotations

import io
import re
import threading
import time
from datetime import date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select, text

from app.billing import invoices
from app.models import (
    AuditEntry,
    Invoice,
    InvoiceCounter,
    InvoiceError,
    InvoiceGrouping,
    InvoiceLine,
    TimeLog,
    WeekApproval,
)
from app.time_tracking import locks
from tests.conftest import IS_POSTGRES, login
from tests.invoice_data import PERIOD, SUBTOTAL, invoiceable_time


@pytest.fixture()
def w(factory, db):
    w = factory.world()
    invoiceable_time(factory, db, w)
    w.db = db
    return w


def _draft(w, grouping=InvoiceGrouping.PROJECT) -> Invoice:
    invoice = invoices.draft(w.client, *PERIOD, grouping, actor=w.owner).invoice
    w.db.session.commit()
    return invoice


def _billed_ids(invoice: Invoice) -> set[int]:
    return {log.id for line in invoice.lines for log in line.time_logs}


def test_a_draft_bills_the_approved_billable_time_one_line_per_rate(factory, w):
    w.db.session.add(WeekApproval(organization_id=w.org.id, user_id=w.member.id, week_start=date(2026, 2, 23),
                                  status="approved"))
    w.db.session.commit()
    before = factory.time_log(w.member, w.alpha_project, start=datetime(2026, 2, 28, 23, 30), minutes=60)
    invoice = _draft(w)
    lines = [(line.description, line.hours, line.rate, line.amount) for line in invoice.lines]
    assert lines == [("Alpha site", Decimal("2.50"), Decimal("100.00"), Decimal("250.00")),
                     ("Alpha site", Decimal("0.50"), Decimal("150.00"), Decimal("75.00"))]
    assert _billed_ids(invoice) == {log.id for log in w.billed}  # not the approved entry before the period
    assert before.id not in _billed_ids(invoice)
    assert invoice.currency == w.org.currency and invoice.status == "draft" and invoice.number is None
    assert invoice.subtotal == SUBTOTAL == sum(line.amount for line in invoice.lines)
    invoices.update(invoice, tax_rate=Decimal("7.50"), notes="", due_on=None)
    assert invoice.tax == Decimal("24.38") and invoice.total == Decimal("349.38")  # 325 x 7.5% = 24.375, half up


def test_grouping_by_person_and_task_and_the_client_currency(w):
    w.client.currency = "CHF"
    w.db.session.commit()
    invoice = _draft(w, InvoiceGrouping.PERSON)
    assert [(line.description, line.amount) for line in invoice.lines] == [
        (w.member.name, Decimal("250.00")), (w.member.name, Decimal("75.00"))]
    assert invoice.currency == "CHF"
    invoices.delete_draft(invoice, actor=w.owner)
    w.db.session.commit()
    assert [line.description for line in _draft(w, InvoiceGrouping.TASK).lines] == ["Alpha site / no task"] * 2


def test_time_on_another_live_invoice_is_not_billed_twice(w):
    first = _draft(w)
    with pytest.raises(InvoiceError, match="no approved billable time"):
        invoices.draft(w.client, *PERIOD, InvoiceGrouping.PROJECT, actor=w.owner)  # the draft holds it all
    w.db.session.rollback()
    line = first.lines[1]
    invoices.remove_line(line)  # its time is free again
    w.db.session.commit()
    second = _draft(w)
    assert _billed_ids(second) == {w.billed[2].id} and second.subtotal == Decimal("75.00")
    invoices.send(first, actor=w.owner, today=date(2026, 4, 1))
    invoices.void(first, actor=w.owner)  # void: released
    w.db.session.commit()
    assert _billed_ids(_draft(w)) == {w.billed[0].id, w.billed[1].id}


def test_numbers_have_no_gaps_a_deleted_draft_takes_none_and_void_keeps_its_own(w):
    first = _draft(w)
    invoices.send(first, actor=w.owner, today=date(2026, 4, 1))
    invoices.void(first, actor=w.owner)
    w.db.session.commit()
    deleted = _draft(w)
    invoices.delete_draft(deleted, actor=w.owner)  # never numbered: no gap
    w.db.session.commit()
    second = _draft(w)
    invoices.send(second, actor=w.owner, today=date(2026, 4, 2))
    w.db.session.commit()
    assert (first.number, first.status, second.number) == ("2026-0001", "void", "2026-0002")
    with pytest.raises(InvoiceError, match="void"):
        invoices.mark_paid(first, actor=w.owner)
    invoices.mark_paid(second, actor=w.owner)
    w.db.session.commit()
    actions = w.db.session.scalars(select(AuditEntry.action).where(AuditEntry.action.like("invoice.%"))
                                   .order_by(AuditEntry.id)).all()
    assert actions == ["invoice.create", "invoice.send", "invoice.void", "invoice.create", "invoice.delete",
                       "invoice.create", "invoice.send", "invoice.paid"]


def test_a_send_rolled_back_takes_no_number(w):
    invoice = _draft(w)
    invoices.send(invoice, actor=w.owner, today=date(2026, 4, 1))
    assert invoice.number == "2026-0001"
    w.db.session.rollback()  # the send failed after numbering: the counter goes back with it
    assert invoice.status == "draft" and invoice.number is None
    invoices.send(invoice, actor=w.owner, today=date(2026, 4, 2))
    w.db.session.commit()
    assert invoice.number == "2026-0001"  # not 0002: no gap


def test_time_on_a_sent_invoice_is_locked_until_it_is_void(client, api, w):
    invoice = _draft(w)
    log = w.billed[0]
    w.db.session.execute(  # unlock the week: only the invoice locks the entry now
        WeekApproval.__table__.update().values(status="open"))
    w.db.session.commit()
    locks.check_log(log)  # a draft locks nothing
    invoices.send(invoice, actor=w.owner, today=date(2026, 4, 1))
    w.db.session.commit()
    with pytest.raises(locks.TimeLocked, match=f"on invoice {invoice.number}, sent"):
        locks.check_log(log)
    login(client, w.member)
    response = client.post(f"/time-logs/{log.id}/delete")
    assert f"on invoice {invoice.number}, sent" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert w.db.session.get(TimeLog, log.id) is not None
    member = api(w.member)  # the REST API: a 409 problem naming the invoice, for a change and a delete
    for response in (member.patch(f"/time-entries/{log.id}", json={"description": "changed"}),
                     member.delete(f"/time-entries/{log.id}")):
        assert response.status_code == 409 and response.mimetype == "application/problem+json"
        assert response.get_json()["detail"] == (f"This entry is on invoice {invoice.number}, sent: an owner must "
                                                 "void the invoice to change it.")
    w.db.session.expire_all()
    assert w.db.session.get(TimeLog, log.id).description != "changed"
    page = client.get("/timesheet?week=2026-W10").get_data(as_text=True)  # shown read-only, saying why
    cell = page.split(f'<td id="ts-cell-{w.alpha_project.id}-2026-03-02"', 1)[1].split("</td>", 1)[0]
    assert "<input" not in cell and 'data-locked="invoiced"' in cell and f"on invoice {invoice.number}, sent" in cell
    assert "3 entries of this week are on a sent or paid invoice and locked." in page
    assert '<input class="ts-input"' in page  # days holding no invoiced time stay open
    invoices.void(invoice, actor=w.owner)
    w.db.session.commit()
    assert 'data-locked' not in client.get("/timesheet?week=2026-W10").get_data(as_text=True)
    assert client.post(f"/time-logs/{log.id}/delete").status_code == 303
    w.db.session.expire_all()
    assert w.db.session.get(TimeLog, log.id) is None


def test_only_owners_see_invoices(client, w):
    invoice = _draft(w)
    for user in (w.member, w.manager, w.admin):
        login(client, user)
        assert 'org-invoices-link' not in client.get(f"/organizations/{w.org.id}").get_data(as_text=True)
        assert client.get("/invoices").status_code == 403
        assert client.get(f"/invoices/{invoice.id}").status_code == 403
        client.post("/logout")
    login(client, w.outsider)  # an owner elsewhere: no such invoice
    assert client.get(f"/invoices/{invoice.id}").status_code == 404
    client.post("/logout")
    login(client, w.owner)
    assert 'data-testid="org-invoices-link"' in client.get(f"/organizations/{w.org.id}").get_data(as_text=True)
    page = client.get("/invoices").get_data(as_text=True)
    assert "Globex" in page and invoice.label in page
    assert client.get(f"/invoices/{invoice.id}").status_code == 200


def _header_nav(page: str) -> str:
    return page.split('<nav class="nav" aria-label="Main">', 1)[1].split("</nav>", 1)[0]


def test_the_header_links_invoices_for_those_who_may_see_them(client, w):
    """The main navigation (folded into the phone menu) offers Invoices to owners and system admins, not others."""
    for user in (w.member, w.manager, w.admin):
        login(client, user)
        nav = _header_nav(client.get("/timesheet").get_data(as_text=True))
        assert "Timesheet" in nav and "/invoices" not in nav and "Invoices" not in nav
        client.post("/logout")
    for user in (w.owner, w.sysadmin):
        login(client, user)
        nav = _header_nav(client.get("/timesheet").get_data(as_text=True))
        assert '<a href="/invoices"' in nav and 'data-testid="nav-invoices">Invoices</a>' in nav
        client.post("/logout")
    login(client, w.owner)
    nav = _header_nav(client.get("/invoices").get_data(as_text=True))
    assert '<a href="/invoices" aria-current="page" data-testid="nav-invoices">' in nav


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_the_pdf_prints_the_lines_and_totals_that_add_up(client, w):
    invoice = _draft(w)
    invoices.update(invoice, tax_rate=Decimal("20"), notes="Payable by transfer", due_on=date(2026, 4, 30))
    invoices.send(invoice, actor=w.owner, today=date(2026, 4, 1))
    w.db.session.commit()
    login(client, w.owner)
    response = client.get(f"/invoices/{invoice.id}.pdf")
    assert response.status_code == 200 and response.headers["Content-Type"] == "application/pdf"
    text = _pdf_text(response.data)
    for expected in ("Acme", "Globex", "Invoice 2026-0001", "2026-03-01 to 2026-03-31", "Due: 2026-04-30",
                     "Payable by transfer", "Page 1 of 1"):
        assert expected in text, expected
    amounts = [Decimal(a) for a in re.findall(r"^Alpha site .* ([0-9]+\.[0-9]{2})$", text, re.M)]
    subtotal = Decimal(re.search(r"Subtotal\s*([0-9.]+)", text).group(1))
    tax = Decimal(re.search(r"Tax \(20\.00%\)\s*([0-9.]+)", text).group(1))
    total = Decimal(re.search(r"Total\s*([0-9.]+)", text).group(1))
    assert amounts == [Decimal("250.00"), Decimal("75.00")]
    assert subtotal == sum(amounts) and total == subtotal + tax == Decimal("390.00")
    client.post("/logout")
    login(client, w.member)
    assert client.get(f"/invoices/{invoice.id}.pdf").status_code == 403


ADDRESS = ["12 Rue de la Paix", "75002 Paris", "France"]


def test_owners_set_billing_details_shown_as_the_invoices_sender_on_its_page_and_pdf(client, w):
    invoice = _draft(w)
    settings = {"name": "Acme", "currency": "EUR", "week_start": "0"}
    url = f"/organizations/{w.org.id}/settings"
    login(client, w.owner)
    for bad, message in (({"tax_id": "X" * 51}, "Field cannot be longer than 50 characters."),
                         ({"billing_address": "A" * 501}, "Field cannot be longer than 500 characters."),
                         ({"billing_address": "\n".join("abcdefg")}, "Keep the address to 6 lines."),
                         ({"billing_email": "not an address"}, "")):
        response = client.post(url, data={**settings, "tax_id": "FR1", **bad})
        page = response.get_data(as_text=True)
        assert response.status_code == 422 and 'class="error" role="alert"' in page and message in page, bad
        w.db.session.refresh(w.org)
        assert (w.org.tax_id, w.org.billing_address, w.org.billing_email) == (None, None, None)  # nothing saved

    typed = "\r\n".join([" 12 Rue de la Paix ", "", *ADDRESS[1:]])  # trimmed, the empty line dropped
    response = client.post(url, data={**settings, "billing_address": typed, "tax_id": " FR12345678901 ",
                                      "billing_email": "Billing@Acme.test"})
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Organization settings saved." in page
    assert "\n".join(ADDRESS) + "</textarea>" in page and 'value="FR12345678901"' in page
    assert 'value="billing@acme.test"' in page
    entry = w.db.session.scalar(select(AuditEntry).where(AuditEntry.action == "organization.update"))
    assert entry.details["tax_id"] == [None, "FR12345678901"]

    page = client.get(f"/invoices/{invoice.id}").get_data(as_text=True)
    sender = page.split('data-testid="invoice-sender">', 1)[1].split("</address>", 1)[0]
    for expected in ("<strong>Acme</strong>", *ADDRESS, "Tax/VAT id: FR12345678901", "billing@acme.test"):
        assert expected in sender, expected
    assert "<strong>Globex</strong>" in page.split('data-testid="invoice-recipient">', 1)[1].split("</address>")[0]
    text = _pdf_text(client.get(f"/invoices/{invoice.id}.pdf").data)
    for expected in ("From", "To", "Globex", *ADDRESS, "Tax/VAT id: FR12345678901", "billing@acme.test"):
        assert expected in text, expected

    response = client.post(url, data={**settings, "billing_address": "", "tax_id": "", "billing_email": ""})
    assert response.status_code == 303  # emptied: the invoice shows the name alone
    w.db.session.refresh(w.org)
    assert (w.org.tax_id, w.org.billing_address, w.org.billing_email) == (None, None, None)
    assert "Tax/VAT id" not in _pdf_text(client.get(f"/invoices/{invoice.id}.pdf").data)


def test_a_long_pdf_numbers_its_pages_and_ends_with_the_total(w):
    from pypdf import PdfReader

    from app.billing import invoice_pdf
    invoice = _draft(w)
    for line in list(invoice.lines):
        line.description = "A long description of the work done " * 6
    for i in range(60):
        invoice.lines.append(InvoiceLine(position=10 + i, description=f"Extra {i}", hours=Decimal("1.00"),
                                         rate=Decimal("10.00"), amount=Decimal("10.00")))
    reader = PdfReader(io.BytesIO(invoice_pdf.render(invoice)))
    pages = len(reader.pages)
    assert pages > 1
    assert f"Page {pages} of {pages}" in reader.pages[-1].extract_text()
    assert "Total 925.00" in reader.pages[-1].extract_text().replace("\n", " ")
    w.db.session.rollback()


def test_the_list_shows_what_is_outstanding_per_client_and_currency_never_added(client, w):
    first = _draft(w)
    invoices.remove_line(first.lines[1])  # 250.00 left on it
    invoices.send(first, actor=w.owner, today=date(2026, 4, 1))
    w.client.currency = "USD"  # the client's currency changed since: the next invoice is in USD
    w.db.session.commit()
    second = _draft(w)
    invoices.send(second, actor=w.owner, today=date(2026, 4, 2))
    w.db.session.commit()
    login(client, w.owner)

    def outstanding() -> str:
        page = client.get("/invoices").get_data(as_text=True)
        return re.sub(r"\s+", " ", page.split('data-testid="invoice-outstanding">')[1].split("</p>")[0]).strip()

    assert outstanding() == "Outstanding: 250.00 EUR; 75.00 USD"
    invoices.mark_paid(first, actor=w.owner)
    w.db.session.commit()
    assert outstanding() == "Outstanding: 75.00 USD"
    invoices.void(second, actor=w.owner)
    w.db.session.commit()
    page = client.get("/invoices").get_data(as_text=True)
    assert "Outstanding: nothing" in re.sub(r"\s+", " ", page)
    assert "2026-0001" in page and "2026-0002" in page and "paid" in page and "void" in page


@pytest.mark.skipif(not IS_POSTGRES, reason="SQLite serializes writers; the row lock is PostgreSQL's")
def test_two_sends_at_once_wait_for_the_counter_and_take_consecutive_numbers(app, w):
    """One send holds the counter row (its transaction open); the other waits on FOR UPDATE (seen waiting on a
    lock in pg_stat_activity), then takes the next number once the first commits."""
    first = _draft(w)
    invoices.remove_line(first.lines[1])
    w.db.session.add(InvoiceCounter(organization_id=w.org.id, year=2026, last=0))  # a row to lock, as in any year
    w.db.session.commit()
    ids = (first.id, _draft(w).id)
    numbered, may_commit, numbers, errors = threading.Event(), threading.Event(), {}, []

    def send(invoice_id: int, hold: bool) -> None:
        try:
            with app.app_context():
                invoice = w.db.session.get(Invoice, invoice_id)
                invoices.send(invoice, actor=None, today=date(2026, 4, 1))
                numbers[invoice_id] = invoice.number
                if hold:
                    numbered.set()
                    assert may_commit.wait(30)
                w.db.session.commit()
                w.db.session.remove()
        except Exception as error:  # noqa: BLE001 (reported by the test thread)
            errors.append(error)
            numbered.set()

    holder = threading.Thread(target=send, args=(ids[0], True))
    holder.start()
    assert numbered.wait(30)
    waiter = threading.Thread(target=send, args=(ids[1], False))
    waiter.start()
    deadline = time.monotonic() + 30
    with w.db.engine.connect() as conn:
        while not conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                                    "AND datname = current_database()")).scalar():
            assert time.monotonic() < deadline, "the second send never waited for the counter row"
            conn.rollback()
    assert ids[1] not in numbers  # still waiting
    may_commit.set()
    holder.join(30)
    waiter.join(30)
    assert not errors, errors
    assert numbers == {ids[0]: "2026-0001", ids[1]: "2026-0002"}
