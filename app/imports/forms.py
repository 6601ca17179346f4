from __future__ import annotations

from zoneinfo import available_timezones

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional, ValidationError

from app.imports.formats import generic
from app.imports.reader import FORMATS
from app.web.form_filters import strip

MAX_FILE_BYTES = 5 * 1024 * 1024


class ImportForm(FlaskForm):
    file = FileField(_l("CSV export"))
    format = SelectField(_l("Format"), choices=[SelectChoice("auto", _l("Detect from the header"))]
                         + [SelectChoice(name, module.LABEL) for name, module in FORMATS.items()])
    time_zone = StringField(_l("Time zone of the file's dates and times (empty: the organization's)"), filters=[strip],
                            validators=[Optional(), Length(max=64)])
    assign_unmatched = BooleanField(_l("Import the rows of people who are not members as mine"))
    # the generic CSV's mapping: which column holds what (the header's names)
    column_date = StringField(_l("Date column"), filters=[strip], validators=[Optional(), Length(max=200)])
    column_start = StringField(_l("Start column"), filters=[strip], validators=[Optional(), Length(max=200)])
    column_end = StringField(_l("End column"), filters=[strip], validators=[Optional(), Length(max=200)])
    column_duration = StringField(_l("Duration column"), filters=[strip], validators=[Optional(), Length(max=200)])
    column_project = StringField(_l("Project column"), filters=[strip], validators=[Optional(), Length(max=200)])
    column_client = StringField(_l("Client column"), filters=[strip], validators=[Optional(), Length(max=200)])
    column_task = StringField(_l("Task column"), filters=[strip], validators=[Optional(), Length(max=200)])
    column_description = StringField(_l("Description column"), filters=[strip],
                                     validators=[Optional(), Length(max=200)])
    column_email = StringField(_l("E-mail column"), filters=[strip], validators=[Optional(), Length(max=200)])
    column_tags = StringField(_l("Tags column"), filters=[strip], validators=[Optional(), Length(max=200)])
    column_billable = StringField(_l("Billable column"), filters=[strip], validators=[Optional(), Length(max=200)])

    def validate_time_zone(self, field):
        if field.data and field.data not in available_timezones():
            raise ValidationError(_("Choose a time zone such as Europe/Paris or America/New_York."))

    def mapping(self) -> dict[str, str]:
        return {name: getattr(self, f"column_{name}").data for name in generic.FIELDS
                if getattr(self, f"column_{name}").data}

    def mapping_fields(self) -> list:
        return [getattr(self, f"column_{name}") for name in generic.FIELDS]
