from app.projects import clients  # noqa: F401  (its routes join the blueprint)
from app.projects.routes import bp

__all__ = ["bp"]
