"""The form that creates a personal access token on /settings/tokens."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from app.accounts.access_tokens import NAME_MAX
from app.web.form_filters import strip

EXPIRY_CHOICES = [SelectChoice("30", "30 days"), SelectChoice("90", "90 days"), SelectChoice("365", "1 year"),
                  SelectChoice("never", "Never")]


class TokenForm(FlaskForm):
    name = StringField("Name", filters=[strip], validators=[
        DataRequired("Give the token a name."),
        Length(max=NAME_MAX, message=f"A token's name is at most {NAME_MAX} characters."),
    ], render_kw={"maxlength": NAME_MAX, "placeholder": "e.g. invoicing script"})
    scope = SelectField("Scope", default="read", choices=[
        SelectChoice("read", "Read: GET requests only"),
        SelectChoice("write", "Write: read, create, change and delete")])
    expires = SelectField("Expires after", choices=EXPIRY_CHOICES, default="90")

    @property
    def expires_days(self) -> int | None:
        return None if self.expires.data == "never" else int(self.expires.data)
