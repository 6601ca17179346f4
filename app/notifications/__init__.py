"""Notifications: notify() (notify.py), delivery by channel, kinds and preferences, the bell and
/notifications (routes.py), and the triggers (long timers, budgets, weekly summary, digest, operator alerts)."""
