"""An invoice to a client for a period (issue 21 C): a draft of lines gathered from approved billable time, then
sent (numbered, its time locked), paid, or void (its time released; its number kept). A draft is deleted, not
voided. Amounts in the client's currency, as Decimal; each line rounded to cents, total = lines + tax."""
from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Column, Date, ForeignKey, Integer, Numeric, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import utcnow

CENT = Decimal("0.01")


class InvoiceStatus(StrEnum):
    DRAFT = "draft"
    SENT = "sent"
    PAID = "paid"
    VOID = "void"


# What people read for a status (the value stays the stored and compared one). Lazy: str() before storing it.
INVOICE_STATUS_LABELS = {InvoiceStatus.DRAFT: _l("draft"), InvoiceStatus.SENT: _l("sent"),
                         InvoiceStatus.PAID: _l("paid"), InvoiceStatus.VOID: _l("void")}


class InvoiceGrouping(StrEnum):
    PROJECT = "project"
    TASK = "task"
    PERSON = "person"


class InvoiceError(ValueError):
    """A change an invoice in its status refuses; the message is fit to show."""


# which time logs each line bills: a log is on one line of one invoice at most while that invoice is not void
invoice_entries = Table(
    "invoice_entries", db.metadata,
    Column("line_id", ForeignKey("invoice_lines.id", ondelete="CASCADE"), primary_key=True),
    Column("time_log_id", Integer, ForeignKey("time_logs.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class InvoiceCounter(db.Model):
    """The last number an organization gave in a year: locked (FOR UPDATE) by the transaction that sends."""
    __tablename__ = "invoice_counters"

    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"),
                                                 primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    last: Mapped[int] = mapped_column(default=0)


class Invoice(db.Model):
    __tablename__ = "invoices"
    __table_args__ = (UniqueConstraint("organization_id", "number", name="uq_invoice_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    number: Mapped[str | None] = mapped_column(String(20))  # given when sent: 2026-0001
    status: Mapped[str] = mapped_column(String(10), default=InvoiceStatus.DRAFT.value, index=True)
    grouping: Mapped[str] = mapped_column(String(10), default=InvoiceGrouping.PROJECT.value)
    period_from: Mapped[date] = mapped_column(Date)
    period_to: Mapped[date] = mapped_column(Date)
    currency: Mapped[str] = mapped_column(String(3))
    tax_rate: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal("0.00"))  # percent
    notes: Mapped[str] = mapped_column(Text, default="")
    due_on: Mapped[date | None] = mapped_column(Date)
    issued_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column()
    paid_at: Mapped[datetime | None] = mapped_column()
    voided_at: Mapped[datetime | None] = mapped_column()

    organization: Mapped["Organization"] = relationship()  # noqa: F821
    client: Mapped["Client"] = relationship()  # noqa: F821
    lines: Mapped[list[InvoiceLine]] = relationship(back_populates="invoice", cascade="all, delete-orphan",
                                                    order_by="InvoiceLine.position, InvoiceLine.id")

    @property
    def status_enum(self) -> InvoiceStatus:
        return InvoiceStatus(self.status)

    @property
    def label(self) -> str:
        return self.number or f"draft #{self.id}"

    @property
    def subtotal(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal("0.00"))

    @property
    def tax(self) -> Decimal:
        return (self.subtotal * Decimal(self.tax_rate or 0) / 100).quantize(CENT, rounding=ROUND_HALF_UP)

    @property
    def total(self) -> Decimal:
        return self.subtotal + self.tax

    @property
    def outstanding(self) -> bool:
        return self.status == InvoiceStatus.SENT

    def _require(self, *statuses: InvoiceStatus, doing: str) -> None:
        if self.status not in statuses:
            raise InvoiceError(self._refusal(doing))

    def _refusal(self, doing: str) -> str:
        """Why the invoice in its status cannot be `doing`: one whole sentence per action, in the reader's language."""
        values = {"label": self.label, "status": str(INVOICE_STATUS_LABELS.get(self.status, self.status))}
        if doing == "changed":
            return _("Invoice %(label)s is %(status)s: it cannot be changed.", **values)
        if doing == "sent":
            return _("Invoice %(label)s is %(status)s: it cannot be sent.", **values)
        if doing == "deleted (void a sent invoice)":
            return _("Invoice %(label)s is %(status)s: it cannot be deleted (void a sent invoice).", **values)
        if doing == "marked paid":
            return _("Invoice %(label)s is %(status)s: it cannot be marked paid.", **values)
        if doing == "voided (a draft is deleted)":
            return _("Invoice %(label)s is %(status)s: it cannot be voided (a draft is deleted).", **values)
        return f"Invoice {self.label} is {self.status}: it cannot be {doing}."

    def check_draft(self, doing: str = "changed") -> None:
        self._require(InvoiceStatus.DRAFT, doing=doing)

    def send(self, number: str, today: date, now: datetime | None = None) -> None:
        self.check_draft("sent")
        if not self.lines:
            raise InvoiceError(_("This draft has no lines: there is nothing to send."))
        self.number, self.status, self.issued_on = number, InvoiceStatus.SENT.value, today
        self.sent_at = now or utcnow()

    def mark_paid(self, now: datetime | None = None) -> None:
        self._require(InvoiceStatus.SENT, doing="marked paid")
        self.status, self.paid_at = InvoiceStatus.PAID.value, now or utcnow()

    def void(self, now: datetime | None = None) -> None:
        self._require(InvoiceStatus.SENT, InvoiceStatus.PAID, doing="voided (a draft is deleted)")
        self.status, self.voided_at = InvoiceStatus.VOID.value, now or utcnow()

    def __repr__(self) -> str:
        return f"<Invoice {self.id} {self.label} {self.status}>"


class InvoiceLine(db.Model):
    __tablename__ = "invoice_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    description: Mapped[str] = mapped_column(String(300))
    hours: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    rate: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))

    invoice: Mapped[Invoice] = relationship(back_populates="lines")
    time_logs: Mapped[list["TimeLog"]] = relationship(secondary=invoice_entries, viewonly=True)  # noqa: F821
