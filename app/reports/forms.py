"""The report form: every choice is checked by app.reports.params.check (one set of rules for
the page and the CLI); this form only reads the fields and puts each message next to its field."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, SelectMultipleField, StringField
from wtforms.validators import Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app.reports import params as P
from app.web.form_filters import int_or_none, strip

NUMBER = _l("Choose from the list (ids are numbers).")
def _checklist(label) -> SelectMultipleField:
    """A multi-select filter as a list of checkboxes (templates/_macros.html checklist(), searchable with JS)."""
    return SelectMultipleField(label, coerce=int_or_none, validate_choice=False, widget=ListWidget(prefix_label=False),
                               option_widget=CheckboxInput())


REQUIRED = ("organization_id", "range", "group1", "billable", "rounding", "rounding_minutes", "hours_format", "format")


class ReportForm(FlaskForm):
    organization_id = SelectField(_l("Organization"), coerce=int_or_none, validate_choice=False)
    range = SelectField(_l("Dates"), choices=list(P.RANGES.items()), default="last_month", validate_choice=False)
    date_from = StringField(_l("From"), filters=[strip], render_kw=P.DATE_INPUT)
    date_to = StringField(_l("To"), filters=[strip], render_kw=P.DATE_INPUT)
    group1 = SelectField(_l("Group by"), choices=[("", _l("No grouping"))] + list(P.GROUPS.items()), default="project",
                         validate_choice=False)
    group2 = SelectField(_l("then by"), choices=[("", "—")] + list(P.GROUPS.items()), default="", validate_choice=False)
    project_ids = _checklist(_l("Projects"))
    client_ids = _checklist(_l("Clients"))
    user_ids = _checklist(_l("People"))
    team_ids = _checklist(_l("Teams"))
    task_ids = _checklist(_l("Tasks"))
    tag_ids = _checklist(_l("Tags"))
    billable = SelectField(_l("Billable"), choices=list(P.BILLABLE.items()), default="all", validate_choice=False)
    rounding = SelectField(_l("Rounding"), choices=list(P.ROUNDING.items()), default="none", validate_choice=False)
    rounding_minutes = SelectField(_l("to (minutes)"), coerce=int_or_none, default=15, validate_choice=False,
                                   choices=[(m, str(m)) for m in P.ROUNDING_MINUTES])
    hours_format = SelectField(_l("Hours as"), choices=list(P.HOURS_FORMATS.items()), default="hmm",
                               validate_choice=False)
    format = SelectField(_l("Format"), choices=list(P.FORMATS.items()), default="xlsx", validate_choice=False)
    save_as = StringField(_l("Save as (optional name)"), filters=[strip], validators=[
        Optional(), Length(max=200, message=_l("A name is at most 200 characters."))], render_kw={"maxlength": 200})

    ERROR_FIELDS = {"groups": "group1"}

    def set_choices(self, orgs, projects, clients, users, teams, tasks=(), tags=()) -> None:
        many = len(orgs) > 1
        names = {o.id: o.name for o in orgs}

        def label(record, text):
            return f"{names.get(record.organization_id, '')} · {text}" if many else text
        self.organization_id.choices = [(o.id, o.name) for o in orgs]
        self.project_ids.choices = [(p.id, label(p, p.name)) for p in projects]
        self.client_ids.choices = [(c.id, label(c, c.name)) for c in clients]
        self.user_ids.choices = [(u.id, f"{u.name}") for u in users]
        self.team_ids.choices = [(t.id, label(t, t.name)) for t in teams]
        project_names = {p.id: p.name for p in projects}
        self.task_ids.choices = [(t.id, f"{project_names.get(t.project_id, '')} · {t.name}") for t in tasks]
        self.tag_ids.choices = [(t.id, label(t, t.name)) for t in tags]

    def to_params(self, time_zone: str) -> P.ReportParams:
        """ReportParams from the submitted fields; P.ParamError for what cannot even be read."""
        errors = {}
        for name in REQUIRED:  # a form that left one out was not sent by our page: say so, assume nothing
            field = getattr(self, name)
            if not field.raw_data:
                errors[name] = _("%(field)s is required.", field=field.label.text)
        if errors:
            raise P.ParamError(errors)
        if self.organization_id.data is None:
            errors["organization_id"] = _("Choose an organization.")
        for name in ("project_ids", "client_ids", "user_ids", "team_ids", "task_ids", "tag_ids"):
            if any(v is None for v in getattr(self, name).data or []):
                errors[name] = str(NUMBER)
        if self.rounding_minutes.data is None:
            errors["rounding_minutes"] = _("Round to 1, 5, 6, 10, 15 or 30 minutes.")
        if self.range.data == "custom" and not (self.date_from.data and self.date_to.data):
            errors["date_from" if not self.date_from.data else "date_to"] = _("Give both dates of a custom range.")
        if errors:
            raise P.ParamError(errors)
        groups = [g for g in (self.group1.data, self.group2.data) if g]
        return P.ReportParams(
            organization_id=self.organization_id.data, range=self.range.data,
            date_from=self.date_from.data or None, date_to=self.date_to.data or None, groups=groups,
            project_ids=list(self.project_ids.data or []), client_ids=list(self.client_ids.data or []),
            user_ids=list(self.user_ids.data or []), team_ids=list(self.team_ids.data or []),
            task_ids=list(self.task_ids.data or []), tag_ids=list(self.tag_ids.data or []),
            billable=self.billable.data, rounding=self.rounding.data, rounding_minutes=self.rounding_minutes.data,
            hours_format=self.hours_format.data, format=self.format.data, time_zone=time_zone,
        )

    def show_errors(self, error: P.ParamError) -> None:
        for key, message in error.errors.items():
            field = getattr(self, self.ERROR_FIELDS.get(key, key), None) or self.organization_id
            field.errors = [*field.errors, message] if isinstance(field.errors, list) else [message]
