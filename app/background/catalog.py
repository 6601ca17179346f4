"""The catalogue of the job system: queue names, and every job kind (the function it runs, its queue,
timeout and retry policy). Adding a kind is one line; queue names live here and nowhere else.

A kind names its function by dotted path ("jobs.dashboard.recompute_dashboard"): the functions RQ runs
live in the top-level jobs/ package, which calls into the app, never the other way round.
"""
from __future__ import annotations

from dataclasses import dataclass, field

# -- queues ---------------------------------------------------------------------------------------------
DASHBOARD = "dashboard"  # user, team and organization dashboards
SYSTEM_DASHBOARD = "dashboard_system"  # the platform-wide one: heavier, for a handful of system admins
DEFAULT = "default"
REPORTS = "reports"
NOTIFICATIONS = "notifications"
WEBHOOKS = "webhooks"  # signed POSTs to the organizations' webhook endpoints (app/webhooks/)
MAIL = "mail"  # account e-mail: password reset, invitation, sign-up and address confirmation
SEEDING = "seeding"
MAINTENANCE = "maintenance"

# Which process serves which queue (the Procfile): `dashboard_worker` serves DASHBOARD alone, without forking
# (app/background/worker.py), so nothing else (a report, a system dashboard) ever holds a user's, team's or
# organization's dashboard back; `mail_worker` serves MAIL alone, without forking, so an account e-mail (a
# password reset, an invitation) never waits behind a report or any other long job; `worker` serves
# MAIN_WORKER_QUEUES, highest priority first, forking a work-horse per job; `seeding_worker` serves SEEDING
# alone, so a seeding run never delays anything else.
DASHBOARD_WORKER_QUEUES = [DASHBOARD]
MAIL_WORKER_QUEUES = [MAIL]
MAIN_WORKER_QUEUES = [SYSTEM_DASHBOARD, DEFAULT, REPORTS, NOTIFICATIONS, WEBHOOKS, MAINTENANCE]
QUEUES = [DASHBOARD, MAIL, SYSTEM_DASHBOARD, DEFAULT, REPORTS, NOTIFICATIONS, WEBHOOKS, SEEDING, MAINTENANCE]

def N_(text: str) -> str:
    """Marks a kind's label for translation and leaves it English here (job_monitor/wording.py translates it)."""
    return text


PERFORM = "jobs.runner.perform"  # what RQ runs for every kind: perform(kind, *args) tracks the job around it


# -- kinds -----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class JobKind:
    name: str
    func: str  # dotted path, imported by the runner in the worker
    queue: str
    timeout: int = 300  # seconds
    retries: int = 2
    retry_intervals: list[int] = field(default_factory=lambda: [5, 30])  # backoff between attempts
    label: str = ""
    # runs again after its worker died (SIGKILL, OOM, a lost machine) with Redis or not: `retries` unless set
    retries_if_abandoned: int | None = None
    # dotted path of a function(JobStatus) called when the reconciler changes the job's row (queued again, failed,
    # canceled, completed), so the record the job works on follows without anyone opening its page
    follower: str | None = None
    # runs in milliseconds: its start is not written unless a job monitor watches it as it starts, so a run costs one
    # UPDATE, at its end (app/background/tracking.py, "Brief kinds")
    brief: bool = False

    @property
    def abandoned_attempts(self) -> int:
        """How many times a job of this kind runs at most when its worker keeps dying."""
        return 1 + max(self.retries, self.retries if self.retries_if_abandoned is None else self.retries_if_abandoned)


