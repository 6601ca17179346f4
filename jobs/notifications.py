"""Notifications (app/notifications/): delivery per channel, and the triggers that run on a schedule."""
from __future__ import annotations

from app.notifications import budgets, daily_reminders, delivery, digest, long_timers, operator_alerts
from app.reports import schedules


def deliver_in_app(notification_id: int) -> str:
    return delivery.deliver_in_app(notification_id)


def deliver_email(notification_id: int) -> str:
    return delivery.deliver_email(notification_id)


def morning_round() -> str:
    """Every 15 minutes: e-mails due, weekly summaries and digests (notifications), and the scheduled reports due
    (app/reports/schedules.py: reports own their schedules; their recipients are notified when each is ready)."""
    reports = schedules.run_due()
    return f"{digest.morning_round()}, {reports} scheduled reports"


def check_long_timers() -> str:
    return long_timers.check()


def send_daily_reminders() -> str:
    return daily_reminders.send_due()


def check_budget(project_id: int) -> str:
    return budgets.check(project_id)


def check_operator_alerts(watchdog: bool = False) -> str:
    return operator_alerts.run(watchdog)
