from __future__ import annotations

from zoneinfo import available_timezones

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, IntegerField, PasswordField, SelectField, StringField, TimeField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from app.i18n import LANGUAGES
from app.models.user import THEMES
from app.web.form_filters import EmailAddress, password_field, strip

# THEMES' labels (app/models/user.py), in the reader's language
THEME_LABELS = {"system": _l("Same as this device"), "light": _l("Light"), "dark": _l("Dark")}
# "" is no choice: pages speak what the browser asks for; each language is named in its own words (not translated)
LANGUAGE_CHOICES = [SelectChoice("", _l("As my browser asks"))] + [
    SelectChoice(code, name) for code, name in LANGUAGES.items()]


class ProfileForm(FlaskForm):
    name = StringField(_l("Name"), filters=[strip], validators=[DataRequired(), Length(max=200)])
    time_zone = StringField(_l("Time zone"), filters=[strip], validators=[DataRequired(), Length(max=64)])
    idle_minutes = IntegerField(_l("Ask about idle time after (minutes without input, timer running)"),
                                validators=[Optional(), NumberRange(1, 240, _l("Between 1 and 240 minutes."))])

    theme = SelectField(_l("Appearance"), choices=[(value, THEME_LABELS.get(value, label))
                                                   for value, label in THEMES.items()], default="system")
    language = SelectField(_l("Language"), choices=LANGUAGE_CHOICES, default="", validate_choice=False)

    def validate_time_zone(self, field):
        if field.data not in available_timezones():
            raise ValidationError(_l("Choose a time zone from the list (such as Europe/Paris or America/New_York)."))

    def validate_language(self, field):
        if field.data and field.data not in LANGUAGES:
            raise ValidationError(_l("Choose a language from the list."))


class EmailChangeForm(FlaskForm):
    email = EmailField(_l("New email"), filters=[strip], validators=[DataRequired(), Length(max=254), EmailAddress()])
    current_password = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=200)])


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=200)])
    new_password = password_field(_l("New password"))


CHANNEL_CHOICES = [SelectChoice("both", _l("In the app and by e-mail")), SelectChoice("in_app", _l("In the app")),
                   SelectChoice("email", _l("By e-mail")), SelectChoice("off", _l("Off"))]
HOUR_CHOICES = [SelectChoice("", "—")] + [SelectChoice(str(h), f"{h:02d}:00") for h in range(24)]


class NotificationPreferencesForm(FlaskForm):
    """A select per notification kind (added by preferences_form), the daily digest and quiet hours."""
    daily_digest = BooleanField(_l("Gather e-mail notifications into one daily digest (08:00, your time zone)"))
    quiet_start = SelectField(_l("Quiet hours from"), choices=HOUR_CHOICES, default="")
    quiet_end = SelectField(_l("until"), choices=HOUR_CHOICES, default="")
    reminder_at = TimeField(_l("Remind me at (weekdays, your time zone) when I have tracked nothing that day"),
                            validators=[Optional()])

    def validate_quiet_end(self, field):
        if bool(self.quiet_start.data) != bool(field.data):
            raise ValidationError(_l("Give both ends of the quiet hours, or neither."))
        if field.data and field.data == self.quiet_start.data:
            raise ValidationError(_l("Quiet hours must end at another hour than they start."))

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
    code = StringField(_l("Code from your app"), filters=[strip], validators=[DataRequired(), Length(max=12)])


class TwoFactorPasswordForm(FlaskForm):
    password = PasswordField(_l("Your password"), validators=[DataRequired(), Length(max=200)])
