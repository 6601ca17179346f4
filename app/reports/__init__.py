from app.reports.routes import bp

__all__ = ["bp"]
