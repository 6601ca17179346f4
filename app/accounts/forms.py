from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from app.web.form_filters import EmailAddress, password_field, strip


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    remember_me = BooleanField(_l("Remember me"))
    submit = SubmitField(_l("Sign in"))


class SignupForm(FlaskForm):
    name = StringField(_l("Name"), filters=[strip], validators=[DataRequired(), Length(max=200)])
    email = EmailField(_l("Email"), filters=[strip], validators=[DataRequired(), Length(max=254), EmailAddress()])
    password = password_field()
    time_zone = HiddenField()  # the browser's zone, filled in by the browser-zone controller


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("Email"), filters=[strip], validators=[DataRequired(), Length(max=254), EmailAddress()])


class ResetPasswordForm(FlaskForm):
    password = password_field(_l("New password"))


class TwoFactorForm(FlaskForm):
    code = StringField(_l("Code"), filters=[strip], validators=[DataRequired(), Length(max=40)])
