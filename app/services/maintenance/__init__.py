"""Keeping the platform healthy: cleanup rules, performance snapshots, job reconciliation.

Each concern is one small module with one entry point; jobs/maintenance.py calls them.
"""
from __future__ import annotations

from app.services.maintenance.cleanup import RULES, CleanupRule, run_cleanup
from app.services.maintenance.reconcile import reconcile
from app.services.maintenance.snapshots import take_snapshot

__all__ = ["RULES", "CleanupRule", "reconcile", "run_cleanup", "take_snapshot"]
