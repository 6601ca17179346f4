"""Keeping the platform healthy: cleanup rules, performance snapshots and the rollups' rebuild.

Each concern is one small module with one entry point; jobs/maintenance.py calls them. (Job
reconciliation is part of the job system: app/background/reconcile.py.)
"""
from __future__ import annotations

from app.maintenance.cleanup import RULES, CleanupRule, run_cleanup
from app.maintenance.rollups import rebuild as rebuild_rollups
from app.maintenance.snapshots import take_snapshot

__all__ = ["RULES", "CleanupRule", "rebuild_rollups", "run_cleanup", "take_snapshot"]
