"""Billing: rates at four levels with effective dates (rates.py resolves them, rate_service.py sets and removes
them), the rates pages (routes.py) and amounts per currency (money.py). One blueprint: `billing`."""
