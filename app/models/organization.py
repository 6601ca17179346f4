from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, String, Text, UniqueConstraint, delete, func, select
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import utcnow
from app.models.team import Team, TeamMembership


class Role(StrEnum):
    OWNER = "owner"
    ADMIN = "admin"
    MANAGER = "manager"
    MEMBER = "member"

    @property
    def rank(self) -> int:
        return {"owner": 4, "admin": 3, "manager": 2, "member": 1}[self]


# What people read for a role (its value stays the stored and compared one). Lazy: str() before storing it.
ROLE_LABELS = {Role.OWNER: _l("owner"), Role.ADMIN: _l("admin"), Role.MANAGER: _l("manager"), Role.MEMBER: _l("member")}


def role_label(role: str) -> str:
    """The role as the reader's language names it (the value itself when unknown)."""
    return str(ROLE_LABELS.get(role, role))


class Organization(db.Model):
    __tablename__ = "organizations"
    __table_args__ = (CheckConstraint("week_start in (0, 6)", name="week_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    organization_type: Mapped[str] = mapped_column(String(80), default="company")
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # ISO 4217 code, for billable amounts in reports.
    currency: Mapped[str] = mapped_column(String(3), default="EUR", server_default="EUR")
    # The first day of "this week" in every figure and report: 0 Monday (ISO), 6 Sunday.
    week_start: Mapped[int] = mapped_column(default=0, server_default="0")
    # Owners may require two-factor sign-in of every member (app/policies.py: two_factor_required_by).
    require_two_factor: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
    # The organization's own time zone (IANA): imports read a file's dates and times in it (issue 20 E).
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC", server_default="UTC")
    # Owners' lock date (issue 21 B): no time before this day changes (app/time_tracking/locks.py); None: no lock.
    lock_date: Mapped[date | None] = mapped_column(Date)
    # Billing details (issue 21): the sender on its invoices (page and PDF); each optional.
    billing_address: Mapped[str | None] = mapped_column(Text)  # address lines, one per line
    tax_id: Mapped[str | None] = mapped_column(String(50))  # tax or VAT id
    billing_email: Mapped[str | None] = mapped_column(String(254))  # contact e-mail for invoices

    @property
    def billing_address_lines(self) -> list[str]:
        return [line for line in (self.billing_address or "").splitlines() if line.strip()]

    memberships: Mapped[list[Membership]] = relationship(back_populates="organization", cascade="all, delete-orphan")
    teams: Mapped[list["Team"]] = relationship(back_populates="organization", order_by="Team.name")  # noqa: F821

    def __repr__(self) -> str:
        return f"<Organization {self.id} {self.name!r}>"

    def membership_of(self, user_id: int, include_removed: bool = False) -> Membership | None:
        query = select(Membership).where(Membership.organization_id == self.id, Membership.user_id == user_id)
        if not include_removed:
            query = query.where(Membership.removed_at.is_(None))
        return db.session.scalar(query)

    def owner_count(self) -> int:
        return db.session.scalar(select(func.count()).select_from(Membership).where(
            Membership.organization_id == self.id, Membership.role == Role.OWNER.value,
            Membership.removed_at.is_(None))) or 0

    def add_member(self, user: "User", role: str | Role = Role.MEMBER) -> Membership:  # noqa: F821
        """Make the user a member with this role: a new row, or a former member's row reactivated (it keeps
        their earlier time logs). The caller commits."""
        membership = self.membership_of(user.id, include_removed=True)
        if membership is None:
            membership = Membership(organization_id=self.id, user_id=user.id, role=Role(role).value)
            db.session.add(membership)
        else:
            membership.role = Role(role).value
            membership.removed_at = None
        db.session.flush()
        db.session.expire(user, ["memberships"])
        return membership

    def remove_member(self, user: "User") -> bool:  # noqa: F821
        """Take the user out of this organization and its teams. The membership row stays, marked removed, so
        their time logs here stay too (reports show them as a former member); every access path treats a
        removed membership as none. False when they were not a member; the caller commits (and stops their
        running timer and their sockets: app/organizations/people.py)."""
        membership = self.membership_of(user.id)
        if membership is None:
            return False
        db.session.execute(delete(TeamMembership).where(
            TeamMembership.user_id == user.id,
            TeamMembership.team_id.in_(select(Team.id).where(Team.organization_id == self.id))))
        membership.removed_at = utcnow()
        db.session.flush()
        db.session.expire(user, ["memberships"])
        return True


class Membership(db.Model):
    """A user's role in one organization."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("organization_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20), default=Role.MEMBER)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set when the member leaves or is removed: the row stays so their time logs (which reference it) stay too.
    removed_at: Mapped[datetime | None]

    organization: Mapped[Organization] = relationship(back_populates="memberships")
    user: Mapped["User"] = relationship()  # noqa: F821

    @property
    def is_active(self) -> bool:
        return self.removed_at is None

    @property
    def role_enum(self) -> Role:
        return Role(self.role)
