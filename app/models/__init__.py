"""One module per aggregate; importing this package registers every table."""
from app.models.access_token import AccessToken, TokenScope
from app.models.audit import AUDIT_ACTIONS, AuditEntry
from app.models.base import utcnow
from app.models.client import Client
from app.models.export import EXPORT_LIFETIME, Export, ExportState
from app.models.favourite import Favourite, favourite_tags
from app.models.import_run import CREATED_KINDS, Import, ImportState
from app.models.invitation import INVITATION_LIFETIME, Invitation, InvitationState
from app.models.invoice import (
    INVOICE_STATUS_LABELS,
    Invoice,
    InvoiceCounter,
    InvoiceError,
    InvoiceGrouping,
    InvoiceLine,
    InvoiceStatus,
    invoice_entries,
)
from app.models.job_status import DISCARD_UNDO, JobState, JobStatus, KnownFailure, cluster_key
from app.models.notification import Channel, EmailState, Notification, NotificationPreference, NotificationSettings
from app.models.organization import ROLE_LABELS, Membership, Organization, Role, role_label
from app.models.performance_snapshot import PerformanceSnapshot
from app.models.project import Project, ProjectStatus
from app.models.project_total import ProjectTotal
from app.models.rate import FLOOR_DATE, Rate, RateKind
from app.models.recurring_setting import RecurringSetting
from app.models.report import Report, ReportDefinition, ReportPhase, ReportState
from app.models.report_schedule import Frequency, ReportSchedule, ReportScheduleRun
from app.models.report_share import SHARE_LIFETIMES, ReportShare
from app.models.security import RecoveryCode, UsedToken
from app.models.sso_identity import SSOIdentity
from app.models.tag import Tag, time_log_tags
from app.models.task import Task
from app.models.team import Team, TeamMembership
from app.models.time_log import TimeLog, TimeLogError
from app.models.user import User
from app.models.webhook import WEBHOOK_EVENTS, DeliveryState, WebhookDelivery, WebhookEndpoint
from app.models.week_approval import (
    APPROVAL_STATUS_LABELS,
    ApprovalStatus,
    WeekApproval,
    approval_status_label,
)

__all__ = [
    "AccessToken", "TokenScope", "AUDIT_ACTIONS", "AuditEntry", "Channel", "EmailState", "Notification",
    "NotificationPreference",
    "NotificationSettings", "INVITATION_LIFETIME", "Invitation", "InvitationState",
    "Client", "CREATED_KINDS", "DISCARD_UNDO", "EXPORT_LIFETIME", "Export", "ExportState", "Favourite",
    "favourite_tags", "Import", "ImportState",
    "JobState", "JobStatus", "KnownFailure", "Membership", "Organization",
    "PerformanceSnapshot", "Project",
    "ProjectStatus", "ProjectTotal", "FLOOR_DATE", "Rate", "RateKind", "RecoveryCode", "RecurringSetting",
    "Report", "ReportDefinition", "ReportPhase", "ReportSchedule", "cluster_key",
    "ReportScheduleRun", "ReportShare", "SHARE_LIFETIMES", "ReportState", "Frequency", "Role", "SSOIdentity",
    "Tag", "Task", "Team",
    "TeamMembership", "TimeLog", "time_log_tags", "TimeLogError", "UsedToken", "User", "utcnow",
    "ApprovalStatus", "WeekApproval", "Invoice", "InvoiceCounter", "InvoiceError", "InvoiceGrouping",
    "InvoiceLine", "InvoiceStatus", "invoice_entries", "WEBHOOK_EVENTS", "DeliveryState", "WebhookDelivery",
    "WebhookEndpoint", "ROLE_LABELS", "role_label", "APPROVAL_STATUS_LABELS", "approval_status_label",
    "INVOICE_STATUS_LABELS",
]
