"""The form that adds a rate (organization page: default or a member; project page: the project or a member on
it). Choices come from the view (already policy-scoped)."""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, ValidationError

from app.models import RateKind
from app.web.form_filters import int_or_none, strip

AMOUNT_MAX = Decimal("99999999.99")  # Numeric(10, 2)
# a plain decimal, ASCII digits only: no exponent, no NaN, no '١٢'
_PLAIN_DECIMAL = re.compile(r"-?(?:[0-9]+(?:[.,][0-9]*)?|[.,][0-9]+)", re.ASCII)
KINDS = [(RateKind.BILLABLE.value, "Billable"), (RateKind.COST.value, "Cost")]


class RateForm(FlaskForm):
    kind = SelectField("Kind", choices=[SelectChoice(value, label) for value, label in KINDS], validate_choice=False)
    user_id = SelectField("Who", coerce=int_or_none, default=0, validate_choice=False)
    amount = StringField("Per hour", filters=[strip], validators=[InputRequired("Enter an amount, like 90 or 95.50.")],
                         render_kw={"inputmode": "decimal", "placeholder": "e.g. 95.50"})
    effective_from = StringField("Effective from", filters=[strip], render_kw={"type": "date"})

    value: Decimal | None = None
    since: date | None = None

    def __init__(self, people, everyone_label: str, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.people = {u.id: u for u in people}
        self.user_id.choices = [SelectChoice(0, everyone_label)] + [
            SelectChoice(u.id, f"{u.name} ({u.email})") for u in people]

    def validate_kind(self, field):
        if field.data not in dict(KINDS):
            raise ValidationError("Choose billable or cost.")

    def validate_user_id(self, field):
        if field.data is None or (field.data != 0 and field.data not in self.people):
            raise ValidationError("Choose someone of the list.")

    def validate_amount(self, field):
        self.value = None
        if not _PLAIN_DECIMAL.fullmatch(field.data or ""):
            raise ValidationError("Amount must be an amount, like 90 or 95.50.")
        value = Decimal(field.data.replace(",", "."))
        if value < 0:
            raise ValidationError("Amount cannot be negative.")
        if value > AMOUNT_MAX:
            raise ValidationError("Amount is too large.")
        if value != value.quantize(Decimal("0.01")):
            raise ValidationError("Amount takes at most two decimals, like 95.50.")
        self.value = value.quantize(Decimal("0.01"))

    def validate_effective_from(self, field):
        self.since = None
        try:
            self.since = date.fromisoformat(field.data or "")
        except ValueError:
            raise ValidationError("Effective from must be a date, like 2026-01-31.") from None
        if not date(1970, 1, 1) <= self.since <= date(9998, 12, 31):
            self.since = None
            raise ValidationError("Effective from must be between 1970-01-01 and 9998-12-31.")
