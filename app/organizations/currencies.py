"""The organization settings' currencies: the floor's list (app/currencies.py), shared with clients' currencies."""
from app.currencies import CURRENCIES

__all__ = ["CURRENCIES"]
