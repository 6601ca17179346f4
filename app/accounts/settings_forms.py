from __future__ import annotations

from zoneinfo import available_timezones

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, IntegerField, PasswordField, SelectField, StringField, TimeField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from app.models.user import THEMES
from app.web.form_filters import EmailAddress, password_field, strip


class ProfileForm(FlaskForm):
    name = StringField("Name", filters=[strip], validators=[DataRequired(), Length(max=200)])
    time_zone = StringField("Time zone", filters=[strip], validators=[DataRequired(), Length(max=64)])
    idle_minutes = IntegerField("Ask about idle time after (minutes without input, timer running)",
                                validators=[Optional(), NumberRange(1, 240, "Between 1 and 240 minutes.")])

    theme = SelectField("Appearance", choices=list(THEMES.items()), default="system")

    def validate_time_zone(self, field):
        if field.data not in available_timezones():
            raise ValidationError("Choose a time zone from the list (such as Europe/Paris or America/New_York).")


class EmailChangeForm(FlaskForm):
    email = EmailField("New email", filters=[strip], validators=[DataRequired(), Length(max=254), EmailAddress()])
    current_password = PasswordField("Current password", validators=[DataRequired(), Length(max=200)])


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField("Current password", validators=[DataRequired(), Length(max=200)])
    new_password = password_field("New password")


CHANNEL_CHOICES = [SelectChoice("both", "In the app and by e-mail"), SelectChoice("in_app", "In the app"),
                   SelectChoice("email", "By e-mail"), SelectChoice("off", "Off")]
HOUR_CHOICES = [SelectChoice("", "—")] + [SelectChoice(str(h), f"{h:02d}:00") for h in range(24)]


class NotificationPreferencesForm(FlaskForm):
    """A select per notification kind (added by preferences_form), the daily digest and quiet hours."""
    daily_digest = BooleanField("Gather e-mail notifications into one daily digest (08:00, your time zone)")
    quiet_start = SelectField("Quiet hours from", choices=HOUR_CHOICES, default="")
    quiet_end = SelectField("until", choices=HOUR_CHOICES, default="")
    reminder_at = TimeField("Remind me at (weekdays, your time zone) when I have tracked nothing that day",
                            validators=[Optional()])

    def validate_quiet_end(self, field):
        if bool(self.quiet_start.data) != bool(field.data):
            raise ValidationError("Give both ends of the quiet hours, or neither.")
        if field.data and field.data == self.quiet_start.data:
            raise ValidationError("Quiet hours must end at another hour than they start.")

    def channel_fields(self):
        return [field for field in self if field.name.startswith(f"{self._prefix}channel_")]


def preferences_form(kinds, formdata=None, **data) -> NotificationPreferencesForm:
    """The form for these kinds (kinds.visible_to(user)): one channel select each."""
    class Form(NotificationPreferencesForm):
        pass

    for kind in kinds:
        field = SelectField(kind.label, choices=CHANNEL_CHOICES, default=kind.default.value)
        setattr(Form, f"channel_{kind.name}", field)
    if formdata is None:
        return Form(formdata=None, prefix="notifications", data=data)
    return Form(prefix="notifications")


class TwoFactorCodeForm(FlaskForm):
    code = StringField("Code from your app", filters=[strip], validators=[DataRequired(), Length(max=12)])


class TwoFactorPasswordForm(FlaskForm):
    password = PasswordField("Your password", validators=[DataRequired(), Length(max=200)])
