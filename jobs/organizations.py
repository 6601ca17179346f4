"""Deleting an organization and its data (app/organizations/lifecycle.py), with progress."""
from __future__ import annotations

from app.background.tracking import report_progress
from app.organizations import lifecycle as organizations


def delete_organization(organization_id: int) -> str:
    return organizations.delete(organization_id, progress=report_progress)
