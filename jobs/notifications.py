"""Notifications (app/notifications/): delivery per channel, and the triggers that run on a schedule."""
from __future__ import annotations

from app.notifications import budgets, delivery, digest, long_timers, operator_alerts


def deliver_in_app(notification_id: int) -> str:
    return delivery.deliver_in_app(notification_id)


def deliver_email(notification_id: int) -> str:
    return delivery.deliver_email(notification_id)


def morning_round() -> str:
    return digest.morning_round()


def check_long_timers() -> str:
    return long_timers.check()


def check_budget(project_id: int) -> str:
    return budgets.check(project_id)


def check_operator_alerts(watchdog: bool = False) -> str:
    return operator_alerts.run(watchdog)
