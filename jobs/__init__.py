"""RQ job functions, one module per noun; each takes ids, loads, calls one service.

jobs/kinds.py is the table of every job kind (queue, timeout, retry policy); jobs/recurring.py the
table of recurring entries; jobs/runner.py wraps every job so JobStatus is tracked without the job's
own code doing anything.
"""
