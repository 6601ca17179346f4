"""Forms of the time pages: a manual entry, and the list's filters (parsed by hand: a GET never 500s)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, SelectField, SelectMultipleField, StringField, TextAreaField, TimeField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from app.models import TimeLogError
from app.models.time_log import DESCRIPTION_MAX
from app.time_tracking import labels
from app.time_tracking.entries import MAX_ENTRY_MINUTES, check_entry_day
from app.time_tracking.project_forms import plain_errors
from app.web.form_filters import int_or_none, parse_id, parse_page, strip

MIN_YEAR, MAX_YEAR = 1970, 2200  # list filters: far-off years would overflow when shifted between time zones
# ASCII digits only (re.ASCII): '\d' alone also matches '١٢', which ids already refuse
_DURATION = re.compile(r"^(?:(\d{1,4}):([0-5]\d)|(\d{1,6}))$", re.ASCII)


def parse_duration(raw: str, longest: int = MAX_ENTRY_MINUTES) -> int:
    """'90' (minutes) or '1:30' (hours:minutes) -> minutes; ValueError with a message otherwise.

    `longest` is 24 hours, or more for an edit that keeps a longer log's length (longest_entry_minutes)."""
    match = _DURATION.match((raw or "").strip())
    if not match:
        raise ValueError(_("Duration must be minutes (90) or hours:minutes (1:30)."))
    minutes = int(match[3]) if match[3] else int(match[1]) * 60 + int(match[2])
    if not 1 <= minutes <= longest:
        if longest == MAX_ENTRY_MINUTES:
            raise ValueError(_("Duration must be between 1 minute and 24 hours."))
        raise ValueError(_("Duration must be between 1 minute and %(longest)s minutes: this entry may keep "
                           "its length but not grow (entries are at most 24 hours).", longest=longest))
    return minutes


class EntryForm(FlaskForm):
    project_id = SelectField(_l("Project"), coerce=int_or_none, validators=[InputRequired(_l("Choose a project."))],
                             validate_choice=False)
    day = DateField(_l("Date"), validators=[InputRequired(_l("Give a date."))], render_kw={"type": "date"})
    start = TimeField(_l("Start"), format=["%H:%M", "%H:%M:%S"], validators=[InputRequired(_l("Give a start time."))])
    end = TimeField(_l("End"), format=["%H:%M", "%H:%M:%S"], validators=[Optional()])
    duration = StringField(_l("or duration"), filters=[strip], validators=[Optional()],
                           render_kw={"placeholder": _l("1:30 or 90"), "inputmode": "numeric"})
    description = TextAreaField(_l("Description"), filters=[strip], validators=[
        DataRequired(_l("Description is required.")),
        Length(max=DESCRIPTION_MAX, message=_l("Description must be at most %(max)s characters.", max=DESCRIPTION_MAX)),
    ], render_kw={"rows": 3, "maxlength": DESCRIPTION_MAX})
    billable = BooleanField(_l("Billable"), default=True)
    task_id = SelectField(_l("Task"), coerce=int_or_none, default=0, validate_choice=False)
    tag_ids = SelectMultipleField(_l("Tags"), coerce=int_or_none, validate_choice=False)

    duration_minutes: int | None = None

    def __init__(self, projects, *args, allow_running: bool = False, longest_minutes: int = MAX_ENTRY_MINUTES,
                 **kwargs):
        super().__init__(*args, **kwargs)
        self.projects = {p.id: p for p in projects}
        self.allow_running = allow_running
        self.longest_minutes = longest_minutes
        many_orgs = len({p.organization_id for p in projects}) > 1
        self.project_id.choices = [
            (p.id, f"{p.organization.name} · {p.name}" if many_orgs else p.name) for p in projects
        ]
        self.tasks = {t.id: t for t in labels.tasks_of(self.projects)}
        self.tags = {t.id: t for t in labels.tags_of({p.organization_id for p in projects})}
        self.task_id.choices = [(0, _("No task"))] + [
            (t.id, f"{self.projects[t.project_id].name} · {t.name}") for t in self.tasks.values()]
        org_names = {p.organization_id: p.organization.name for p in projects}
        self.tag_ids.choices = [(t.id, f"{org_names[t.organization_id]} · {t.name}" if many_orgs else t.name)
                                for t in self.tags.values()]

    def validate_project_id(self, field):
        if field.data not in self.projects:
            raise ValidationError(_("Choose one of your active projects."))

    def validate_day(self, field):
        if field.data:
            try:
                check_entry_day(field.data)
            except TimeLogError as exc:
                raise ValidationError(str(exc)) from None

    def validate_duration(self, field):
        try:
            self.duration_minutes = parse_duration(field.data, self.longest_minutes)
        except ValueError as exc:
            raise ValidationError(str(exc)) from None

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        plain_errors(self)
        if self.end.raw_data and self.end.raw_data[0] and self.duration.data:
            self.duration.errors.append(_("Give an end time or a duration, not both."))
            return False
        if ok and self.end.data is None and not self.duration.data and not self.allow_running:
            self.end.errors.append(_("Give an end time or a duration."))
            return False
        if ok and self.project_id.data in self.projects:
            project = self.project
            task = self.tasks.get(self.task_id.data)
            if self.task_id.data is None or (self.task_id.data and (task is None or task.project_id != project.id)):
                self.task_id.errors.append(str(labels.OTHER_PROJECT_TASK))
                ok = False
            tags = [self.tags.get(i) for i in self.tag_ids.data or []]
            if any(t is None or t.organization_id != project.organization_id for t in tags):
                self.tag_ids.errors = [str(labels.OTHER_ORG_TAG)]
                ok = False
        return ok

    @property
    def project(self):
        return self.projects[self.project_id.data]

    @property
    def billable_defaults(self) -> dict[str, bool]:
        """Each project's billable flag: the billable box follows the project select (entry_billable controller)."""
        return {str(pid): bool(p.billable) for pid, p in self.projects.items()}

    def default_billable(self) -> None:
        """A new entry's billable box starts as its project's flag (the first project when none is chosen)."""
        project = self.projects.get(self.project_id.data) or next(iter(self.projects.values()), None)
        if project is not None:
            self.billable.data = bool(project.billable)


