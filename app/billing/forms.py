"""The form that adds a rate (organization page: default or a member; project page: the project or a member on
it). Choices come from the view (already policy-scoped)."""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, ValidationError

from app.models import RateKind
from app.web.form_filters import int_or_none, strip

AMOUNT_MAX = Decimal("99999999.99")  # Numeric(10, 2)
# a plain decimal, ASCII digits only: no exponent, no NaN, no '١٢'
_PLAIN_DECIMAL = re.compile(r"-?(?:[0-9]+(?:[.,][0-9]*)?|[.,][0-9]+)", re.ASCII)
KINDS = [(RateKind.BILLABLE.value, _l("Billable")), (RateKind.COST.value, _l("Cost"))]


class RateForm(FlaskForm):
    kind = SelectField(_l("Kind"), choices=[SelectChoice(value, label) for value, label in KINDS],
                       validate_choice=False)
    user_id = SelectField(_l("Who"), coerce=int_or_none, default=0, validate_choice=False)
    amount = StringField(_l("Per hour"), filters=[strip],
                         validators=[InputRequired(_l("Enter an amount, like 90 or 95.50."))],
                         render_kw={"inputmode": "decimal", "placeholder": _l("e.g. 95.50")})
    effective_from = StringField(_l("Effective from"), filters=[strip], render_kw={"type": "date"})

    value: Decimal | None = None
    since: date | None = None

    def __init__(self, people, everyone_label: str, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.people = {u.id: u for u in people}
        self.user_id.choices = [SelectChoice(0, everyone_label)] + [
            SelectChoice(u.id, f"{u.name} ({u.email})") for u in people]

    def validate_kind(self, field):
        if field.data not in dict(KINDS):
            raise ValidationError(_("Choose billable or cost."))

    def validate_user_id(self, field):
        if field.data is None or (field.data != 0 and field.data not in self.people):
            raise ValidationError(_("Choose someone of the list."))

    def validate_amount(self, field):
        self.value = None
        if not _PLAIN_DECIMAL.fullmatch(field.data or ""):
            raise ValidationError(_("Amount must be an amount, like 90 or 95.50."))
        value = Decimal(field.data.replace(",", "."))
        if value < 0:
            raise ValidationError(_("Amount cannot be negative."))
        if value > AMOUNT_MAX:
            raise ValidationError(_("Amount is too large."))
        if value != value.quantize(Decimal("0.01")):
            raise ValidationError(_("Amount takes at most two decimals, like 95.50."))
        self.value = value.quantize(Decimal("0.01"))

    def validate_effective_from(self, field):
        self.since = None
        try:
            self.since = date.fromisoformat(field.data or "")
        except ValueError:
            raise ValidationError(_("Effective from must be a date, like 2026-01-31.")) from None
        if not date(1970, 1, 1) <= self.since <= date(9998, 12, 31):
            self.since = None
            raise ValidationError(_("Effective from must be between 1970-01-01 and 9998-12-31."))


# -- invoices (issue 21 C) ------------------------------------------------------------------------------------
GROUPINGS = [("project", _l("By project")), ("task", _l("By task")), ("person", _l("By person"))]


def _date(field, label: str, required: bool = True) -> date | None:
    if not field.data and not required:
        return None
    try:
        value = date.fromisoformat(field.data or "")
    except ValueError:
        raise ValidationError(_("%(field)s must be a date, like 2026-01-31.", field=label)) from None
    if not date(1970, 1, 1) <= value <= date(9998, 12, 31):
        raise ValidationError(_("%(field)s must be between 1970-01-01 and 9998-12-31.", field=label))
    return value


class InvoiceDraftForm(FlaskForm):
    client_id = SelectField(_l("Client"), coerce=int_or_none, validate_choice=False)
    period_from = StringField(_l("From"), filters=[strip], render_kw={"type": "date"})
    period_to = StringField(_l("To"), filters=[strip], render_kw={"type": "date"})
    grouping = SelectField(_l("Lines"), choices=[SelectChoice(v, label) for v, label in GROUPINGS],
                           validate_choice=False, default="project")

    start: date | None = None
    end: date | None = None

    def __init__(self, clients, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.clients = {c.id: c for c in clients}
        self.client_id.choices = [SelectChoice(c.id, c.name) for c in clients]

    def validate_client_id(self, field):
        if field.data not in self.clients:
            raise ValidationError(_("Choose a client of the list."))

    def validate_period_from(self, field):
        self.start = _date(field, _("From"))

    def validate_period_to(self, field):
        self.end = _date(field, _("To"))
        if self.start is not None and self.end < self.start:
            raise ValidationError(_("The period must end on or after its first day."))

    def validate_grouping(self, field):
        if field.data not in dict(GROUPINGS):
            raise ValidationError(_("Choose by project, task or person."))


class InvoiceForm(FlaskForm):
    """A draft's tax rate (percent), due date and notes."""
    tax_rate = StringField(_l("Tax rate (%)"), filters=[strip], render_kw={"inputmode": "decimal"})
    due_on = StringField(_l("Due"), filters=[strip], render_kw={"type": "date"})
    notes = TextAreaField(_l("Notes"), filters=[strip], validators=[Length(max=4000)])

    tax: Decimal | None = None
    due: date | None = None

    def validate_tax_rate(self, field):
        self.tax = None
        raw = field.data or "0"
        if not _PLAIN_DECIMAL.fullmatch(raw):
            raise ValidationError(_("Tax rate must be a percentage, like 20 or 7.5."))
        value = Decimal(raw.replace(",", "."))
        if not Decimal("0") <= value <= Decimal("100") or value != value.quantize(Decimal("0.01")):
            raise ValidationError(_("Tax rate must be between 0 and 100, with at most two decimals."))
        self.tax = value.quantize(Decimal("0.01"))

    def validate_due_on(self, field):
        self.due = _date(field, _("Due"), required=False)


class InvoiceLineForm(FlaskForm):
    description = StringField(_l("Description"), filters=[strip], validators=[
        InputRequired(_l("Describe the line.")),
        Length(max=300, message=_l("Keep the description under 300 characters."))])
