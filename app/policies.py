"""Who may see and change what: the one place.

- system admins: everything;
- owners and admins: their organization;
- managers: their teams (the team's members, projects and logs), plus organization-wide projects;
- members: their own logs, and their teams' projects (and organization-wide ones).

Views call `authorize()` (404 when the record may not be seen, 403 when it may be seen but not
changed) and list through the `*_scope()` selects, so nothing leaks through a listing.

Someone who has left an organization (or was removed: memberships.removed_at) holds nothing there: every page
and action of it is a 404 for them, their own records in it included (their time logs, reports, saved
reports and their schedules, jobs), and nothing they do reaches its audit trail.
"""
from __future__ import annotations

from flask import abort
from sqlalchemy import Select, false, or_, select

from app.extensions import db
from app.models import (
    Client,
    Favourite,
    Import,
    JobStatus,
    Membership,
    Notification,
    Organization,
    Project,
    Report,
    ReportDefinition,
    Role,
    SSOIdentity,
    Team,
    TeamMembership,
    TimeLog,
    User,
    WeekApproval,
)
from app.web.form_filters import parse_id

MANAGING_ROLES = (Role.OWNER, Role.ADMIN, Role.MANAGER)
ORG_WIDE_ROLES = (Role.OWNER, Role.ADMIN)


# -- facts about a user ---------------------------------------------------------------------------
def role_in(user: User, organization_id: int) -> Role | None:
    membership = user.membership_in(organization_id)
    return membership.role_enum if membership else None


def is_org_wide(user: User, organization_id: int) -> bool:
    """Owner or admin of the organization (or a system admin)."""
    return user.is_system_admin or (role_in(user, organization_id) in (Role.OWNER, Role.ADMIN))


def team_ids(user: User) -> set[int]:
    return set(db.session.scalars(select(TeamMembership.team_id).where(TeamMembership.user_id == user.id)))


def managed_team_ids(user: User) -> set[int]:
    """Teams the user manages: teams they belong to in organizations where they are a manager."""
    manager_orgs = [m.organization_id for m in user.memberships if m.role == Role.MANAGER]
    if not manager_orgs:
        return set()
    return set(db.session.scalars(
        select(Team.id).join(TeamMembership, TeamMembership.team_id == Team.id)
        .where(TeamMembership.user_id == user.id, Team.organization_id.in_(manager_orgs))
    ))


def organization_ids(user: User) -> list[int]:
    return [m.organization_id for m in user.memberships]


def left_organization_ids(user: User) -> list[int]:
    """Organizations the user was a member of and has left or was removed from (not those deleted since)."""
    return list(db.session.scalars(select(Membership.organization_id).where(
        Membership.user_id == user.id, Membership.removed_at.is_not(None))))


def has_left(user_id: int, organization_id: int) -> bool:
    """Has this user left (or been removed from) this organization? For what is sent to a user by id (a stream)."""
    return db.session.scalar(select(Membership.id).where(
        Membership.user_id == user_id, Membership.organization_id == organization_id,
        Membership.removed_at.is_not(None))) is not None


def org_wide_ids(user: User) -> list[int]:
    """Organizations where the user is an owner or admin (not all a system admin sees: check that first)."""
    return [m.organization_id for m in user.memberships if m.role in ORG_WIDE_ROLES]


# -- scopes: what a user may list -----------------------------------------------------------------
def organization_scope(user: User) -> Select:
    query = select(Organization)
    if user.is_system_admin:
        return query
    return query.where(Organization.id.in_(organization_ids(user)))


def team_scope(user: User) -> Select:
    query = select(Team)
    if user.is_system_admin:
        return query
    wide = org_wide_ids(user)
    return query.where(or_(Team.organization_id.in_(wide), Team.id.in_(team_ids(user))))


def project_scope(user: User) -> Select:
    query = select(Project)
    if user.is_system_admin:
        return query
    wide = org_wide_ids(user)
    others = [o for o in organization_ids(user) if o not in wide]
    return query.where(or_(
        Project.organization_id.in_(wide),
        Project.organization_id.in_(others) & (Project.team_id.is_(None) | Project.team_id.in_(team_ids(user))),
    ))


def client_scope(user: User) -> Select:
    query = select(Client)
    if user.is_system_admin:
        return query
    managing = [m.organization_id for m in user.memberships if m.role in MANAGING_ROLES]
    return query.where(Client.organization_id.in_(managing)) if managing else query.where(false())


