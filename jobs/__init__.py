"""The functions RQ runs, one module per noun; each takes ids, loads, calls one service.

jobs/runner.py wraps every job so JobStatus is tracked without the job's own code doing anything.
The job system itself (kinds, queues, enqueue, tracking, the recurring table) is app/background/.
"""
