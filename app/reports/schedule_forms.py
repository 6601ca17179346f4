from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, SelectMultipleField, ValidationError
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import CheckboxInput, ListWidget

from app.web.form_filters import int_or_none


class ScheduleForm(FlaskForm):
    frequency = SelectField(_l("Send it"), choices=[
        SelectChoice("", _l("Not scheduled")), SelectChoice("weekly", _l("Every Monday at 08:00 (your time zone)")),
        SelectChoice("monthly", _l("On the 1st of every month at 08:00 (your time zone)"))], default="")
    recipients = SelectMultipleField(_l("To"), coerce=int_or_none, choices=[], validate_choice=True,
                                     widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())

    def validate_recipients(self, field):
        if self.frequency.data and not field.data:
            raise ValidationError(_("Choose at least one person to send it to."))
