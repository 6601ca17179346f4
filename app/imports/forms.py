from __future__ import annotations

from zoneinfo import available_timezones

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
    file = FileField("CSV export")
    format = SelectField("Format", choices=[SelectChoice("auto", "Detect from the header")]
                         + [SelectChoice(name, module.LABEL) for name, module in FORMATS.items()])
    time_zone = StringField("Time zone of the file's dates and times (empty: the organization's)", filters=[strip],
                            validators=[Optional(), Length(max=64)])
    assign_unmatched = BooleanField("Import the rows of people who are not members as mine")
    # the generic CSV's mapping: which column holds what (the header's names)
    column_date = StringField("Date column", filters=[strip], validators=[Optional(), Length(max=200)])
    column_start = StringField("Start column", filters=[strip], validators=[Optional(), Length(max=200)])
    column_end = StringField("End column", filters=[strip], validators=[Optional(), Length(max=200)])
    column_duration = StringField("Duration column", filters=[strip], validators=[Optional(), Length(max=200)])
    column_project = StringField("Project column", filters=[strip], validators=[Optional(), Length(max=200)])
    column_client = StringField("Client column", filters=[strip], validators=[Optional(), Length(max=200)])
    column_task = StringField("Task column", filters=[strip], validators=[Optional(), Length(max=200)])
    column_description = StringField("Description column", filters=[strip],
                                     validators=[Optional(), Length(max=200)])
    column_email = StringField("E-mail column", filters=[strip], validators=[Optional(), Length(max=200)])
    column_tags = StringField("Tags column", filters=[strip], validators=[Optional(), Length(max=200)])
    column_billable = StringField("Billable column", filters=[strip], validators=[Optional(), Length(max=200)])

    def validate_time_zone(self, field):
        if field.data and field.data not in available_timezones():
            raise ValidationError("Choose a time zone such as Europe/Paris or America/New_York.")

    def mapping(self) -> dict[str, str]:
        return {name: getattr(self, f"column_{name}").data for name in generic.FIELDS
                if getattr(self, f"column_{name}").data}

    def mapping_fields(self) -> list:
        return [getattr(self, f"column_{name}") for name in generic.FIELDS]
