"""Deleting an organization and its data (app/organizations/lifecycle.py), with progress; a full export of one
(app/organizations/exports.py)."""
from __future__ import annotations

from app.background.tracking import report_progress
from app.organizations import exports
from app.organizations import lifecycle as organizations


def delete_organization(organization_id: int) -> str:
    return organizations.delete(organization_id, progress=report_progress)


def export_organization(export_id: int) -> str:
    return exports.build_export(export_id)