def time_log_scope(user: User) -> Select:
    query = select(TimeLog)
    if user.is_system_admin:
        return query
    wide = org_wide_ids(user)
    managed = managed_team_ids(user)
    own = (TimeLog.user_id == user.id) & TimeLog.organization_id.in_(organization_ids(user))
    conditions = [own, TimeLog.organization_id.in_(wide)]
    if managed:
        members = select(TeamMembership.user_id).where(TeamMembership.team_id.in_(managed))
        managed_orgs = select(Team.organization_id).where(Team.id.in_(managed))
        conditions.append(TimeLog.user_id.in_(members) & TimeLog.organization_id.in_(managed_orgs))
    return query.where(or_(*conditions))


def people_scope(user: User) -> Select:
    """Whose time the user may look at, person by person (My time's filter, the timesheet's ?user=): themselves,
    everyone in the organizations they own or administer, and the members of the teams they manage."""
    query = select(User)
    if user.is_system_admin:
        return query
    conditions = [User.id == user.id]
    wide = org_wide_ids(user)
    if wide:
        conditions.append(User.id.in_(select(Membership.user_id).where(
            Membership.organization_id.in_(wide), Membership.removed_at.is_(None))))
    managed = managed_team_ids(user)
    if managed:
        conditions.append(User.id.in_(select(TeamMembership.user_id).where(TeamMembership.team_id.in_(managed))))
    return query.where(or_(*conditions))


def can_view_time_of(user: User, person: User | None) -> bool:
    """May the user see this person's time (their week, their entries listed as theirs)?"""
    if person is None:
        return False
    if person.id == user.id or user.is_system_admin:
        return True
    return db.session.scalar(people_scope(user).where(User.id == person.id).with_only_columns(User.id)) is not None


def can_edit_time_of(user: User, person: User, organization_id: int) -> bool:
    """May the user add or change this person's entries in this organization: the policy of an entry's edit."""
    return can_edit(user, TimeLog(user_id=person.id, organization_id=organization_id))


# -- single records -------------------------------------------------------------------------------
def can_view(user: User, record) -> bool:
    if user.is_system_admin:
        return True
    if isinstance(record, Organization):
        return role_in(user, record.id) is not None
    if isinstance(record, Team):
        return is_org_wide(user, record.organization_id) or record.id in team_ids(user)
    if isinstance(record, Project):
        role = role_in(user, record.organization_id)
        if role is None:
            return False
        return role in (Role.OWNER, Role.ADMIN) or record.team_id is None or record.team_id in team_ids(user)
    if isinstance(record, Client):
        return role_in(user, record.organization_id) in (Role.OWNER, Role.ADMIN, Role.MANAGER)
    if isinstance(record, TimeLog):
        if role_in(user, record.organization_id) is None:
            return False  # their own logs of an organization they left too: it keeps them, they are not theirs
        if record.user_id == user.id or is_org_wide(user, record.organization_id):
            return True
        return bool(managed_team_ids(user) & team_ids(db.session.get(User, record.user_id)))
    if isinstance(record, User):
        return record.id == user.id or bool(set(organization_ids(user)) & set(organization_ids(record)))
    if isinstance(record, Report):
        return can_view_report(user, record)
    if isinstance(record, ReportDefinition):
        return record.user_id == user.id and role_in(user, record.organization_id) is not None
    return False


def can_edit(user: User, record) -> bool:
    if not can_view(user, record):
        return False
    if user.is_system_admin:
        return True
    if isinstance(record, TimeLog):
        return record.user_id == user.id or is_org_wide(user, record.organization_id)
    if isinstance(record, Project):
        if is_org_wide(user, record.organization_id):
            return True
        return role_in(user, record.organization_id) == Role.MANAGER and record.team_id in managed_team_ids(user)
    if isinstance(record, Client):
        return role_in(user, record.organization_id) in (Role.OWNER, Role.ADMIN, Role.MANAGER)
    if isinstance(record, (Organization, Team)):
        return is_org_wide(user, record.organization_id if isinstance(record, Team) else record.id)
    if isinstance(record, (Report, ReportDefinition)):
        return record.user_id == user.id  # cancel, retry, run again, delete, save: the owner's own
    return False


def can_manage_projects(user: User, organization_id: int) -> bool:
    """Create projects and clients: managers and up."""
    return user.is_system_admin or role_in(user, organization_id) in (Role.OWNER, Role.ADMIN, Role.MANAGER)


def authorize(user: User, action: str, record):
    """Return the record, or abort: 404 for what the user may not see, 403 for what they may not change."""
    if record is None or not can_view(user, record):
        abort(404)
    if action == "edit" and not can_edit(user, record):
        abort(403)
    return record


