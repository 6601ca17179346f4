"""Queue names, in one place, in the priority order the main worker serves them."""
DASHBOARD = "dashboard"
DEFAULT = "default"
REPORTS = "reports"
NOTIFICATIONS = "notifications"
SEEDING = "seeding"
MAINTENANCE = "maintenance"

# The `worker` process serves these, highest priority first; `seeding_worker` serves SEEDING alone,
# so a seeding run never delays a dashboard.
MAIN_WORKER_QUEUES = [DASHBOARD, DEFAULT, REPORTS, NOTIFICATIONS, MAINTENANCE]
ALL = [DASHBOARD, DEFAULT, REPORTS, NOTIFICATIONS, SEEDING, MAINTENANCE]
