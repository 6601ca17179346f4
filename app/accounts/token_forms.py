"""The form that creates a personal access token on /settings/tokens."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from app.accounts.access_tokens import NAME_MAX
from app.web.form_filters import strip

EXPIRY_CHOICES = [SelectChoice("30", _l("30 days")), SelectChoice("90", _l("90 days")),
                  SelectChoice("365", _l("1 year")), SelectChoice("never", _l("Never"))]


class TokenForm(FlaskForm):
    name = StringField(_l("Name"), filters=[strip], validators=[
        DataRequired(_l("Give the token a name.")),
        Length(max=NAME_MAX, message=_l("A token's name is at most %(max)s characters.", max=NAME_MAX)),
    ], render_kw={"maxlength": NAME_MAX, "placeholder": _l("e.g. invoicing script")})
    scope = SelectField(_l("Scope"), default="read", choices=[
        SelectChoice("read", _l("Read: GET requests only")),
        SelectChoice("write", _l("Write: read, create, change and delete"))])
    expires = SelectField(_l("Expires after"), choices=EXPIRY_CHOICES, default="90")

    @property
    def expires_days(self) -> int | None:
        return None if self.expires.data == "never" else int(self.expires.data)
