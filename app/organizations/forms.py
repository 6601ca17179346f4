from __future__ import annotations

from datetime import date
from zoneinfo import available_timezones

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from app.models import ROLE_LABELS, Role
from app.organizations.currencies import CURRENCIES
from app.web.form_filters import EmailAddress, int_or_none, password_field, strip

MAX_ADDRESS, MAX_ADDRESS_LINES = 500, 6


def address_lines(value):
    """The address's lines, each stripped, the empty ones dropped, joined by newlines."""
    if not isinstance(value, str):
        return value
    return "\n".join(line.strip() for line in value.splitlines() if line.strip())


class OrganizationForm(FlaskForm):
    name = StringField(_l("Name"), filters=[strip], validators=[DataRequired(), Length(max=200)])


class OrganizationSettingsForm(OrganizationForm):
    currency = StringField(_l("Currency (ISO 4217 code)"),
                           filters=[strip, lambda v: v.upper() if isinstance(v, str) else v],
                           validators=[DataRequired(), Length(min=3, max=3)])
    week_start = SelectField(_l("Weeks start on"),
                             choices=[SelectChoice(0, _l("Monday")), SelectChoice(6, _l("Sunday"))],
                             coerce=int_or_none,
                             validators=[InputRequired()])
    require_two_factor = BooleanField(_l("Require two-factor sign-in of every member"))
    time_zone = StringField(_l("Time zone (IANA, such as Europe/Paris)"), filters=[strip],
                            validators=[Optional(), Length(max=64)])
    lock_date = DateField(_l("Lock date: nothing before this day changes (empty: no lock)"), validators=[Optional()],
                          render_kw={"type": "date"})
    # billing details: the sender on the organization's invoices (page and PDF)
    billing_address = TextAreaField(_l("Billing address (one line each, as on an envelope)"), filters=[address_lines],
                                    validators=[Optional(), Length(max=MAX_ADDRESS)])
    tax_id = StringField(_l("Tax or VAT id"), filters=[strip], validators=[Optional(), Length(max=50)])
    billing_email = EmailField(_l("Contact e-mail on invoices"), filters=[strip],
                               validators=[Optional(), Length(max=254), EmailAddress()])

    def validate_billing_address(self, field):
        if field.data and len(field.data.splitlines()) > MAX_ADDRESS_LINES:
            raise ValidationError(_("Keep the address to %(num)s lines.", num=MAX_ADDRESS_LINES))

    def validate_currency(self, field):
        if field.data not in CURRENCIES:
            raise ValidationError(_("Give an ISO 4217 currency code, such as EUR, USD or GBP."))

    def validate_time_zone(self, field):
        if field.data and field.data not in available_timezones():
            raise ValidationError(_("Choose a time zone such as Europe/Paris or America/New_York."))

    def validate_lock_date(self, field):
        if field.data and not date(2000, 1, 1) <= field.data <= date(2200, 12, 31):
            raise ValidationError(_("Give a date between 2000-01-01 and 2200-12-31."))

    def validate_week_start(self, field):
        if field.data not in (0, 6):
            raise ValidationError(_("Choose Monday or Sunday."))


class DeleteOrganizationForm(FlaskForm):
    confirm_name = StringField(_l("Type the organization's name to confirm"), validators=[DataRequired()])


class InvitationForm(FlaskForm):
    email = EmailField(_l("Email"), filters=[strip], validators=[DataRequired(), Length(max=254), EmailAddress()])
    role = SelectField(_l("Role"), choices=[SelectChoice(r.value, ROLE_LABELS[r])
                                            for r in (Role.ADMIN, Role.MANAGER, Role.MEMBER)])
    teams = SelectMultipleField(_l("Teams"), coerce=int_or_none, choices=[], validate_choice=True)


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=[SelectChoice(r.value, ROLE_LABELS[r]) for r in Role])


class TeamForm(FlaskForm):
    name = StringField(_l("Team name"), filters=[strip], validators=[DataRequired(), Length(max=200)])


class TeamMemberForm(FlaskForm):
    user_id = SelectField(_l("Person"), coerce=int_or_none, choices=[], validators=[InputRequired()])


class TeamProjectForm(FlaskForm):
    project_id = SelectField(_l("Project"), coerce=int_or_none, choices=[], validators=[InputRequired()])


class AcceptInvitationForm(FlaskForm):
    name = StringField(_l("Your name"), filters=[strip], validators=[DataRequired(), Length(max=200)])
    password = password_field(_l("Choose a password"))
    time_zone = HiddenField()  # the browser's zone, filled in by the browser-zone controller
