"""Business logic that spans models: dashboards, seeding, job queueing and tracking, maintenance."""
