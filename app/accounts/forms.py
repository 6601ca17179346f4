from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from app.web.form_filters import EmailAddress, password_field, strip


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])
    remember_me = BooleanField("Remember me")
    submit = SubmitField("Sign in")


class SignupForm(FlaskForm):
    name = StringField("Name", filters=[strip], validators=[DataRequired(), Length(max=200)])
    email = EmailField("Email", filters=[strip], validators=[DataRequired(), Length(max=254), EmailAddress()])
    password = password_field()
    time_zone = HiddenField()  # the browser's zone, filled in by the browser-zone controller


class ForgotPasswordForm(FlaskForm):
    email = EmailField("Email", filters=[strip], validators=[DataRequired(), Length(max=254), EmailAddress()])


class ResetPasswordForm(FlaskForm):
    password = password_field("New password")


class TwoFactorForm(FlaskForm):
    code = StringField("Code", filters=[strip], validators=[DataRequired(), Length(max=40)])
