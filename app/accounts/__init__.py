"""Accounts: sign-in and sign-out (routes.py), sign-up, password reset and e-mail changes (accounts.py),
personal settings (settings_routes.py), sessions and their revocation (sessions.py)."""
