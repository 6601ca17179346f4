"""Web plumbing every page shares: security headers (security.py), request ids, origins, error pages, form
filters, the input guard, template helpers, and the home and health routes (main.py)."""
