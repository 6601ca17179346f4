from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField
from wtforms.validators import DataRequired, Length


class ConfirmLinkForm(FlaskForm):
    """The account's password, to link a provider's sign-in to it."""
    password = PasswordField(_l("Password of your Timeboard account"), validators=[DataRequired(), Length(max=200)])
