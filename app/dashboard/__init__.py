"""The four live dashboards: the signed-in user's, a team's, an organization's and the platform's."""
from flask import Blueprint

bp = Blueprint("dashboard", __name__)

from app.dashboard import routes  # noqa: E402,F401
