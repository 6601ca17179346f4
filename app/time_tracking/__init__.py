"""Time tracking: time logs and timers (routes.py, entries.py, timers.py), My time (my_time.py), the week timesheet
(timesheet.py, timesheet_routes.py), projects and clients
(project_routes.py, client_routes.py), the activity feed (activity.py), and changes.py: the one fan-out after
any change to time data."""
