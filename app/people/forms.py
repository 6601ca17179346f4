from __future__ import annotations

from flask import current_app
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from app.form_filters import int_or_none, strip
from app.models import Role

MIN_PASSWORD = 8


def normalize_email(value: str) -> str:
    """A deliverable-looking address, normalized by email-validator (lower-cased: addresses are matched
    case-insensitively everywhere). ValueError with a message fit for the field."""
    from email_validator import EmailNotValidError, validate_email

    try:
        result = validate_email(value or "", check_deliverability=False, test_environment=current_app.testing)
    except EmailNotValidError as exc:
        raise ValueError(str(exc)) from None
    return result.normalized.lower()


class EmailAddress:
    """Validates and replaces the field's data with its normalized form."""

    def __call__(self, form, field):
        try:
            field.data = normalize_email(field.data)
        except ValueError as exc:
            raise ValidationError(str(exc)) from None


def password_field(label: str = "Password"):
    return PasswordField(label, validators=[DataRequired(), Length(min=MIN_PASSWORD, max=200,
                         message=f"Use at least {MIN_PASSWORD} characters (at most 200).")])


class OrganizationForm(FlaskForm):
    name = StringField("Name", filters=[strip], validators=[DataRequired(), Length(max=200)])


class OrganizationSettingsForm(OrganizationForm):
    currency = StringField("Currency (ISO 4217 code)",
                           filters=[strip, lambda v: v.upper() if isinstance(v, str) else v],
                           validators=[DataRequired(), Length(min=3, max=3)])
    week_start = SelectField("Weeks start on", choices=[(0, "Monday"), (6, "Sunday")], coerce=int_or_none,
                             validators=[InputRequired()])

    def validate_currency(self, field):
        from app.people.currencies import CURRENCIES

        if field.data not in CURRENCIES:
            raise ValidationError("Give an ISO 4217 currency code, such as EUR, USD or GBP.")

    def validate_week_start(self, field):
        if field.data not in (0, 6):
            raise ValidationError("Choose Monday or Sunday.")


class DeleteOrganizationForm(FlaskForm):
    confirm_name = StringField("Type the organization's name to confirm", validators=[DataRequired()])


class InvitationForm(FlaskForm):
    email = EmailField("Email", filters=[strip], validators=[DataRequired(), Length(max=254), EmailAddress()])
    role = SelectField("Role", choices=[(r.value, r.value) for r in (Role.ADMIN, Role.MANAGER, Role.MEMBER)])
    teams = SelectMultipleField("Teams", coerce=int_or_none, choices=[], validate_choice=True)


class RoleForm(FlaskForm):
    role = SelectField("Role", choices=[(r.value, r.value) for r in Role])


class TeamForm(FlaskForm):
    name = StringField("Team name", filters=[strip], validators=[DataRequired(), Length(max=200)])


class TeamMemberForm(FlaskForm):
    user_id = SelectField("Person", coerce=int_or_none, choices=[], validators=[InputRequired()])


class TeamProjectForm(FlaskForm):
    project_id = SelectField("Project", coerce=int_or_none, choices=[], validators=[InputRequired()])


class AcceptInvitationForm(FlaskForm):
    name = StringField("Your name", filters=[strip], validators=[DataRequired(), Length(max=200)])
    password = password_field("Choose a password")
