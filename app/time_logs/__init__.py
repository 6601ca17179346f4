from flask import Blueprint

bp = Blueprint("time_logs", __name__)

from app.time_logs import routes  # noqa: E402,F401
