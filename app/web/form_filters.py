"""Parsing what people type or send: WTForms filters and coercions, record ids (forms, URLs, topics)."""
from __future__ import annotations

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import lazy_gettext as _l
from werkzeug.routing import BaseConverter
from wtforms import PasswordField
from wtforms.validators import DataRequired, Length, ValidationError


def strip(value):
    return value.strip() if isinstance(value, str) else value


def int_or_none(value):
    """Coerce a select's value with parse_id (ASCII digits only, so '١٢' is no id); garbage becomes None
    so the field's own message explains it."""
    return parse_id(value.strip() if isinstance(value, str) else value)


def parse_id(raw) -> int | None:
    """A record id from a URL or form: ASCII digits only (str.isdigit() also accepts '²' and '١'),
    at most 18 of them so it fits a 64-bit integer column. None for anything else."""
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw if 0 <= raw < 10**18 else None
    if isinstance(raw, str) and raw.isascii() and raw.isdigit() and len(raw) <= 18:
        return int(raw)
    return None


def parse_page(raw) -> int | None:
    """A page number from 1 to 99,999, or None."""
    number = parse_id(raw.strip() if isinstance(raw, str) else raw)
    return number if number is not None and 0 < number < 100_000 else None


class IdConverter(BaseConverter):
    """`<id:name>` in a route: a record id parsed once at routing (parse_id's rule); anything else, such
    as '١', '²' or an id past 64 bits, is no match and so a 404 before the view runs."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value) -> str:
        return str(int(value))


# -- e-mail addresses and passwords (sign-up, invitations, settings) ----------------------------------
MIN_PASSWORD = 8


def normalize_email(value: str) -> str:
    """A deliverable-looking address, normalized by email-validator (lower-cased: addresses are matched
    case-insensitively everywhere). ValueError with a message fit for the field."""

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


def password_field(label: str = _l("Password")):
    return PasswordField(label, validators=[DataRequired(), Length(min=MIN_PASSWORD, max=200,
                         message=_l("Use at least %(min)s characters (at most 200).", min=MIN_PASSWORD))])