def load(user: User, model, record_id, action: str = "view"):
    """Load a record by id and authorize it (404 for a malformed or unknown id)."""
    record_id = parse_id(record_id)
    if record_id is None:
        abort(404)
    return authorize(user, action, db.session.get(model, record_id))


# -- reports (their stream topic is checked by app/live/topics.py, through this) -------------------------
def can_view_report(user: User, report: Report | None) -> bool:
    """A report, its file and its progress stream: its owner while still a member of the organization (a report
    holds the organization's data), the organization's owners and admins, system admins."""
    if report is None:
        return False
    if report.user_id == user.id and can_report_on(user, report.organization_id):
        return True
    return is_org_wide(user, report.organization_id)


def can_share_report(user: User, report: Report | None) -> bool:
    """Make a share link of a report, see its links, revoke one: whoever may see the report (a link shows
    nothing they could not show themselves)."""
    return can_view_report(user, report)


def report_scope(user: User) -> Select:
    """The reports /reports lists: the user's own, of the organizations they are (still) in."""
    query = select(Report).where(Report.user_id == user.id)
    return query if user.is_system_admin else query.where(Report.organization_id.in_(organization_ids(user)))


def definition_scope(user: User) -> Select:
    """The saved reports /reports lists: the user's own, of the organizations they are (still) in."""
    query = select(ReportDefinition).where(ReportDefinition.user_id == user.id)
    return query if user.is_system_admin else query.where(
        ReportDefinition.organization_id.in_(organization_ids(user)))


def can_report_on(user: User, organization_id: int) -> bool:
    """Ask for a report on an organization: any member (the report holds what their scope lets them see)."""
    return user.is_system_admin or role_in(user, organization_id) is not None


# -- dashboards (their stream topics are checked by app/live/topics.py, through this) ------------------
def can_view_dashboard(user: User, kind: str, record_id: int | None = None) -> bool:
    """Only dashboards of records that exist: a system admin too gets False for team 0 or org 99999."""
    if kind == "system":
        return user.is_system_admin
    if record_id is None:
        return False
    if kind == "user":
        return record_id == user.id or (user.is_system_admin and db.session.get(User, record_id) is not None)
    if kind == "team":
        team = db.session.get(Team, record_id)
        if team is None:
            return False
        return is_org_wide(user, team.organization_id) or team.id in managed_team_ids(user)
    if kind == "org":
        return db.session.get(Organization, record_id) is not None and is_org_wide(user, record_id)
    return False


# -- people and settings (issue 11) --------------------------------------------------------------
# Actions on an organization's people, teams and settings. Owners and admins manage people and teams; only
# owners touch the organization's settings and its deletion, and only owners make or unmake owners. An
# organization always keeps one owner: the last one cannot leave, be demoted or be removed.
# Only owners take a full export of the organization's data ("export": its page, its stream and its download) and
# manage webhooks ("manage_webhooks": their secrets sign the organization's data); owners, admins and managers
# import time ("import_time"), each imported person's time still through can_edit.
PEOPLE_ACTIONS = ("invite", "manage_members", "manage_teams", "view_audit", "edit_settings", "delete", "export",
                  "manage_webhooks", "import_time")


def can_org(user: User, action: str, organization_id: int) -> bool:
    """May the user do this organization-wide action (one of PEOPLE_ACTIONS)?"""
    if user.is_system_admin:
        return True
    role = role_in(user, organization_id)
    if action in ("invite", "manage_members", "manage_teams", "view_audit"):
        return role in ORG_WIDE_ROLES
    if action in ("edit_settings", "delete", "export", "manage_webhooks"):
        return role == Role.OWNER
    if action == "import_time":  # imports (issue 20 E): each imported person's time still goes through can_edit
        return role in MANAGING_ROLES
    return False


def can_rates(user: User, organization_id: int, project: Project | None = None) -> bool:
    """See and set rates (issue 21): the organization's default and member rates, its owners; a project's and its
    members' rates on it, whoever may edit the project (owners, admins, the manager of its team). Members never."""
    if user.is_system_admin:
        return True
    if project is None:
        return role_in(user, organization_id) == Role.OWNER
    return project.organization_id == organization_id and can_edit(user, project)


def can_invoice(user: User, organization_id: int) -> bool:
    """See, draft, send and void the organization's invoices (issue 21 C): its owners, like its default rates
    (system admins too). Admins, managers and members never."""
    return user.is_system_admin or role_in(user, organization_id) == Role.OWNER


def invoicing_organization_ids(user: User) -> list[int]:
    """The organizations whose invoices the user may see (can_invoice): every one for a system admin."""
    if user.is_system_admin:
        return list(db.session.scalars(select(Organization.id).order_by(Organization.id)))
    return [i for i in organization_ids(user) if can_invoice(user, i)]


