from flask import Blueprint

bp = Blueprint("projects", __name__)

from app.projects import clients, routes  # noqa: E402,F401
