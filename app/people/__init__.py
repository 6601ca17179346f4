"""People and settings of organizations: creating and deleting them, invitations, members and roles, teams,
the audit trail. Views are thin: parse, check the one policy, call a service, render."""
from flask import Blueprint

bp = Blueprint("people", __name__)

from app.people import invitations, members, organizations, teams  # noqa: E402,F401  (routes)

__all__ = ["bp"]
