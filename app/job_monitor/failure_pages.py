"""/jobs/failures: failure clusters (clusters.py) for system admins and organizations' owners and admins, each
with its bulk actions (retry, discard: the audited bulk actions of bulk.py over `cluster=<key>`) and, for system
admins, mark known / unknown (audited)."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app import policies
from app.extensions import db
from app.job_monitor import clusters
from app.job_monitor import queries as monitor
from app.job_monitor.routes import bp
from app.models import KnownFailure


@bp.get("/jobs/failures")
@login_required
def failures():
    if not policies.can_bulk_jobs(current_user):
        abort(403, _("Failure clusters are for system admins and organizations' owners and admins."))
    return render_template("job_monitor/failures.html", clusters=clusters.clusters(current_user),
                           operator=policies.can_operate_jobs(current_user),
                           stream_topics=monitor.topics(current_user))


@bp.post("/jobs/failures/<key>/known")
@login_required
def mark_known(key: str):
    return _mark(key, known=True)


@bp.post("/jobs/failures/<key>/unknown")
@login_required
def mark_unknown(key: str):
    return _mark(key, known=False)


def _mark(key: str, known: bool):
    if not policies.can_operate_jobs(current_user):
        abort(403, _("Only system admins mark failures known: it silences the operator alerts for them."))
    if not monitor.CLUSTER_KEY.match(key) or not (clusters.visible(current_user, key)
                                                   or db.session.get(KnownFailure, key) is not None):
        abort(404, _("No such failure cluster."))
    changed = clusters.mark_known(current_user, key, known)
    if known:
        flash(_("Failure cluster %(key)s is known: its failures no longer count in the operator alerts.", key=key)
              if changed else _("Failure cluster %(key)s was already known.", key=key), "info")
    else:
        flash(_("Failure cluster %(key)s counts in the operator alerts again.", key=key) if changed
              else _("Failure cluster %(key)s was not marked known.", key=key), "info")
    return redirect(url_for("job_monitor.failures") + f"#cluster-{key.replace(':', '-')}", 303)
