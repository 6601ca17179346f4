from __future__ import annotations

from zoneinfo import available_timezones

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Length, ValidationError

from app.form_filters import EmailAddress, password_field, strip


class ProfileForm(FlaskForm):
    name = StringField("Name", filters=[strip], validators=[DataRequired(), Length(max=200)])
    time_zone = StringField("Time zone", filters=[strip], validators=[DataRequired(), Length(max=64)])

    def validate_time_zone(self, field):
        if field.data not in available_timezones():
            raise ValidationError("Choose a time zone from the list (such as Europe/Paris or America/New_York).")


class EmailChangeForm(FlaskForm):
    email = EmailField("New email", filters=[strip], validators=[DataRequired(), Length(max=254), EmailAddress()])
    current_password = PasswordField("Current password", validators=[DataRequired(), Length(max=200)])


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField("Current password", validators=[DataRequired(), Length(max=200)])
    new_password = password_field("New password")