def may_see_invoices(user: User) -> bool:
    """Whether /invoices shows the user anything (the header's "Invoices" link): an owner somewhere, or a system
    admin while any organization exists."""
    if user.is_system_admin:
        return db.session.scalar(select(Organization.id).limit(1)) is not None
    return any(can_invoice(user, i) for i in organization_ids(user))


def invitable_roles(user: User, organization_id: int) -> list[Role]:
    """The roles this user may give (by invitation or a role change): owners any, admins up to admin."""
    if user.is_system_admin or role_in(user, organization_id) == Role.OWNER:
        return [Role.OWNER, Role.ADMIN, Role.MANAGER, Role.MEMBER]
    if role_in(user, organization_id) == Role.ADMIN:
        return [Role.ADMIN, Role.MANAGER, Role.MEMBER]
    return []


def _is_last_owner(organization: Organization, target) -> bool:
    return target.role == Role.OWNER and organization.owner_count() <= 1


def can_change_role(user: User, organization: Organization, target, new_role: Role) -> bool:
    """`target` is an active Membership of the organization. An admin cannot touch owners nor make one."""
    if not can_org(user, "manage_members", organization.id) or target.organization_id != organization.id:
        return False
    if new_role not in invitable_roles(user, organization.id):
        return False
    if target.role == Role.OWNER and not (user.is_system_admin or role_in(user, organization.id) == Role.OWNER):
        return False
    if new_role != Role.OWNER and _is_last_owner(organization, target):
        return False
    return True


def can_remove_member(user: User, organization: Organization, target) -> bool:
    """Remove someone else (owners and admins; admins not owners), or leave oneself; never the last owner."""
    if target.organization_id != organization.id or target.removed_at is not None:
        return False
    if _is_last_owner(organization, target):
        return False
    if target.user_id == user.id:
        return True
    if not can_org(user, "manage_members", organization.id):
        return False
    return target.role != Role.OWNER or user.is_system_admin or role_in(user, organization.id) == Role.OWNER


def authorize_org(user: User, action: str, organization_id) -> Organization:
    """Load an organization for an action: 404 when the user may not see it, 403 when they may not do this."""
    organization = load(user, Organization, organization_id)
    if not can_org(user, action, organization.id):
        abort(403)
    return organization


# -- imports (issue 20 E) -----------------------------------------------------------------------------
def can_view_import(user: User, record: Import | None) -> bool:
    """An import, its page and its progress stream: the organization's owners and admins, and the person who
    uploaded it while they may still import there."""
    if record is None:
        return False
    if is_org_wide(user, record.organization_id):
        return True
    return record.user_id == user.id and can_org(user, "import_time", record.organization_id)


def load_import(user: User, organization: Organization, import_id) -> Import:
    """An import of this organization the user may see, or a 404."""
    record_id = parse_id(import_id)
    record = db.session.get(Import, record_id) if record_id is not None else None
    if record is None or record.organization_id != organization.id or not can_view_import(user, record):
        abort(404)
    return record


# -- two-factor sign-in (issue 17) -----------------------------------------------------------------
# An organization's owners may require two-factor sign-in of its members. A member without it is sent to
# set it up before any page (not only the organization's: its data shows on personal pages, reports and
# jobs too), and their sockets receive nothing, until it is on. Signing out and the set-up pages stay open.
TWO_FACTOR_OPEN_ENDPOINTS = frozenset({
    "settings.two_factor", "settings.two_factor_enable", "settings.two_factor_codes", "auth.logout", "static",
    "main.healthz", "metrics.metrics", "main.manifest", "main.service_worker", "main.offline",
})


def two_factor_required_by(user: User) -> list[Organization]:
    """The organizations of this user that require two-factor sign-in, while they have it off."""
    if not user.is_authenticated or user.two_factor_enabled:
        return []
    return list(db.session.scalars(select(Organization).join(Membership).where(
        Membership.user_id == user.id, Membership.removed_at.is_(None),
        Organization.require_two_factor.is_(True)).order_by(Organization.name)))


def may_require_two_factor(user: User, organization: Organization) -> bool:
    """Only someone with two-factor sign-in on may require it (they would lock themselves out otherwise)."""
    return can_org(user, "edit_settings", organization.id) and user.two_factor_enabled


