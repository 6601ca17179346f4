"""Favourites (pages of the time_logs blueprint): pin an entry's combination, unpin it, start a timer like it."""
from __future__ import annotations

from flask import abort, flash
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app import policies
from app.models import TimeLog, TimeLogError
from app.time_tracking import favourites
from app.time_tracking.routes import _back, bp


@bp.app_template_global()
def favourites_of(user, projects=None) -> list:
    """The user's startable favourites (the header's Start menu, also when streamed, and /time-logs); `projects`: the
    projects they may log time on, when the page has them (loggable_projects())."""
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    return favourites.startable(user, projects)


@bp.app_template_global()
def pinned_favourites(user) -> dict:
    """Pinned combination -> favourite id, for the time list's Pin / Unpin."""
    return favourites.pinned(user)


@bp.app_template_global()
def favourite_key(log) -> tuple:
    return favourites.entry_key(log)


@bp.post("/time-logs/<id:log_id>/pin")
@login_required
def pin(log_id):
    log = policies.load(current_user, TimeLog, log_id)
    if log.user_id != current_user.id:
        abort(403, _("You can pin only your own entries."))
    try:
        _pinned, created = favourites.pin(current_user, log)
    except TimeLogError as exc:
        abort(422, str(exc))
    flash(_("Pinned as a favourite.") if created else _("Already a favourite."), "success")
    return _back()


@bp.post("/time-logs/favourites/<id:favourite_id>/unpin")
@login_required
def unpin(favourite_id):
    favourite = policies.load_favourite(current_user, favourite_id)
    favourites.unpin(favourite)
    flash(_("Favourite unpinned."), "success")
    return _back()


@bp.post("/time-logs/favourites/<id:favourite_id>/start")
@login_required
def start_favourite(favourite_id):
    favourite = policies.load_favourite(current_user, favourite_id)
    try:
        favourites.start(current_user, favourite)
    except TimeLogError as exc:
        abort(422, str(exc))
    flash(_("Timer started on %(project)s.", project=favourite.project.name), "success")
    return _back()
