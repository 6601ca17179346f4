"""On-demand reports: params (what is asked), query (the rows, policy-scoped, in chunks), grouping
(subtotals), writers (CSV, XLSX, PDF), generate (one file), runs (a Report's life), archival (old files)."""
