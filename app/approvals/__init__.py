"""Week approvals (issue 21 B): a member submits a week (weeks.py), their manager or an owner approves or rejects
it on /approvals (routes.py), an owner unlocks an approved week with a reason; the lock itself is
app/time_tracking/locks.py."""