KINDS: dict[str, JobKind] = {k.name: k for k in [
    JobKind("dashboard_data", "jobs.dashboard.recompute_dashboard", DASHBOARD, timeout=120, retries=1,
            retry_intervals=[2], label=N_("Dashboard data"), brief=True),
    JobKind("system_dashboard_data", "jobs.dashboard.recompute_dashboard", SYSTEM_DASHBOARD, timeout=120,
            retries=1, retry_intervals=[2], label=N_("System dashboard data"), brief=True),
    JobKind("cache_warming", "jobs.dashboard.warm_caches", MAINTENANCE, timeout=600, retries=0,
            label=N_("Cache warming")),
    JobKind("data_seeding", "jobs.seeding.seed_organization", SEEDING, timeout=900, retries=1,
            label=N_("Data seeding")),
    JobKind("cleanup", "jobs.maintenance.cleanup", MAINTENANCE, timeout=600, retries=2,
            label=N_("Cleanup")),
    JobKind("performance_snapshot", "jobs.maintenance.performance_snapshot", MAINTENANCE, timeout=60,
            retries=0, label=N_("Performance snapshot")),
    JobKind("rollup_rebuild", "jobs.maintenance.rebuild_rollups", MAINTENANCE, timeout=1800, retries=1,
            retry_intervals=[60], label=N_("Rebuild project totals")),
    JobKind("reconcile_jobs", "jobs.maintenance.reconcile_jobs", MAINTENANCE, timeout=60, retries=0,
            label=N_("Reconcile job statuses")),
    JobKind("send_email", "jobs.mail.send_email", MAIL, timeout=60, retries=3, retry_intervals=[10, 60, 300],
            label=N_("Send e-mail")),
    JobKind("signup_mail", "jobs.accounts.signup_mail", MAIL, timeout=60, retries=3,
            retry_intervals=[10, 60, 300], label=N_("Sign-up e-mail")),
    JobKind("password_reset_mail", "jobs.accounts.password_reset_mail", MAIL, timeout=60, retries=3,
            retry_intervals=[10, 60, 300], label=N_("Password reset e-mail")),
    JobKind("notification_in_app", "jobs.notifications.deliver_in_app", NOTIFICATIONS, timeout=30, retries=1,
            retry_intervals=[5], label=N_("Notification: in-app")),
    JobKind("notification_email", "jobs.notifications.deliver_email", NOTIFICATIONS, timeout=60, retries=3,
            retry_intervals=[10, 60, 300], label=N_("Notification: e-mail")),
    JobKind("notification_digests", "jobs.notifications.morning_round", NOTIFICATIONS, timeout=600, retries=1,
            retry_intervals=[60], label=N_("Morning round: digests, weekly summaries, scheduled reports")),
    JobKind("long_timer_check", "jobs.notifications.check_long_timers", NOTIFICATIONS, timeout=120, retries=1,
            retry_intervals=[30], label=N_("Long-running timer check")),
    JobKind("daily_reminders", "jobs.notifications.send_daily_reminders", NOTIFICATIONS, timeout=120, retries=1,
            retry_intervals=[30], label=N_("Daily reminders: nothing tracked today")),
    JobKind("budget_check", "jobs.notifications.check_budget", NOTIFICATIONS, timeout=60, retries=2,
            label=N_("Project budget check")),
    JobKind("operator_alerts", "jobs.notifications.check_operator_alerts", NOTIFICATIONS, timeout=60, retries=0,
            label=N_("Operator alert checks")),
    # 5 attempts: at once, then 10 s, 1 min, 5 min and 30 min later
    JobKind("webhook_delivery", "jobs.webhooks.deliver", WEBHOOKS, timeout=60, retries=4,
            retry_intervals=[10, 60, 300, 1800], label=N_("Webhook delivery")),
    JobKind("organization_deletion", "jobs.organizations.delete_organization", MAINTENANCE, timeout=3600, retries=2,
            label=N_("Organization deletion")),
    JobKind("organization_export", "jobs.organizations.export_organization", MAINTENANCE, timeout=3600, retries=1,
            retry_intervals=[30], label=N_("Organization export"), follower="app.organizations.exports.follow_job"),
    JobKind("bulk_action", "jobs.bulk.bulk_action", MAINTENANCE, timeout=3600, retries=0,
            label=N_("Bulk action on jobs")),
    # a report that failed has its own Retry button; one whose worker died is run again once by itself
    JobKind("report_generation", "jobs.reports.generate_report", REPORTS, timeout=3600, retries=0,
            retries_if_abandoned=1, label=N_("Report generation"), follower="app.reports.runs.follow_job"),
    JobKind("report_archival", "jobs.reports.archive_reports", MAINTENANCE, timeout=1800, retries=1,
            label=N_("Report archival")),
    # an import's dry run and its import: both idempotent (the plan is made again; entries already there are skipped)
    JobKind("import_plan", "jobs.imports.plan_import", DEFAULT, timeout=600, retries=1, retry_intervals=[5],
            label=N_("Import: dry run"), follower="app.imports.runs.follow_job"),
    JobKind("import_run", "jobs.imports.run_import", DEFAULT, timeout=1800, retries=1, retry_intervals=[5],
            label=N_("Import: import entries"), follower="app.imports.runs.follow_job"),
    JobKind("echo", "jobs.diagnostics.echo", DEFAULT, timeout=60, retries=0,
            label=N_("Diagnostic echo"), brief=True),
    JobKind("sleep", "jobs.diagnostics.sleep", DEFAULT, timeout=120, retries=1, retry_intervals=[1],
            label=N_("Diagnostic sleep")),
    JobKind("fail", "jobs.diagnostics.fail", DEFAULT, timeout=60, retries=2, retry_intervals=[1, 1],
            label=N_("Diagnostic failure")),
]}


DASHBOARD_KINDS = ("dashboard_data", "system_dashboard_data")


def dashboard_kind(dashboard: str) -> str:
    """The job kind that recomputes a dashboard of this kind ("user", "team", "org", "system")."""
    return "system_dashboard_data" if dashboard == "system" else "dashboard_data"


class UnknownJobKind(KeyError):
    def __str__(self) -> str:
        return f"unknown job kind {self.args[0]!r}; known: {', '.join(sorted(KINDS))}"


def get_kind(name: str) -> JobKind:
    try:
        return KINDS[name]
    except KeyError:
        raise UnknownJobKind(name) from None
