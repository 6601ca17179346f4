"""A time entry's fields from JSON, checked by the same rules as the entry form, into time_tracking's EntryData.

Times are RFC 3339 date-times (any offset; stored as UTC). Give `end` or `duration_minutes`, not both; an entry
is at most 24 hours (an edit may keep a longer log's length), on a day from 2000 to a year ahead.
"""
from __future__ import annotations

from datetime import timedelta

from app import policies
from app.api.inputs import Fields
from app.extensions import db
from app.models import Project, TimeLog, TimeLogError, User
from app.models.time_log import DESCRIPTION_MAX
from app.time_tracking import entries, labels
from app.timezones import to_local

FIELDS = ("project_id", "start", "end", "duration_minutes", "description", "billable", "task_id", "tag_ids")


def entry_data(user: User, data: dict, log: TimeLog | None = None) -> entries.EntryData:
    """EntryData for a new entry (log None: project_id, start, description required) or a change to `log` (every
    field optional: the others keep their values). Raises ApiError 422 with field errors."""
    fields = Fields(data)
    unknown = sorted(set(data) - set(FIELDS))
    for name in unknown:
        fields.error(name, f"Unknown field {name}.")
    project_id = fields.id("project_id", required=log is None)
    start = fields.timestamp("start", required=log is None)
    end = fields.timestamp("end")
    duration = fields.integer("duration_minutes", 1, entries.MAX_ENTRY_MINUTES * 1000)
    description = fields.string("description", required=log is None, max_length=DESCRIPTION_MAX)
    billable = fields.boolean("billable")
    task_id = fields.id("task_id")
    tag_ids = fields.ids("tag_ids")
    if fields.has("end") and fields.has("duration_minutes") and data["end"] is not None:
        fields.error("duration_minutes", "Give end or duration_minutes, not both.")
    fields.raise_if_any()

    project = log.project if log is not None and project_id is None else None
    if project_id is not None:
        project = db.session.get(Project, project_id)
        if project is None or not policies.can_view(user, project):
            fields.error("project_id", "Choose one of your active projects.")
            fields.raise_if_any()
    start = start if start is not None else log.start_time
    if end is None and duration is not None:
        end = start + timedelta(minutes=duration)
    elif end is None and log is not None and not fields.has("end") and log.end_time is not None:
        # a change that names neither end nor duration keeps the length (moved with its start) or the end
        end = start + (log.end_time - log.start_time) if fields.has("start") else log.end_time
    if end is None and (log is None or not log.is_running):
        fields.error("end", "Give end or duration_minutes.")
    elif end is not None:
        longest = entries.longest_entry_minutes(log)
        if end <= start:
            fields.error("end", "End must be after start.")
        elif end - start > timedelta(minutes=longest):
            fields.error("end", "An entry can be at most 24 hours long." if longest == entries.MAX_ENTRY_MINUTES
                         else f"This entry can be at most {longest} minutes long, its current length.")
    try:
        entries.check_entry_day(to_local(start, user.zone).date())
    except TimeLogError as exc:
        fields.error("start", str(exc))
    if description is not None and not description.strip():
        fields.error("description", "Description is required.")
    fields.raise_if_any()
    # a change keeps the entry's task (while on the same project) and its tags (of the same organization)
    if not fields.has("task_id"):
        task_id = log.task_id if log is not None and log.project_id == project.id else None
    if not fields.has("tag_ids"):
        tag_ids = [t.id for t in log.tags if t.organization_id == project.organization_id] if log is not None else []
    label_errors(fields, project, task_id, tag_ids)
    return entries.EntryData(
        project=project, start_time=start, end_time=end,
        description=description if description is not None else log.description,
        billable=billable if billable is not None else (log.billable if log is not None else project.billable),
        task_id=task_id, tag_ids=tag_ids)


def label_errors(fields, project: Project, task_id: int | None, tag_ids) -> None:
    """A task of another project or a tag of another organization: 422 on its field (the entry form's rule)."""
    try:
        labels.check_choice(project, task_id, tag_ids or [])
    except TimeLogError as exc:
        fields.error("task_id" if str(exc) == str(labels.OTHER_PROJECT_TASK) else "tag_ids", str(exc))
        fields.raise_if_any()