@dataclass
class LogFilters:
    """?from=&to=&project=&page= parsed leniently: a bad value is dropped and explained, never a 500."""

    first: date | None = None
    last: date | None = None
    project_id: int | None = None
    page: int = 1
    errors: list[str] = field(default_factory=list)

    @classmethod
    def parse(cls, args) -> LogFilters:
        filters = cls()
        filters.first = filters._date(args.get("from", ""), "from")
        filters.last = filters._date(args.get("to", ""), "to")
        if filters.first and filters.last and filters.last < filters.first:
            filters.errors.append(_("“To” is before “From”: the date range was ignored."))
            filters.first = filters.last = None
        raw_project = args.get("project", "").strip()
        if raw_project:
            if parse_id(raw_project) is not None:
                filters.project_id = parse_id(raw_project)
            else:
                filters.errors.append(_("“%(value)s” is not a project: the project filter was ignored.",
                                         value=raw_project[:40]))
        raw_page = args.get("page", "").strip()
        if raw_page:
            if parse_page(raw_page) is not None:
                filters.page = parse_page(raw_page)
            else:
                filters.errors.append(_("“%(value)s” is not a page number: showing page 1.", value=raw_page[:40]))
        return filters

    def _date(self, raw: str, which: str) -> date | None:
        """The ?from= or ?to= date (`which`), or None with the reason added to the errors."""
        raw = raw.strip()
        if not raw:
            return None
        try:
            value = date.fromisoformat(raw) if len(raw) == 10 else _bad()
            if not MIN_YEAR <= value.year <= MAX_YEAR:
                _bad()
            return value
        except ValueError:
            self.errors.append(
                _("From date “%(value)s” is not a valid date (YYYY-MM-DD): it was ignored.", value=raw[:40])
                if which == "from" else
                _("To date “%(value)s” is not a valid date (YYYY-MM-DD): it was ignored.", value=raw[:40]))
            return None

    def args(self) -> dict:
        """The filters as query arguments, for pagination links."""
        out = {}
        if self.first:
            out["from"] = self.first.isoformat()
        if self.last:
            out["to"] = self.last.isoformat()
        if self.project_id:
            out["project"] = self.project_id
        return out


def _bad():
    raise ValueError("not YYYY-MM-DD")
