"""The job monitor (/jobs, blueprint `job_monitor`, templates/job_monitor/): its queries (queries.py), bulk
actions (bulk_actions.py, bulk.py), operator figures (stats.py) and operations (operations.py)."""
