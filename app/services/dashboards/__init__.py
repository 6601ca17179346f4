"""Dashboard metrics: computed in jobs, section by section, cached in Redis and streamed to viewers.

- keys.py: "dashboard:<kind>[:<id>]" keys, their URLs and titles;
- registry.py: the sections of each kind of dashboard and the functions that compute them;
- user_metrics / team_metrics / org_metrics / system_metrics: one SQL-aggregate function per section;
- cache.py: the Redis cache of computed sections; refresh.py: compute, cache and stream (the job's work);
- shell.py: what the page request renders (cache only, no metric SQL);
- invalidation.py: which dashboards a data change touches; warming.py: the recurring cache warmer.
"""
