"""Shared column helpers for the models."""
from __future__ import annotations

from app.timezones import utcnow

__all__ = ["utcnow"]  # the default of every created_at / updated_at column
