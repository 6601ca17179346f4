"""The job system, in one place: what the web process and services use to run work in the background.

    catalog     queue names and job kinds (function, queue, timeout, retry policy)
    enqueue     the one way to enqueue, retry and cancel a job (coalescing, delays)
    tracking    JobStatus bookkeeping around each run, progress, and its broadcast to /jobs
    monitor     the queries behind the job monitor (/jobs, app/job_monitor/)
    reconcile   JobStatus brought in line with RQ after a worker died
    recurring   the recurring-job table and the scheduler process (rq-scheduler)
    worker      the worker process (an RQ worker that rides out Redis outages)
    seeding_switch  continuous data seeding on or off, shared by every process through Redis

Redis clients and the outage backoff they share with the stream relay are app/redis_client.py.

Dependencies point one way: enqueue -> tracking -> models. The functions RQ runs live in the
top-level jobs/ package (thin callers into services), named here by dotted path only.
"""
