from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField, SelectMultipleField, ValidationError
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import CheckboxInput, ListWidget

from app.web.form_filters import int_or_none


class ScheduleForm(FlaskForm):
    frequency = SelectField("Send it", choices=[
        SelectChoice("", "Not scheduled"), SelectChoice("weekly", "Every Monday at 08:00 (your time zone)"),
        SelectChoice("monthly", "On the 1st of every month at 08:00 (your time zone)")], default="")
    recipients = SelectMultipleField("To", coerce=int_or_none, choices=[], validate_choice=True,
                                     widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())

    def validate_recipients(self, field):
        if self.frequency.data and not field.data:
            raise ValidationError("Choose at least one person to send it to.")
