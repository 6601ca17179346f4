"""A saved report's schedule (weekly or monthly, to members of its organization): its owner sets it here; the
morning round runs it (app/reports/schedules.py)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from app import policies
from app.extensions import db
from app.models import Membership, ReportDefinition, User
from app.models.report_schedule import ReportSchedule
from app.reports.schedule_forms import ScheduleForm

bp = Blueprint("report_schedules", __name__)


def _members(organization_id: int) -> list[User]:
    return list(db.session.scalars(
        db.select(User).join(Membership, Membership.user_id == User.id)
        .where(Membership.organization_id == organization_id, Membership.removed_at.is_(None))
        .order_by(User.name, User.id)))


def _form(definition: ReportDefinition, schedule: ReportSchedule | None, formdata=True) -> ScheduleForm:
    if formdata:
        form = ScheduleForm()
    else:
        form = ScheduleForm(formdata=None, frequency=schedule.frequency if schedule else "",
                            recipients=list(schedule.recipient_ids) if schedule else [current_user.id])
    form.recipients.choices = [(u.id, f"{u.name} <{u.email}>") for u in _members(definition.organization_id)]
    return form


@bp.get("/reports/definitions/<id:definition_id>/schedule")
@login_required
def edit(definition_id):
    definition = policies.load(current_user, ReportDefinition, definition_id, "edit")
    schedule = db.session.get(ReportSchedule, definition.id)
    return render_template("reports/schedule_edit.html", definition=definition,
                           form=_form(definition, schedule, formdata=False))


@bp.post("/reports/definitions/<id:definition_id>/schedule")
@login_required
def update(definition_id):
    definition = policies.load(current_user, ReportDefinition, definition_id, "edit")
    schedule = db.session.get(ReportSchedule, definition.id)
    form = _form(definition, schedule)
    if not form.validate_on_submit():
        return render_template("reports/schedule_edit.html", definition=definition, form=form), 422
    if not form.frequency.data:
        if schedule is not None:
            db.session.delete(schedule)
        flash(_("%(name)s is no longer scheduled.", name=definition.name), "info")
    else:
        if schedule is None:
            schedule = ReportSchedule(definition_id=definition.id)
            db.session.add(schedule)
        schedule.frequency, schedule.recipient_ids = form.frequency.data, sorted(set(form.recipients.data))
        count, name = len(schedule.recipient_ids), definition.name
        # English says "people" whatever the count (its singular and plural read alike); other languages may not
        flash(ngettext("%(name)s is sent weekly to %(num)d people.", "%(name)s is sent weekly to %(num)d people.",
                       count, name=name) if form.frequency.data == "weekly" else
              ngettext("%(name)s is sent monthly to %(num)d people.", "%(name)s is sent monthly to %(num)d people.",
                       count, name=name), "success")
    db.session.commit()
    return redirect(url_for("reports.index"), code=303)
