from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from app.models import WEBHOOK_EVENTS
from app.web.form_filters import strip


class EventsField(SelectMultipleField):
    """One checkbox per event."""
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form):  # unknown values are dropped by the service, not a 500
        pass


class EndpointForm(FlaskForm):
    url = StringField(_l("URL"), filters=[strip],
                      validators=[DataRequired(message=_l("Give the endpoint's URL.")), Length(max=2000)])
    description = StringField(_l("Description"), filters=[strip], validators=[Length(max=200)])
    events = EventsField(_l("Events"), choices=[SelectChoice(event, event) for event in WEBHOOK_EVENTS])
