"""The four live dashboards: the signed-in user's, a team's, an organization's and the platform's."""
from app.dashboard.routes import bp

__all__ = ["bp"]
