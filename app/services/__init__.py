"""Business logic that spans models: dashboards, seeding, maintenance, sessions. (The job system is app/background/.)"""