# -- the job monitor (issue 14) ------------------------------------------------------------------
# System admins see and act on every job and operate the platform (queues, workers, recurring entries).
# Everyone sees the jobs run for them (but those of an organization they have left); an organization's owners
# and admins also see its jobs (JobStatus organization_id), retry and cancel them, and run bulk actions over
# them. Anything else is a 404.
def job_scope(user: User) -> Select:
    query = select(JobStatus)
    if user.is_system_admin:
        return query
    wide = org_wide_ids(user)
    mine = JobStatus.user_id == user.id
    left = left_organization_ids(user)
    if left:
        mine = mine & (JobStatus.organization_id.is_(None) | JobStatus.organization_id.not_in(left))
    return query.where(or_(mine, JobStatus.organization_id.in_(wide)) if wide else mine)


def can_view_job(user: User, job: JobStatus) -> bool:
    if user.is_system_admin:
        return True
    if job.user_id is not None and job.user_id == user.id:
        return job.organization_id is None or not has_left(user.id, job.organization_id)
    return job.organization_id is not None and job.organization_id in org_wide_ids(user)


def can_view_org_jobs(user: User, organization_id: int) -> bool:
    return user.is_system_admin or organization_id in org_wide_ids(user)


def can_bulk_jobs(user: User) -> bool:
    """Bulk actions (over the user's job scope): system admins, and organizations' owners and admins."""
    return user.is_system_admin or bool(org_wide_ids(user))


def can_bulk_jobs_of(user: User, organization_id: int) -> bool:
    """A bulk action narrowed to one organization (and recorded in its audit trail): one the user is in."""
    return user.is_system_admin or role_in(user, organization_id) is not None


def can_operate_jobs(user: User) -> bool:
    """Pause and resume queues, see workers, switch and run recurring entries: platform-wide, system admins."""
    return user.is_system_admin


# -- favourites (issue 19 C) ----------------------------------------------------------------------
def load_favourite(user: User, favourite_id):
    """A favourite is its owner's alone: anyone else's, or a malformed id, is a 404 (system admins too)."""
    record_id = parse_id(favourite_id)
    record = db.session.get(Favourite, record_id) if record_id is not None else None
    if record is None or record.user_id != user.id:
        abort(404)
    return record


# -- notifications (issue 13) ----------------------------------------------------------------------
def load_notification(user: User, notification_id):
    """A notification is its recipient's alone: anyone else's, or a malformed id, is a 404 (system admins too)."""

    record_id = parse_id(notification_id)
    record = db.session.get(Notification, record_id) if record_id is not None else None
    if record is None or record.user_id != user.id or not record.in_app:
        abort(404)
    return record


# -- single sign-on (issue 17) ---------------------------------------------------------------------
def load_sso_identity(user: User, identity_id):
    """A linked provider identity is its account's alone: anyone else's (system admins too) is a 404."""
    record_id = parse_id(identity_id)
    record = db.session.get(SSOIdentity, record_id) if record_id is not None else None
    if record is None or record.user_id != user.id:
        abort(404)
    return record


# -- week approvals and locks (issue 21 B) --------------------------------------------------------------
# A person submits their own week, in an organization they belong to. Deciding (approve or reject) is for the
# organization's owners and admins, and for the managers of a team the person is in; nobody decides their own
# week except an owner (an organization's owners have nobody above them). Unlocking an approved week is for owners
# only (and system admins): it reopens billed time.
def can_submit_week(user: User, person: User, organization_id: int) -> bool:
    return user.id == person.id and role_in(user, organization_id) is not None


def can_decide_week(user: User, approval: WeekApproval) -> bool:
    if user.is_system_admin:
        return True
    role = role_in(user, approval.organization_id)
    if role is None:
        return False
    if approval.user_id == user.id:
        return role == Role.OWNER
    if role in ORG_WIDE_ROLES:
        return True
    person = db.session.get(User, approval.user_id)
    return role == Role.MANAGER and person is not None and bool(managed_team_ids(user) & team_ids(person))


def can_unlock_week(user: User, approval: WeekApproval) -> bool:
    return user.is_system_admin or role_in(user, approval.organization_id) == Role.OWNER


def can_view_week_approval(user: User, approval: WeekApproval | None) -> bool:
    """The person, whoever may decide it, and owners (who may unlock it)."""
    if approval is None:
        return False
    if approval.user_id == user.id:
        return role_in(user, approval.organization_id) is not None
    return can_decide_week(user, approval) or can_unlock_week(user, approval)


def load_week_approval(user: User, approval_id) -> WeekApproval:
    """An approval the user may see, or 404."""
    approval_id = parse_id(approval_id)
    approval = db.session.get(WeekApproval, approval_id) if approval_id is not None else None
    if not can_view_week_approval(user, approval):
        abort(404)
    return approval
