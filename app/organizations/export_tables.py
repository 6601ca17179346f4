"""What a full export of an organization holds: one entry per table, with the rows that belong to the organization
and the columns written. Every table that belongs to an organization (an organization_id column, or a foreign key
to such a table) is either in TABLES or in EXCLUDED with the reason; tests/unit/test_export_tables.py fails when a
new one is in neither.

Users are written with their public fields only: never a password hash, a two-factor secret, a token or any other
credential (OMITTED_COLUMNS); an invitation's nonce (its link's secret) is left out the same way.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Select, Table, select

from app.extensions import db
from app.models import Favourite, Invoice, InvoiceLine, Membership, Project, ReportDefinition, Team, TimeLog


def _table(name: str) -> Table:
    return db.metadata.tables[name]


@dataclass(frozen=True)
class ExportTable:
    name: str  # the table's name, and the file's: <name>.csv, <name>.json
    where: Callable[[Table, int], object]  # the rows of organization <id>
    omit: tuple[str, ...] = ()  # columns never written (credentials)

    @property
    def table(self) -> Table:
        return _table(self.name)

    @property
    def columns(self) -> list[str]:
        return [c.name for c in self.table.columns if c.name not in self.omit]

    def query(self, organization_id: int) -> Select:
        t = self.table
        order = list(t.primary_key.columns) or list(t.columns)[:1]
        return select(*[t.c[c] for c in self.columns]).where(self.where(t, organization_id)).order_by(*order)


def _own(t: Table, org: int):
    return t.c.organization_id == org


def _org_projects(org: int):
    return select(Project.id).where(Project.organization_id == org)


TABLES: list[ExportTable] = [
    ExportTable("organizations", lambda t, org: t.c.id == org),
    ExportTable("teams", _own),
    ExportTable("memberships", _own),
    ExportTable("team_memberships", lambda t, org: t.c.team_id.in_(select(Team.id).where(Team.organization_id == org))),
    ExportTable("users", lambda t, org: t.c.id.in_(select(Membership.user_id).where(Membership.organization_id == org)),
                omit=("password_hash", "totp_secret", "totp_last_counter", "session_version", "is_system_admin",
                      "two_factor_enabled_at")),
    ExportTable("invitations", _own, omit=("nonce",)),
    ExportTable("clients", _own),
    ExportTable("projects", _own),
    ExportTable("rates", _own),  # what its hours are worth: billable and cost rates with their effective dates
    ExportTable("tasks", lambda t, org: t.c.project_id.in_(_org_projects(org))),
    ExportTable("tags", _own),
    ExportTable("time_logs", _own),
    ExportTable("time_log_tags", lambda t, org: t.c.time_log_id.in_(
        select(TimeLog.id).where(TimeLog.organization_id == org))),
    ExportTable("report_definitions", _own),
    ExportTable("report_schedules", lambda t, org: t.c.definition_id.in_(
        select(ReportDefinition.id).where(ReportDefinition.organization_id == org))),
    ExportTable("report_schedule_runs", lambda t, org: t.c.definition_id.in_(
        select(ReportDefinition.id).where(ReportDefinition.organization_id == org))),
    ExportTable("favourites", lambda t, org: t.c.project_id.in_(_org_projects(org))),
    ExportTable("favourite_tags", lambda t, org: t.c.favourite_id.in_(
        select(Favourite.id).where(Favourite.project_id.in_(_org_projects(org))))),
    ExportTable("imports", _own),  # each import's file, plan and what it created (undo needs them)
    ExportTable("webhook_endpoints", _own, omit=("secret",)),
    ExportTable("week_approvals", _own),  # which weeks were submitted, approved (locked) or rejected
    ExportTable("invoices", _own),  # drafts, sent, paid and void invoices with their numbers
    ExportTable("invoice_counters", _own),  # the last number given per year (numbering continues after an import)
    ExportTable("invoice_lines", lambda t, org: t.c.invoice_id.in_(
        select(Invoice.id).where(Invoice.organization_id == org))),
    ExportTable("invoice_entries", lambda t, org: t.c.line_id.in_(
        select(InvoiceLine.id).join(Invoice).where(Invoice.organization_id == org))),
    ExportTable("audit_entries", _own),
]

# Tables that belong to an organization and are not exported, each with the reason.
EXCLUDED: dict[str, str] = {
    "project_totals": "a rollup of time_logs kept by triggers: rebuilt from the exported time logs",
    "reports": "generated output (files that expire); the saved report definitions that make them are exported",
    "job_statuses": "the job queue's operational records, not the organization's data",
    "exports": "the exports themselves: a record of this feature, not the organization's data",
    "webhook_deliveries": "the delivery log: a record of what was sent, each body a copy of data exported anyway",
    "report_shares": "share links of reports, which are not exported; each a hashed secret, a credential",
}

# A column with one of these in its name is a credential and is never written, whatever the table.
CREDENTIAL_MARKERS = ("password", "secret", "token", "hash", "nonce", "totp", "code")
