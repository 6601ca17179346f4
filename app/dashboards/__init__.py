"""Dashboard metrics: computed in jobs, section by section, cached in Redis and streamed to viewers.

A dashboard is named by an app.live.topics.DashboardKey ("dashboard:<kind>[:<id>]"), its stream topic too.

- registry.py: the sections of each kind of dashboard and the functions that compute them;
- user_metrics / team_metrics / org_metrics / system_metrics: one SQL-aggregate function per section;
- cache.py: the Redis cache of computed sections; recompute.py: ask for a recompute, and the job's work
  (compute, cache and stream);
- shell.py: what the page request renders (cache only, no metric SQL);
- invalidation.py: which dashboards a data change touches; warming.py: the recurring cache warmer.
"""
